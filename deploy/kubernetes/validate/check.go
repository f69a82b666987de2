package validate

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Names of the objects the checks expect.
const (
	shardJob    = "trafficgen"
	mergeJob    = "trafficgen-merge"
	demoAPI     = "demo-api"
	jobIndexVar = "JOB_COMPLETION_INDEX"
	indexPath   = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
)

// Vars are the environment variables trafficgen reads, as its --help
// lists them: Run for the generator, Serve for `trafficgen serve`.
type Vars struct{ Run, Serve map[string]bool }

// set indexes the decoded objects by kind and name.
type set struct {
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
	claims      map[string]*corev1.PersistentVolumeClaim
	services    map[string]*corev1.Service
	deployments map[string]*appsv1.Deployment
	jobs        map[string]*batchv1.Job
	podMonitors map[string]*monitoringv1.PodMonitor
}

func index(objs []Object) (*set, []error) {
	s := &set{
		configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		claims: map[string]*corev1.PersistentVolumeClaim{}, services: map[string]*corev1.Service{},
		deployments: map[string]*appsv1.Deployment{}, jobs: map[string]*batchv1.Job{},
		podMonitors: map[string]*monitoringv1.PodMonitor{},
	}
	var errs []error
	seen := map[string]Object{}
	for _, o := range objs {
		if prev, dup := seen[o.Kind+"/"+o.Name]; dup {
			errs = append(errs, fmt.Errorf("%v and %v have the same name", prev, o))
		}
		seen[o.Kind+"/"+o.Name] = o
		switch v := o.Obj.(type) {
		case *corev1.ConfigMap:
			s.configMaps[o.Name] = v
		case *corev1.Secret:
			s.secrets[o.Name] = v
		case *corev1.PersistentVolumeClaim:
			s.claims[o.Name] = v
		case *corev1.Service:
			s.services[o.Name] = v
		case *appsv1.Deployment:
			s.deployments[o.Name] = v
		case *batchv1.Job:
			s.jobs[o.Name] = v
		case *monitoringv1.PodMonitor:
			s.podMonitors[o.Name] = v
		}
	}
	return s, errs
}

// Check says where the manifests disagree with each other or with
// trafficgen: a shard count that is not the Job's, a name referred to that
// nothing defines, a scraped port nothing listens on, a variable trafficgen
// does not read.
func Check(objs []Object, vars Vars) []error {
	s, errs := index(objs)
	job, ok := s.jobs[shardJob]
	if !ok {
		return append(errs, fmt.Errorf("no Job %q", shardJob))
	}
	errs = append(errs, s.checkShardJob(job, vars)...)
	if m, ok := s.jobs[mergeJob]; ok {
		errs = append(errs, s.checkMergeJob(job, m)...)
	} else {
		errs = append(errs, fmt.Errorf("no Job %q", mergeJob))
	}
	if d, ok := s.deployments[demoAPI]; ok {
		errs = append(errs, s.checkDemoAPI(d, job, vars)...)
	} else {
		errs = append(errs, fmt.Errorf("no Deployment %q", demoAPI))
	}
	for name, pm := range s.podMonitors {
		errs = append(errs, s.checkPodMonitor(name, pm)...)
	}
	return errs
}

// env returns what the container's environment sets: its envFrom
// ConfigMaps' and Secrets' keys, then its own env, and the errors of
// references to objects that do not exist.
func (s *set) env(c *corev1.Container) (map[string]string, []error) {
	out := map[string]string{}
	var errs []error
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm, ok := s.configMaps[from.ConfigMapRef.Name]
			if !ok {
				errs = append(errs, fmt.Errorf("container %s: envFrom ConfigMap %q is not defined", c.Name, from.ConfigMapRef.Name))
				continue
			}
			for k, v := range cm.Data {
				out[k] = v
			}
		case from.SecretRef != nil:
			sec, ok := s.secrets[from.SecretRef.Name]
			if !ok {
				errs = append(errs, fmt.Errorf("container %s: envFrom Secret %q is not defined", c.Name, from.SecretRef.Name))
				continue
			}
			for k, v := range sec.StringData {
				out[k] = v
			}
			for k, v := range sec.Data {
				out[k] = string(v)
			}
		}
	}
	for _, e := range c.Env {
		out[e.Name] = e.Value
		if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil {
			if !s.secretHas(ref.SecretKeyRef.Name, ref.SecretKeyRef.Key) {
				errs = append(errs, fmt.Errorf("container %s: %s from Secret %s key %s, which is not defined", c.Name, e.Name, ref.SecretKeyRef.Name, ref.SecretKeyRef.Key))
			}
		}
	}
	return out, errs
}

