// Command trafficgen generates live HTTP traffic and shows it on a
// full-screen terminal dashboard (or prints it, when not on a terminal).
//
// The main package only wires things together: the command line (cli.go)
// into checked options (options.go), the run (runner.go) with the
// dashboard or the headless printer (output.go) and the report
// (reportfile.go), and the other commands (commands.go).
package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/debug"

	"github.com/alecthomas/kong"
	"github.com/posener/complete"
	"github.com/willabides/kongplete"

	"github.com/trafficgen/trafficgen/scenario"
)

// Exit statuses (README, Exit status).
const (
	exitOK          = 0
	exitFailure     = 1 // the run could not start or its report not be written
	exitUsage       = 2 // bad flags, environment or scenario; nothing was sent
	exitThreshold   = 3 // the run ended and a threshold failed
	exitInterrupted = 130
)

func main() {
	if os.Getenv("GOGC") == "" {
		// See gcPercent.
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// gcPercent is the collector's target (GOGC) unless the environment sets
// one. The request path allocates next to nothing, so at Go's default the
// heap takes a minute or two to reach the collector's minimum and the
// resident size creeps up meanwhile; at 50 it stays flat.
const gcPercent = 50

// exitCode carries kong's exit (--help, --version, a completion) out of
// the parse, which must not go on after it.
type exitCode int

func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(exitCode)
			if !ok {
				panic(r)
			}
			code = int(c)
		}
	}()
	var c cli
	parser, err := newParser(&c, stdout, stderr, func(code int) { panic(exitCode(code)) })
	if err != nil {
		fmt.Fprintln(stderr, "trafficgen:", err)
		return exitFailure
	}
	if os.Getenv("COMP_LINE") != "" { // the shell asks for completions
		completeCommandLine(parser, stdout)
	}
	kctx, err := parser.Parse(helpForRun(args))
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen: %s\n", usageMessage(parser, err))
		return exitUsage
	}
	return dispatch(kctx, &c, stdout, stderr)
}

// dispatch runs the command the command line chose.
func dispatch(kctx *kong.Context, c *cli, stdout, stderr io.Writer) int {
	switch kctx.Command() {
	case "serve":
		return c.Serve.run(stdout, stderr)
	case "scenario show":
		stdout.Write(scenarioSource())
		return exitOK
	case "scenario check <files>":
		return checkScenarios(c.Scenario.Check.Files, stdout, stderr)
	case "merge <reports>":
		return c.Merge.run(stdout, stderr)
	case "replay <file>":
		return c.Replay.run(stdout, stderr)
	case "help", "help <command>":
		return c.Help.run(stdout, stderr)
	case "completion <shell>":
		return c.Completion.run(stdout, stderr)
	default:
		return c.Run.run(stdout, stderr)
	}
}

// completeCommandLine answers the shell's request for completions
// (COMP_LINE): kongplete's, with the run command's flags and arguments
// offered at the top level too, since run is the default command.
func completeCommandLine(parser *kong.Kong, stdout io.Writer) {
	cmd, err := kongplete.Command(parser, kongplete.WithPredictors(predictors()))
	if err != nil {
		return
	}
	if run, ok := cmd.Sub["run"]; ok {
		maps.Copy(cmd.GlobalFlags, run.GlobalFlags)
		cmd.Args = run.Args
	}
	c := complete.New(parser.Model.Name, cmd)
	c.Out = stdout
	if c.Complete() {
		parser.Exit(exitOK)
	}
}

// helpForRun makes `trafficgen --help` show the options of the default
// run command, which is what people look for, with the other commands.
func helpForRun(args []string) []string {
	for _, a := range args {
		switch a {
		case "run", "serve", "scenario", "merge", "replay", "help", "completion":
			return args
		case "-h", "--help":
			return append([]string{"run"}, args...)
		}
	}
	return args
}

// usageMessage is the one line a parse error prints: kong's message, with
// the variable beside the flag it names, as the run's own checks write it.
func usageMessage(parser *kong.Kong, err error) string {
	var ue usageError
	var se scenario.Errors
	switch {
	case errors.As(err, &ue):
		return ue.msg
	case errors.As(err, &se):
		return se.Error()
	}
	return nameVariable(parser, err.Error())
}
