// Wrapper module for building the Pulumi CLI and our Python language host
// (rendered into .tools/work/pulumi/go.mod by tools/build.sh).
// `go install pkg@version` refuses github.com/pulumi/pulumi/pkg/v3 because its
// go.mod has replace directives; these are the same replaces, pointed at the
// module proxy instead of the upstream repo's relative paths.
module archon.local/pulumi-tools

go 1.26.6

require github.com/pulumi/pulumi/pkg/v3 @PULUMI_VERSION@

// upstream: replace github.com/pulumi/pulumi/sdk/v3 => ../sdk
replace github.com/pulumi/pulumi/sdk/v3 => github.com/pulumi/pulumi/sdk/v3 @PULUMI_VERSION@

// copied verbatim from pkg/v3's go.mod
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