func (s *set) secretHas(name, key string) bool {
	sec, ok := s.secrets[name]
	if !ok {
		return false
	}
	_, inString := sec.StringData[key]
	_, inData := sec.Data[key]
	return inString || inData
}

func (s *set) checkShardJob(job *batchv1.Job, vars Vars) []error {
	var errs []error
	errf := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("Job "+shardJob+": "+format, args...))
	}
	if job.Spec.CompletionMode == nil || *job.Spec.CompletionMode != batchv1.IndexedCompletion {
		errf("completionMode must be Indexed: each pod's shard comes from %s", jobIndexVar)
	}
	n := int32(0)
	if job.Spec.Completions != nil {
		n = *job.Spec.Completions
	}
	if job.Spec.Parallelism == nil || *job.Spec.Parallelism != n {
		errf("parallelism must equal completions (%d): the shards run together", n)
	}
	pod := &job.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		errf("want one container, got %d", len(pod.Containers))
		return errs
	}
	c := &pod.Containers[0]
	env, refErrs := s.env(c)
	errs = append(errs, refErrs...)
	if shard := env["SHARD"]; shard != strconv.Itoa(int(n)) {
		errf("SHARD is %q, want %d, the Job's completions", shard, n)
	}
	for name := range env {
		if !vars.Run[name] && name != jobIndexVar {
			errf("%s is not a variable trafficgen reads", name)
		}
	}
	idx := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == jobIndexVar })
	rep := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "REPORT" })
	switch {
	case idx < 0 || c.Env[idx].ValueFrom == nil || c.Env[idx].ValueFrom.FieldRef == nil || c.Env[idx].ValueFrom.FieldRef.FieldPath != indexPath:
		errf("%s must come from the field %s", jobIndexVar, indexPath)
	case rep < idx || !strings.Contains(c.Env[rep].Value, "$("+jobIndexVar+")"):
		errf("REPORT must name each shard's file with $(%s), after %s is set", jobIndexVar, jobIndexVar)
	}
	if t, err := time.ParseDuration(env["REQUEST_TIMEOUT"]); err == nil && pod.TerminationGracePeriodSeconds != nil &&
		time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second <= t {
		errf("terminationGracePeriodSeconds %d must exceed REQUEST_TIMEOUT %v, the drain", *pod.TerminationGracePeriodSeconds, t)
	}
	errs = append(errs, s.checkScrape("Job "+shardJob, job.Spec.Template.Annotations, c, env["TRAFFICGEN_METRICS_ADDR"])...)
	errs = append(errs, s.checkVolumes("Job "+shardJob, pod, c)...)
	return errs
}

// checkScrape: the prometheus.io annotations name a port the container
// declares and the process listens on (TRAFFICGEN_METRICS_ADDR or SERVE_ADDR).
func (s *set) checkScrape(what string, ann map[string]string, c *corev1.Container, listen string) []error {
	var errs []error
	port := ann["prometheus.io/port"]
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/path"] != "/metrics" {
		errs = append(errs, fmt.Errorf("%s: want prometheus.io/scrape \"true\" and prometheus.io/path /metrics", what))
	}
	if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return strconv.Itoa(int(p.ContainerPort)) == port }) {
		errs = append(errs, fmt.Errorf("%s: prometheus.io/port %q is not a container port", what, port))
	}
	if _, p, err := net.SplitHostPort(listen); err != nil || p != port {
		errs = append(errs, fmt.Errorf("%s: listens on %q, but prometheus.io/port is %q", what, listen, port))
	}
	return errs
}

func (s *set) checkVolumes(what string, pod *corev1.PodSpec, c *corev1.Container) []error {
	var errs []error
	for _, v := range pod.Volumes {
		if pvc := v.PersistentVolumeClaim; pvc != nil {
			if _, ok := s.claims[pvc.ClaimName]; !ok {
				errs = append(errs, fmt.Errorf("%s: volume %s claims %q, which is not defined", what, v.Name, pvc.ClaimName))
			}
		}
	}
	for _, m := range c.VolumeMounts {
		if !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name }) {
			errs = append(errs, fmt.Errorf("%s: mount %s has no volume", what, m.Name))
		}
	}
	return errs
}

