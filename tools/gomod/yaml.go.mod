// Wrapper module for building our YAML language host (tools/pulumi-language-yaml), which serves
// pulumi-yaml's own host (rendered into .tools/work/yaml/go.mod by tools/build.sh).
module archon.local/yaml-tools

go 1.24.7

require github.com/pulumi/pulumi-yaml @PULUMI_YAML_VERSION@
