// Package validate checks volley's Kubernetes manifests the way the API
// server would read them, and then for what a sharded volley run needs.
//
// Decode reads every YAML document strictly into the Kubernetes API types:
// an unknown field (a typo such as "paralelism"), a duplicate key, or a
// value of the wrong type is an error, as it is for the API server with
// strict field validation, but without a cluster. Check then asks what a correct sharded run needs.
package validate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Object is one document of a manifest: a Job or a ConfigMap.
type Object struct {
	Where     string // file and document number, for messages
	Job       *batchv1.Job
	ConfigMap *corev1.ConfigMap
}

// Decode reads every document of a multi-document YAML manifest. name is
// used in messages only. Documents with nothing but comments are skipped.
func Decode(name string, data []byte) ([]Object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []Object
	for n := 1; ; n++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		where := fmt.Sprintf("%s, document %d", name, n)
		var probe map[string]any
		if err := yaml.Unmarshal(doc, &probe); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if probe == nil {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		obj := Object{Where: where}
		var into any
		switch gvk := tm.APIVersion + " " + tm.Kind; gvk {
		case "batch/v1 Job":
			obj.Job = new(batchv1.Job)
			into = obj.Job
		case "v1 ConfigMap":
			obj.ConfigMap = new(corev1.ConfigMap)
			into = obj.ConfigMap
		default:
			return nil, fmt.Errorf("%s: unexpected object %q (want batch/v1 Job or v1 ConfigMap)", where, gvk)
		}
		// As the API server reads an object with strict field validation:
		// a duplicate key is an error, and so is a field that no Go field
		// names exactly (sigs.k8s.io/json is case-sensitive, unlike
		// encoding/json, which would take readOnlyRootFileSystem).
		j, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		strict, err := sigsjson.UnmarshalStrict(j, into)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if len(strict) > 0 {
			return nil, fmt.Errorf("%s: %w", where, errors.Join(strict...))
		}
		objs = append(objs, obj)
	}
}
