// Wrapper module for building kube-apiserver, kube-controller-manager, kube-scheduler and
// kubectl (rendered into .tools/work/kube/go.mod by tools/build.sh).
// k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with directories
// of its own repository; these replaces point at the published staging modules instead, one
// for each entry of the `replace (` block of k8s.io/kubernetes' go.mod (sample-cli-plugin and
// sample-controller are not published and not needed).
module archon.local/kube-tools

go 1.26.0

require k8s.io/kubernetes @KUBE_VERSION@

replace (
	k8s.io/api => k8s.io/api @STAGING_VERSION@
	k8s.io/apiextensions-apiserver => k8s.io/apiextensions-apiserver @STAGING_VERSION@
	k8s.io/apimachinery => k8s.io/apimachinery @STAGING_VERSION@
	k8s.io/apiserver => k8s.io/apiserver @STAGING_VERSION@
	k8s.io/cli-runtime => k8s.io/cli-runtime @STAGING_VERSION@
	k8s.io/client-go => k8s.io/client-go @STAGING_VERSION@
	k8s.io/cloud-provider => k8s.io/cloud-provider @STAGING_VERSION@
	k8s.io/cluster-bootstrap => k8s.io/cluster-bootstrap @STAGING_VERSION@
	k8s.io/code-generator => k8s.io/code-generator @STAGING_VERSION@
	k8s.io/component-base => k8s.io/component-base @STAGING_VERSION@
	k8s.io/component-helpers => k8s.io/component-helpers @STAGING_VERSION@
	k8s.io/controller-manager => k8s.io/controller-manager @STAGING_VERSION@
	k8s.io/cri-api => k8s.io/cri-api @STAGING_VERSION@
	k8s.io/cri-client => k8s.io/cri-client @STAGING_VERSION@
	k8s.io/cri-streaming => k8s.io/cri-streaming @STAGING_VERSION@
	k8s.io/csi-translation-lib => k8s.io/csi-translation-lib @STAGING_VERSION@
	k8s.io/dynamic-resource-allocation => k8s.io/dynamic-resource-allocation @STAGING_VERSION@
	k8s.io/endpointslice => k8s.io/endpointslice @STAGING_VERSION@
	k8s.io/externaljwt => k8s.io/externaljwt @STAGING_VERSION@
	k8s.io/kms => k8s.io/kms @STAGING_VERSION@
	k8s.io/kube-aggregator => k8s.io/kube-aggregator @STAGING_VERSION@
	k8s.io/kube-controller-manager => k8s.io/kube-controller-manager @STAGING_VERSION@
	k8s.io/kube-proxy => k8s.io/kube-proxy @STAGING_VERSION@
	k8s.io/kube-scheduler => k8s.io/kube-scheduler @STAGING_VERSION@
	k8s.io/kubectl => k8s.io/kubectl @STAGING_VERSION@
	k8s.io/kubelet => k8s.io/kubelet @STAGING_VERSION@
	k8s.io/metrics => k8s.io/metrics @STAGING_VERSION@
	k8s.io/mount-utils => k8s.io/mount-utils @STAGING_VERSION@
	k8s.io/pod-security-admission => k8s.io/pod-security-admission @STAGING_VERSION@
	k8s.io/sample-apiserver => k8s.io/sample-apiserver @STAGING_VERSION@
	k8s.io/streaming => k8s.io/streaming @STAGING_VERSION@
)
