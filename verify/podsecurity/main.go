// Command podsecurity evaluates rendered Kubernetes objects against the Pod Security Standards
// with Kubernetes' own implementation (k8s.io/pod-security-admission, the code behind the
// PodSecurity admission controller), so the tests check exactly what a cluster would enforce.
//
// Input (stdin): a JSON array of objects. Every object with a pod template (Deployment,
// StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) or a Pod is evaluated at the given level
// ("baseline" or "restricted", default restricted) and version ("latest" by default).
// Output (stdout): a JSON array with one entry per evaluated object and its violations.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec json.RawMessage `json:"spec"`
}

type violation struct {
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

type result struct {
	Kind       string      `json:"kind"`
	Name       string      `json:"name"`
	Level      string      `json:"level"`
	Version    string      `json:"version"`
	Checks     int         `json:"checks"`
	Violations []violation `json:"violations"`
}

// podTemplate returns the pod template of a workload, or false for objects that have none.
func podTemplate(obj object) (*corev1.PodTemplateSpec, bool, error) {
	var template corev1.PodTemplateSpec
	switch obj.Kind {
	case "Pod":
		var pod corev1.Pod
		if err := json.Unmarshal(obj.Spec, &pod.Spec); err != nil {
			return nil, false, err
		}
		template.Spec = pod.Spec
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
		var spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		}
		if err := json.Unmarshal(obj.Spec, &spec); err != nil {
			return nil, false, err
		}
		template = spec.Template
	case "CronJob":
		var spec struct {
			JobTemplate struct {
				Spec struct {
					Template corev1.PodTemplateSpec `json:"template"`
				} `json:"spec"`
			} `json:"jobTemplate"`
		}
		if err := json.Unmarshal(obj.Spec, &spec); err != nil {
			return nil, false, err
		}
		template = spec.JobTemplate.Spec.Template
	default:
		return nil, false, nil
	}
	return &template, true, nil
}

func main() {
	levelFlag := flag.String("level", "restricted", "baseline or restricted")
	versionFlag := flag.String("version", "latest", "Pod Security Standards version, e.g. v1.29 or latest")
	flag.Parse()

	level, err := api.ParseLevel(*levelFlag)
	if err != nil {
		fail(err)
	}
	version, err := api.ParseVersion(*versionFlag)
	if err != nil {
		fail(err)
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		fail(err)
	}

	var objects []object
	if err := json.NewDecoder(os.Stdin).Decode(&objects); err != nil {
		fail(fmt.Errorf("reading objects: %w", err))
	}
	results := []result{}
	for _, obj := range objects {
		template, ok, err := podTemplate(obj)
		if err != nil {
			fail(fmt.Errorf("%s/%s: %w", obj.Kind, obj.Metadata.Name, err))
		}
		if !ok {
			continue
		}
		checks := evaluator.EvaluatePod(api.LevelVersion{Level: level, Version: version}, &template.ObjectMeta, &template.Spec)
		res := result{Kind: obj.Kind, Name: obj.Metadata.Name, Level: string(level), Version: version.String(), Checks: len(checks), Violations: []violation{}}
		for _, check := range checks {
			if !check.Allowed {
				res.Violations = append(res.Violations, violation{Reason: check.ForbiddenReason, Detail: check.ForbiddenDetail})
			}
		}
		results = append(results, res)
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(results); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "podsecurity:", err)
	os.Exit(2)
}
