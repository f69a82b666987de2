package validate

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"
)

// manifests is the directory the manifests live in; root the repository's.
const (
	manifests = ".."
	root      = "../../.."
)

var (
	varsOnce sync.Once
	vars     Vars
	varsErr  error
)

// trafficgenVars reads the variables trafficgen reads from its own --help,
// so a misspelt variable (which trafficgen would silently ignore) fails.
func trafficgenVars(t *testing.T) Vars {
	t.Helper()
	varsOnce.Do(func() {
		dir := t.TempDir()
		bin := filepath.Join(dir, "trafficgen")
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			varsErr = err
			t.Logf("%s", out)
			return
		}
		// Each option's variables close its help, in parentheses:
		// "($TRAFFICGEN_GATEWAY_URL, $GATEWAY_URL)", wrapped as the
		// help's width wants.
		envList := regexp.MustCompile(`\((\$[A-Z][A-Z0-9_]*(?:,\s+\$[A-Z][A-Z0-9_]*)*)\)`)
		envName := regexp.MustCompile(`\$([A-Z][A-Z0-9_]*)`)
		read := func(args ...string) map[string]bool {
			out, err := exec.Command(bin, args...).Output()
			if err != nil {
				varsErr = err
			}
			m := map[string]bool{}
			for _, list := range envList.FindAllStringSubmatch(string(out), -1) {
				for _, sub := range envName.FindAllStringSubmatch(list[1], -1) {
					m[sub[1]] = true
				}
			}
			return m
		}
		vars = Vars{Run: read("--help"), Serve: read("serve", "--help")}
	})
	if varsErr != nil {
		t.Fatalf("trafficgen --help: %v", varsErr)
	}
	if !vars.Run["GATEWAY_URL"] || !vars.Run["TRAFFICGEN_METRICS_ADDR"] || !vars.Serve["SERVE_ADDR"] {
		t.Fatalf("--help did not list the variables: %v", vars)
	}
	return vars
}

func TestManifests(t *testing.T) {
	objs, err := Load(manifests)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.Kind]++
	}
	for kind, n := range map[string]int{"ConfigMap": 1, "Secret": 1, "PersistentVolumeClaim": 1, "Deployment": 1, "Service": 1, "Job": 2, "PodMonitor": 2} {
		if kinds[kind] != n {
			t.Errorf("%d %s, want %d: %v", kinds[kind], kind, n, objs)
		}
	}
	for _, err := range Check(objs, trafficgenVars(t)) {
		t.Error(err)
	}
}

// Each of these slips, in an otherwise good document, fails decoding.
func TestStrictDecodingFails(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(manifests, "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode("job.yaml", good); err != nil {
		t.Fatalf("the good job.yaml: %v", err)
	}
	for _, c := range []struct{ name, from, to, want string }{
		{"misspelt field", "completionMode: Indexed", "completionMod: Indexed", `unknown field "spec.completionMod"`},
		{"wrong case", "completionMode: Indexed", "CompletionMode: Indexed", "unknown field"},
		{"wrong level", "      restartPolicy: Never", "      restartPolicy: Never\n      completions: 4", "unknown field"},
		{"duplicate key", "  parallelism: 4", "  parallelism: 4\n  parallelism: 2", "already set"},
		{"wrong type", "completions: 4", "completions: four", "cannot unmarshal"},
		{"bad quantity", "memory: 64Mi", "memory: 64 megs", "quantities must match"},
		{"unknown kind", "kind: Job", "kind: Jobb", "not a known type"},
		{"no name", "  name: trafficgen\n  labels", "  labels", "no metadata.name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(string(good), c.from, c.to, 1)
			if bad == string(good) {
				t.Fatalf("%q is not in job.yaml", c.from)
			}
			_, err := Decode("job.yaml", []byte(bad))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}

// Each of these disagreements between documents fails the checks.
func TestChecksFail(t *testing.T) {
	v := trafficgenVars(t)
	for _, c := range []struct {
		name, file, from, to, want string
	}{
		{"shard count", "config.yaml", `SHARD: "4"`, `SHARD: "3"`, "SHARD is \"3\", want 4"},
		{"misspelt variable", "config.yaml", "DURATION:", "DURATON:", "DURATON is not a variable"},
		{"parallelism", "job.yaml", "parallelism: 4", "parallelism: 2", "parallelism must equal completions"},
		{"not indexed", "job.yaml", "completionMode: Indexed", "completionMode: NonIndexed", "must be Indexed"},
		{"report per shard", "job.yaml", "shard-$(JOB_COMPLETION_INDEX).json", "shard.json", "REPORT must name"},
		{"scrape port", "job.yaml", `prometheus.io/port: "9464"`, `prometheus.io/port: "9100"`, "is not a container port"},
		{"config map name", "job.yaml", "name: trafficgen\n            - secretRef", "name: trafficgn\n            - secretRef", `ConfigMap "trafficgn" is not defined`},
		{"grace period", "job.yaml", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 5", "must exceed REQUEST_TIMEOUT"},
		{"merge misses a shard", "merge/merge-job.yaml", "            - /reports/shard-3.json\n", "", "one report per shard"},
		{"service port", "config.yaml", "http://demo-api:18080", "http://demo-api:8080", "the Service's port is 18080"},
		{"service selector", "demo-api.yaml", "  selector:\n    app.kubernetes.io/name: demo-api", "  selector:\n    app.kubernetes.io/name: demo", "does not select"},
		{"pod monitor port", "prometheus-operator/podmonitor.yaml", "- port: metrics", "- port: metric", "not a named port"},
	} {
		t.Run(c.name, func(t *testing.T) {
			objs := loadWith(t, c.file, c.from, c.to)
			errs := Check(objs, v)
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			if !strings.Contains(strings.Join(msgs, "\n"), c.want) {
				t.Errorf("errors %q, want one saying %q", msgs, c.want)
			}
		})
	}
}

// loadWith loads the manifests with one replacement made in file.
func loadWith(t *testing.T, file, from, to string) []Object {
	t.Helper()
	var objs []Object
	err := filepath.WalkDir(manifests, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".yaml" || strings.Contains(path, "validate") {
			return err
		}
		src, _ := os.ReadFile(path)
		rel, _ := filepath.Rel(manifests, path)
		if rel == file {
			changed := strings.Replace(string(src), from, to, 1)
			if changed == string(src) {
				t.Fatalf("%q is not in %s", from, file)
			}
			src = []byte(changed)
		}
		o, err := Decode(rel, src)
		objs = append(objs, o...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// The compose files set only variables trafficgen reads.
func TestComposeVariables(t *testing.T) {
	v := trafficgenVars(t)
	type compose struct {
		Services map[string]struct {
			Environment map[string]string `json:"environment"`
		} `json:"services"`
	}
	for _, file := range []string{"docker-compose.yml", "deploy/compose/host-network.yml"} {
		src, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		var c compose
		if err := yaml.Unmarshal(src, &c); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		want := map[string]map[string]bool{"traffic-generator": v.Run, "demo-api": v.Serve}
		for name, svc := range c.Services {
			known, ok := want[name]
			if !ok {
				t.Errorf("%s: unexpected service %q", file, name)
			}
			for k := range svc.Environment {
				if !known[k] {
					t.Errorf("%s: %s sets %s, which trafficgen does not read", file, name, k)
				}
			}
		}
	}
}
