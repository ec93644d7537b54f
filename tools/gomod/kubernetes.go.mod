// Wrapper module for building pulumi-resource-kubernetes
// (rendered into .tools/work/kubernetes/go.mod by tools/build.sh).
// ./provider is a writable copy of the provider module from the module cache,
// with the schema-embed.json / terraform-mapping-embed.json that upstream's
// go:generate step creates (they are not part of the published module).
module archon.local/kubernetes-tools

go 1.24.7

require github.com/pulumi/pulumi-kubernetes/provider/v4 @K8S_MODULE_VERSION@

replace github.com/pulumi/pulumi-kubernetes/provider/v4 => ./provider

// upstream: replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => ../sdk
replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => github.com/pulumi/pulumi-kubernetes/sdk/v4 @K8S_SDK_VERSION@
