package validate

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

// maxConfigMapBytes is what the API server accepts in one ConfigMap's data.
const maxConfigMapBytes = 1 << 20

// Check reports every way in which objs, the objects of one manifest, fall
// short of a sharded volley run: an Indexed Job of N pods that all run
// "volley --shards N --start-at T --json - …", are not retried, are
// hardened, and find their script in a ConfigMap of the same manifest.
func Check(objs []Object) error {
	var errs []error
	maps := map[string]*corev1.ConfigMap{}
	jobs := 0
	for _, o := range objs {
		if cm := o.ConfigMap; cm != nil {
			errs = append(errs, checkConfigMap(o.Where, cm)...)
			maps[cm.Namespace+"/"+cm.Name] = cm
		}
	}
	for _, o := range objs {
		if o.Job != nil {
			jobs++
			errs = append(errs, checkJob(o.Where, o.Job, maps)...)
		}
	}
	if jobs == 0 {
		errs = append(errs, errors.New("no Job in the manifest"))
	}
	return errors.Join(errs...)
}

func problem(where, format string, a ...any) error {
	return fmt.Errorf("%s: %s", where, fmt.Sprintf(format, a...))
}

func checkMeta(where string, m metav1.ObjectMeta, isLabel bool) []error {
	var errs []error
	nameErrs := validation.IsDNS1123Subdomain(m.Name)
	if isLabel {
		nameErrs = validation.IsDNS1123Label(m.Name)
	}
	for _, e := range nameErrs {
		errs = append(errs, problem(where, "name %q: %s", m.Name, e))
	}
	if m.Namespace != "" {
		for _, e := range validation.IsDNS1123Label(m.Namespace) {
			errs = append(errs, problem(where, "namespace %q: %s", m.Namespace, e))
		}
	}
	for k, v := range m.Labels {
		for _, e := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
			errs = append(errs, problem(where, "label %s=%s: %s", k, v, e))
		}
	}
	return errs
}

func checkConfigMap(where string, cm *corev1.ConfigMap) []error {
	errs := checkMeta(where, cm.ObjectMeta, false)
	size := 0
	for k, v := range cm.Data {
		size += len(k) + len(v)
		for _, e := range validation.IsConfigMapKey(k) {
			errs = append(errs, problem(where, "key %q: %s", k, e))
		}
	}
	for k, v := range cm.BinaryData {
		size += len(k) + len(v)
		for _, e := range validation.IsConfigMapKey(k) {
			errs = append(errs, problem(where, "key %q: %s", k, e))
		}
		if _, dup := cm.Data[k]; dup {
			errs = append(errs, problem(where, "key %q both in data and binaryData", k))
		}
	}
	if size > maxConfigMapBytes {
		errs = append(errs, problem(where, "%d bytes of data; a ConfigMap holds at most %d", size, maxConfigMapBytes))
	}
	return errs
}

