package ui

import (
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"
)

func init() {
	// Goldens are plain text: no colour codes, whatever the terminal.
	lipgloss.SetColorProfile(termenv.Ascii)
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// teatest waits for a SIGINT for the life of the process.
		goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2"),
	)
}
