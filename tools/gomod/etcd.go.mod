// Wrapper module for building etcd (rendered into .tools/work/etcd/go.mod by tools/build.sh).
// etcd's own server module has replace directives pointing at sibling directories of its
// repository, so `go install go.etcd.io/etcd/server/v3@version` refuses it; as a dependency
// its published requirements are used instead.
module archon.local/etcd-tools

go 1.26.0

require go.etcd.io/etcd/server/v3 @ETCD_VERSION@
