package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/ui"
)

// TestDocumentedCommands: every trafficgen command in the README, the
// docs and the examples' header comments is one trafficgen accepts, and an
// example's command loads that example's scenario. The run commands are
// parsed and checked, not run; the others that need no server are run.
func TestDocumentedCommands(t *testing.T) {
	files, _ := filepath.Glob("docs/*.md")
	files = append(append(files, "README.md"), must(filepath.Glob("examples/*.yaml"))...)
	n := 0
	for _, file := range files {
		for _, line := range commandLines(t, file) {
			n++
			t.Run(file+": "+line, func(t *testing.T) { checkCommand(t, file, line) })
		}
	}
	if n < 10 {
		t.Fatalf("found %d commands in %v: the extraction is broken", n, files)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// commandLines finds the commands in a file: lines of a Markdown code
// block, or a YAML file's comments, that run trafficgen.
func commandLines(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	inBlock, yaml := false, strings.HasSuffix(file, ".yaml")
	var loopVar, loopVal string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		if yaml {
			if !strings.HasPrefix(line, "#") {
				continue
			}
			line = strings.TrimPrefix(line, "#")
		} else if !inBlock {
			continue
		}
		line = strings.TrimSpace(line)
		// A shell loop's variable takes its first value in the lines
		// that follow ("for i in 0 1 2; do" … "done").
		if f := strings.Fields(line); len(f) > 3 && f[0] == "for" && f[2] == "in" {
			loopVar, loopVal = "$"+f[1], strings.TrimSuffix(f[3], ";")
		} else if line == "done" {
			loopVar = ""
		}
		if loopVar != "" {
			line = strings.ReplaceAll(line, loopVar, loopVal)
		}
		words := shellWords(line)
		for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
			words = words[1:]
		}
		if len(words) > 0 && (words[0] == "trafficgen" || len(words) > 2 && words[0] == "go" && words[1] == "run") {
			out = append(out, line)
		}
	}
	return out
}

// shellWords splits a command line as sh would, enough for the docs:
// quotes, and the end of the command at #, |, &, ; or >.
func shellWords(line string) []string {
	var words []string
	var w strings.Builder
	inWord, quote := false, byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			w.WriteByte(c)
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		case !inWord && strings.IndexByte("#|&;>", c) >= 0:
			return words
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

func checkCommand(t *testing.T, file, line string) {
	if strings.Contains(line, "my.yaml") {
		// docs/scenarios.md's my.yaml is what `scenario show > my.yaml` wrote.
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "my.yaml"), scenario.DefaultSource(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
	}
	if strings.Contains(line, "before.json") {
		// The README's before.json is an earlier run's report.
		t.Chdir(t.TempDir())
		writeSampleReport(t, "before.json")
	}
	words := shellWords(line)
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		name, value, _ := strings.Cut(words[0], "=")
		t.Setenv(name, value)
		words = words[1:]
	}
	args := words[1:]
	if words[0] == "go" {
		args = words[3:] // go run .
	}
	if len(args) > 0 {
		switch args[0] {
		case "serve", "merge":
			t.Skip("needs a port or reports")
		case "replay":
			// Replays a short recording of that name.
			t.Chdir(t.TempDir())
			writeTestRecording(t, args[1])
			if code, out, errOut := runMain(t, nil, args...); code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			return
		case "scenario", "help", "completion", "--version", "--help":
			if code, out, errOut := runMain(t, nil, args...); code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			return
		}
	}
	o, err := parseRun(args)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if strings.HasPrefix(file, "examples/") {
		src, _ := os.ReadFile(file)
		if !strings.Contains(string(src), "\nname: "+o.cfg.Scenario.Name+"\n") {
			t.Errorf("the command runs scenario %q, not this file's", o.cfg.Scenario.Name)
		}
	}
}

// writeSampleReport writes the report of a short run of one route, as a
// run's --report would.
func writeSampleReport(t *testing.T, path string) {
	t.Helper()
	r := stats.New()
	id := r.Register("GET", "GET /health")
	for range 10 {
		r.RecordUnsent(stats.Result{Route: id, Code: 200, Latency: 5 * time.Millisecond, End: r.Start()})
	}
	rep, err := r.Report(r.Start().Add(time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := rep.Write(f); err != nil {
		t.Fatal(err)
	}
}

// TestReadmeKeys: the README's table of dashboard keys is the dashboard's
// own list (ui.KeyHelp, which ? and --help show), row for row.
func TestReadmeKeys(t *testing.T) {
	readme := string(must(os.ReadFile("README.md")))
	for _, k := range ui.KeyHelp() {
		if row := "| `" + k[0] + "` | " + k[1] + " |"; !strings.Contains(readme, row) {
			t.Errorf("README.md lacks the key row %s", row)
		}
	}
}

// TestReadmeOptions: every flag of the run command and of serve is in
// the README's configuration tables.
func TestReadmeOptions(t *testing.T) {
	readme := string(must(os.ReadFile("README.md")))
	var c cli
	parser := must(newParser(&c, io.Discard, io.Discard, func(int) {}))
	for _, cmd := range parser.Model.Children {
		if cmd.Name != "run" && cmd.Name != "serve" {
			continue
		}
		for _, f := range cmd.Flags {
			if f.Name == "help" || f.Name == "version" {
				continue
			}
			if !strings.Contains(readme, "`--"+f.Name+"`") && !strings.Contains(readme, ", --"+f.Name+"`") {
				t.Errorf("README.md's configuration lacks %s --%s", cmd.Name, f.Name)
			}
		}
	}
}