func checkJob(where string, job *batchv1.Job, maps map[string]*corev1.ConfigMap) []error {
	errs := checkMeta(where, job.ObjectMeta, true)
	bad := func(format string, a ...any) { errs = append(errs, problem(where, format, a...)) }
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		bad("spec.completionMode must be Indexed (each pod's index is its shard)")
	}
	n := int32(0)
	switch {
	case s.Completions == nil || s.Parallelism == nil:
		bad("spec.completions and spec.parallelism must both be set to the number of shards")
	case *s.Completions != *s.Parallelism:
		bad("spec.parallelism %d differs from spec.completions %d: every shard must run at once", *s.Parallelism, *s.Completions)
	case *s.Completions < 1 || *s.Completions > 1000:
		bad("spec.completions %d: want 1 to 1000 shards", *s.Completions)
	default:
		n = *s.Completions
	}
	if s.BackoffLimit == nil || *s.BackoffLimit != 0 {
		bad("spec.backoffLimit must be 0: a retried shard would start late, alone")
	}
	if s.TTLSecondsAfterFinished == nil || *s.TTLSecondsAfterFinished < 3600 {
		bad("spec.ttlSecondsAfterFinished must keep the pods' logs for at least an hour")
	}

	pod := s.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		bad("restartPolicy must be Never")
	}
	if psc := pod.SecurityContext; psc == nil || !isTrue(psc.RunAsNonRoot) ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		bad("the pod's securityContext must set runAsNonRoot and the RuntimeDefault seccomp profile")
	}
	errs = append(errs, checkAntiAffinity(where, pod.Affinity, s.Template.Labels)...)
	if len(pod.Containers) != 1 {
		bad("want exactly one container, got %d", len(pod.Containers))
		return errs
	}
	c := pod.Containers[0]
	if c.Image == "" {
		bad("container %q has no image", c.Name)
	}
	if csc := c.SecurityContext; csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation ||
		!isTrue(csc.ReadOnlyRootFilesystem) || csc.Capabilities == nil || !slices.Contains(csc.Capabilities.Drop, "ALL") {
		bad("container %q must not allow privilege escalation, must have a read-only root filesystem and drop ALL capabilities", c.Name)
	}
	if _, throttled := c.Resources.Limits[corev1.ResourceCPU]; throttled {
		bad("container %q has a CPU limit: throttling would show up as latency", c.Name)
	}
	errs = append(errs, checkArgs(where, c, pod.Volumes, job.Namespace, n, maps)...)
	return errs
}

func isTrue(b *bool) bool { return b != nil && *b }

// checkAntiAffinity wants the shards spread over nodes: a preferred pod
// anti-affinity on the hostname that selects the Job's own pods.
func checkAntiAffinity(where string, a *corev1.Affinity, podLabels map[string]string) []error {
	if a != nil && a.PodAntiAffinity != nil {
		for _, t := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			sel, err := metav1.LabelSelectorAsSelector(t.PodAffinityTerm.LabelSelector)
			if err == nil && t.PodAffinityTerm.TopologyKey == corev1.LabelHostname && t.Weight > 0 &&
				!sel.Empty() && sel.Matches(labels.Set(podLabels)) {
				return nil
			}
		}
	}
	return []error{problem(where, "want a preferred pod anti-affinity on %s that selects the Job's own pods", corev1.LabelHostname)}
}

// checkArgs wants the shard flags first, with the right values, and a
// script option that names a key of a ConfigMap mounted where it points.
func checkArgs(where string, c corev1.Container, vols []corev1.Volume, ns string, n int32, maps map[string]*corev1.ConfigMap) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, problem(where, format, a...)) }
	args := c.Args
	if len(c.Command) != 0 {
		bad("container %q overrides the image's command: volley must be the entrypoint", c.Name)
	}
	if len(args) < 7 || args[0] != "--shards" || args[2] != "--start-at" || args[4] != "--json" || args[5] != "-" {
		bad("args must start with --shards N --start-at T --json - and go on with volley's options: %q", args)
		return errs
	}
	if n > 0 && args[1] != strconv.Itoa(int(n)) {
		bad("args say --shards %s but the Job runs %d", args[1], n)
	}
	if _, err := time.Parse(time.RFC3339, args[3]); err != nil {
		bad("--start-at %q is not an RFC 3339 time", args[3])
	}
	if args[6] != "-s" {
		return errs
	}
	if len(args) < 9 {
		bad("-s without a script")
		return errs
	}
	script := args[7]
	dir, key := path.Split(script)
	for _, m := range c.VolumeMounts {
		if m.MountPath+"/" != dir {
			continue
		}
		if !m.ReadOnly {
			bad("the script's volume is mounted writable")
		}
		for _, v := range vols {
			if v.Name != m.Name || v.ConfigMap == nil {
				continue
			}
			cm := maps[ns+"/"+v.ConfigMap.Name]
			if cm == nil {
				bad("-s %s: ConfigMap %q is not in the manifest", script, v.ConfigMap.Name)
				return errs
			}
			_, text := cm.Data[key]
			_, binary := cm.BinaryData[key]
			if !text && !binary {
				bad("-s %s: ConfigMap %q has no key %q", script, cm.Name, key)
			}
			return errs
		}
	}
	bad("-s %s: no ConfigMap volume is mounted at %s", script, dir)
	return errs
}
