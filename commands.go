package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

func scenarioSource() []byte { return scenario.DefaultSource() }

func checkScenarios(files []string, stdout, stderr io.Writer) int {
	code := exitOK
	for _, f := range files {
		src, err := scenario.ReadFile(f)
		if err == nil {
			_, err = scenario.Load(f, src, scenario.Options{})
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = exitUsage
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", f)
	}
	return code
}

func (s *serveCmd) run(stdout, stderr io.Writer) int {
	opts := demoapi.Options{LatencyScale: s.LatencyScale, Seed: s.Seed, APIKeys: s.APIKeys,
		RateLimit: s.RateLimit, MaxRecords: s.MaxRecords, AdminToken: s.AdminToken}
	switch {
	case s.LatencyScale < 0 || s.LatencyScale > 1000:
		fmt.Fprintf(stderr, "trafficgen serve: LATENCY_SCALE/--latency-scale: want 0 to 1000, got %g\n", s.LatencyScale)
		return exitUsage
	case s.RateLimit < 0:
		fmt.Fprintf(stderr, "trafficgen serve: RATE_LIMIT/--rate-limit: must not be negative, got %d\n", s.RateLimit)
		return exitUsage
	case s.MaxRecords < 0:
		fmt.Fprintf(stderr, "trafficgen serve: MAX_RECORDS/--max-records: must not be negative, got %d\n", s.MaxRecords)
		return exitUsage
	case !(s.Capacity >= 0): // NaN too
		fmt.Fprintf(stderr, "trafficgen serve: TRAFFICGEN_CAPACITY/--capacity: must not be negative, got %g\n", s.Capacity)
		return exitUsage
	}
	opts.Capacity = s.Capacity
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		fmt.Fprintf(stderr, "trafficgen serve: SERVE_ADDR/--addr: %v\n", err)
		return exitUsage
	}
	api := demoapi.New(opts)
	for _, f := range s.Fault {
		svc, fault, err := demoapi.ParseFault(f)
		if err != nil {
			fmt.Fprintf(stderr, "trafficgen serve: --fault: %v\n", err)
			return exitUsage
		}
		api.SetFault(svc, fault)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := demoapi.ServeAPI(ctx, s.Addr, api, stdout); err != nil {
		fmt.Fprintf(stderr, "trafficgen serve: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func (m *mergeCmd) run(stdout, stderr io.Writer) int {
	var reps []*stats.Report
	for _, path := range m.Reports {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "trafficgen merge: %v\n", err)
			return exitUsage
		}
		rep, err := stats.ReadReport(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "trafficgen merge: %s: %v\n", path, err)
			return exitUsage
		}
		reps = append(reps, rep)
	}
	merged, err := stats.Merge(reps...)
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen merge: %v\n", err)
		return exitUsage
	}
	if m.Output == "" {
		if err := merged.Write(stdout); err != nil {
			fmt.Fprintf(stderr, "trafficgen merge: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	out, err := openReport(m.Output, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen merge: -o: %v\n", err)
		return exitUsage
	}
	if err := out.commit(merged.Write); err != nil {
		fmt.Fprintf(stderr, "trafficgen merge: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "merged %d reports (%d instances): %d requests, %.1f%% success, p99 %.2fms → %s\n",
		len(reps), merged.Instances, merged.Total, merged.SuccessRate, merged.Latency.P99Ms, m.Output)
	return exitOK
}

// run prints the help of the command named, as `trafficgen COMMAND
// --help` does (kong exits after it).
func (h *helpCmd) run(stdout, stderr io.Writer) int {
	args := append(append([]string{}, h.Command...), "--help")
	if len(h.Command) == 0 {
		args = []string{"run", "--help"}
	}
	return run(args, stdout, stderr)
}

// Validate accepts the commands there are.
func (h *helpCmd) Validate(kctx *kong.Context) error {
	if len(h.Command) == 0 {
		return nil
	}
	var names []string
	for _, c := range kctx.Model.Children {
		if c.Name == h.Command[0] {
			return nil
		}
		names = append(names, c.Name)
	}
	return usagef("help: no command %q (the commands: %s)", h.Command[0], strings.Join(names, ", "))
}

// run prints the script that has the shell ask trafficgen itself for
// completions (kongplete answers when COMP_LINE is set).
func (c *completionCmd) run(stdout, stderr io.Writer) int {
	bin := completionBinary()
	var script string
	switch c.Shell {
	case "bash":
		script = "complete -o default -C " + shellQuote(bin) + " trafficgen\n"
	case "zsh":
		script = "autoload -U +X bashcompinit && bashcompinit\ncomplete -C " + shellQuote(bin) + " trafficgen\n"
	case "fish":
		script = `function __complete_trafficgen
    set -lx COMP_LINE (commandline -cp)
    test -z (commandline -ct)
    and set COMP_LINE "$COMP_LINE "
    ` + shellQuote(bin) + `
end
complete -f -c trafficgen -a "(__complete_trafficgen)"
`
	}
	fmt.Fprintf(stdout, "# trafficgen completion for %s: source <(trafficgen completion %s)\n%s", c.Shell, c.Shell, script)
	return exitOK
}

// completionBinary is the trafficgen the shell runs for completions: this
// executable, or the one on PATH when this one is `go run`'s temporary
// build.
func completionBinary() string {
	bin, err := os.Executable()
	if err != nil || strings.Contains(bin, string(filepath.Separator)+"go-build") {
		return "trafficgen"
	}
	return bin
}

// shellQuote quotes s for bash, zsh and fish.
func shellQuote(s string) string {
	if regexp.MustCompile(`^[A-Za-z0-9_./-]+$`).MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// versionText is what --version prints: the module version and the VCS
// revision the binary was built from, as the Go toolchain recorded them.
func versionText() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

func versionOf(bi *debug.BuildInfo) string {
	version, revision, modified := "(devel)", "unknown", ""
	if bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision":
				revision = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				modified = ", modified"
			}
		}
	}
	if revision == "unknown" {
		// `go install …@version` records no VCS settings; a
		// pseudo-version ends in the commit's first 12 hex digits.
		if m := pseudoRevision.FindStringSubmatch(version); m != nil {
			revision = m[1]
		}
	}
	return fmt.Sprintf("trafficgen %s (revision %s%s; %s %s/%s)", version, revision, modified, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

var pseudoRevision = regexp.MustCompile(`-([0-9a-f]{12})(\+incompatible)?$`)