// checkMergeJob: the merge reads one report per shard, from the volume the
// shards write to.
func (s *set) checkMergeJob(shards, merge *batchv1.Job) []error {
	var errs []error
	pod := &merge.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		return []error{fmt.Errorf("Job %s: want one container", mergeJob)}
	}
	c := &pod.Containers[0]
	n := int(*shards.Spec.Completions)
	want := []string{"merge"}
	report := ""
	for _, e := range shards.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "REPORT" {
			report = e.Value
		}
	}
	for i := range n {
		want = append(want, strings.ReplaceAll(report, "$("+jobIndexVar+")", strconv.Itoa(i)))
	}
	if !slices.Equal(c.Args, want) {
		errs = append(errs, fmt.Errorf("Job %s: args %q, want %q (one report per shard)", mergeJob, c.Args, want))
	}
	claim := func(p *corev1.PodSpec) string {
		for _, v := range p.Volumes {
			if v.PersistentVolumeClaim != nil {
				return v.PersistentVolumeClaim.ClaimName
			}
		}
		return ""
	}
	if a, b := claim(&shards.Spec.Template.Spec), claim(pod); a == "" || a != b {
		errs = append(errs, fmt.Errorf("Job %s reads claim %q, the shards write to %q", mergeJob, b, a))
	}
	return append(errs, s.checkVolumes("Job "+mergeJob, pod, c)...)
}

// checkDemoAPI: the Service selects the Deployment's pods on a port they
// serve, and the shards' GATEWAY_URL names that Service and port.
func (s *set) checkDemoAPI(d *appsv1.Deployment, job *batchv1.Job, vars Vars) []error {
	var errs []error
	pod := &d.Spec.Template
	c := &pod.Spec.Containers[0]
	env, refErrs := s.env(c)
	errs = append(errs, refErrs...)
	for name := range env {
		if !vars.Serve[name] {
			errs = append(errs, fmt.Errorf("Deployment %s: %s is not a variable trafficgen serve reads", demoAPI, name))
		}
	}
	if !subset(d.Spec.Selector.MatchLabels, pod.Labels) {
		errs = append(errs, fmt.Errorf("Deployment %s: its selector does not match its pods", demoAPI))
	}
	errs = append(errs, s.checkScrape("Deployment "+demoAPI, pod.Annotations, c, env["SERVE_ADDR"])...)
	svc, ok := s.services[demoAPI]
	if !ok {
		return append(errs, fmt.Errorf("no Service %q", demoAPI))
	}
	if !subset(svc.Spec.Selector, pod.Labels) {
		errs = append(errs, fmt.Errorf("Service %s does not select the Deployment's pods", demoAPI))
	}
	shardEnv, _ := s.env(&job.Spec.Template.Spec.Containers[0])
	u, err := url.Parse(shardEnv["GATEWAY_URL"])
	if err != nil || u.Hostname() != svc.Name {
		errs = append(errs, fmt.Errorf("GATEWAY_URL %q does not name the Service %s", shardEnv["GATEWAY_URL"], svc.Name))
	}
	for _, sp := range svc.Spec.Ports {
		if err == nil && u.Port() != strconv.Itoa(int(sp.Port)) {
			errs = append(errs, fmt.Errorf("GATEWAY_URL %q: the Service's port is %d", shardEnv["GATEWAY_URL"], sp.Port))
		}
		if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool {
			return p.Name == sp.TargetPort.String() || strconv.Itoa(int(p.ContainerPort)) == sp.TargetPort.String()
		}) {
			errs = append(errs, fmt.Errorf("Service %s: targetPort %s is not a port of the pods", demoAPI, sp.TargetPort.String()))
		}
	}
	return errs
}

// checkPodMonitor: it selects pods of the Job or the Deployment, on a port
// they declare.
func (s *set) checkPodMonitor(name string, pm *monitoringv1.PodMonitor) []error {
	var pods []corev1.PodTemplateSpec
	for _, j := range s.jobs {
		pods = append(pods, j.Spec.Template)
	}
	for _, d := range s.deployments {
		pods = append(pods, d.Spec.Template)
	}
	var errs []error
	matched := 0
	for _, p := range pods {
		if !subset(pm.Spec.Selector.MatchLabels, p.Labels) {
			continue
		}
		matched++
		for _, ep := range pm.Spec.PodMetricsEndpoints {
			if ep.Port == nil || !slices.ContainsFunc(p.Spec.Containers[0].Ports, func(cp corev1.ContainerPort) bool { return cp.Name == *ep.Port }) {
				errs = append(errs, fmt.Errorf("PodMonitor %s: port %v is not a named port of the pods it selects", name, ep.Port))
			}
		}
	}
	if matched == 0 {
		errs = append(errs, fmt.Errorf("PodMonitor %s selects no pods", name))
	}
	return errs
}

func subset(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}
