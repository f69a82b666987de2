package validate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Object is one decoded document and where it came from.
type Object struct {
	File string // relative to the manifests' directory
	Doc  int    // 1-based, within File
	Kind string
	Name string
	Obj  any // *appsv1.Deployment, *batchv1.Job, ...
}

func (o Object) String() string { return fmt.Sprintf("%s#%d (%s %s)", o.File, o.Doc, o.Kind, o.Name) }

// types maps apiVersion/kind to the API type a document must decode into.
// A kind not listed is an error: a new kind needs its type here.
var types = map[string]func() any{
	"v1/ConfigMap":                        func() any { return new(corev1.ConfigMap) },
	"v1/Secret":                           func() any { return new(corev1.Secret) },
	"v1/Service":                          func() any { return new(corev1.Service) },
	"v1/PersistentVolumeClaim":            func() any { return new(corev1.PersistentVolumeClaim) },
	"apps/v1/Deployment":                  func() any { return new(appsv1.Deployment) },
	"batch/v1/Job":                        func() any { return new(batchv1.Job) },
	"monitoring.coreos.com/v1/PodMonitor": func() any { return new(monitoringv1.PodMonitor) },
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// Decode decodes every document of src strictly: a field the API type does
// not have (a typo, a wrong case, a wrong level), a duplicate key or a
// value of the wrong type is an error, as the API server's strict field
// validation makes it.
func Decode(file string, src []byte) ([]Object, error) {
	var out []Object
	for i, doc := range docSeparator.Split(string(src), -1) {
		js, err := yaml.YAMLToJSONStrict([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("%s#%d: %w", file, i+1, err)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue // comments only
		}
		var tm metav1.TypeMeta
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
			return nil, fmt.Errorf("%s#%d: %w", file, i+1, err)
		}
		newObj, ok := types[tm.APIVersion+"/"+tm.Kind]
		if !ok {
			return nil, fmt.Errorf("%s#%d: apiVersion %q kind %q: not a known type", file, i+1, tm.APIVersion, tm.Kind)
		}
		obj := newObj()
		strict, err := sigsjson.UnmarshalStrict(js, obj)
		if err != nil {
			return nil, fmt.Errorf("%s#%d: %w", file, i+1, err)
		}
		if len(strict) > 0 {
			return nil, fmt.Errorf("%s#%d (%s): %w", file, i+1, tm.Kind, joinErrors(strict))
		}
		name := obj.(metav1.Object).GetName()
		if name == "" {
			return nil, fmt.Errorf("%s#%d (%s): no metadata.name", file, i+1, tm.Kind)
		}
		out = append(out, Object{File: file, Doc: i + 1, Kind: tm.Kind, Name: name, Obj: obj})
	}
	return out, nil
}

func joinErrors(errs []error) error {
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

// Load decodes every .yaml file under dir, skipping the validator's own
// directory.
func Load(dir string) ([]Object, error) {
	var out []Object
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "validate" {
			return filepath.SkipDir
		}
		if d.IsDir() || (filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		objs, err := Decode(rel, src)
		if err != nil {
			return err
		}
		out = append(out, objs...)
		return nil
	})
	return out, err
}
