package scenario

import (
	"fmt"
	"io"
	"os"

	"github.com/goccy/go-yaml/token"
)

// Limits on a scenario file, checked before it is parsed: the YAML parser
// holds a few hundred bytes per token and its cost grows faster than that
// with nesting, so a small file of nested brackets could take gigabytes.
// Within them no file, of any size or shape, makes loading take more than
// a few tens of megabytes (TestScenarioFilesBoundMemory). A real scenario is a few kilobytes, nested a
// handful of levels.
const (
	// MaxFileSize is the largest scenario file Load reads.
	MaxFileSize = 64 << 10
	// MaxDepth is the deepest nesting of mappings and lists Load accepts.
	MaxDepth = 32
	// maxValues bounds the values the loader reads, with every alias
	// expanded where it is used: a file can name an anchor many times.
	maxValues = 100_000
	// maxErrors is how many problems Load lists before it stops.
	maxErrors = 100
)

// ReadFile reads a scenario file, at most MaxFileSize+1 bytes of it
// whatever its size (Load reports a larger one), so that neither a huge
// file nor a device or pipe that never ends is read whole.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
}

// errStop ends loading early: the file goes beyond a limit, or has more
// problems than are worth listing.
type errStop struct{}

// checkSize fails a file over MaxFileSize.
func (l *loader) checkSize() bool {
	if len(l.src) <= MaxFileSize {
		return true
	}
	l.errAt(pos{1, 1}, "the file is larger than %d KiB, the limit for a scenario file", MaxFileSize>>10)
	return false
}

// checkDepth fails tokens nested deeper than MaxDepth: flow collections
// ([ and {) and block collections, whose depth is the number of
// indentation levels open at the first token of a line.
func (l *loader) checkDepth(tokens token.Tokens) bool {
	flow := 0
	var indents []int
	line := 0
	for _, tk := range tokens {
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		}
		p := tk.Position
		if p == nil {
			continue
		}
		if p.Line != line && flow == 0 {
			line = p.Line
			for len(indents) > 0 && indents[len(indents)-1] > p.Column {
				indents = indents[:len(indents)-1]
			}
			if len(indents) == 0 || indents[len(indents)-1] < p.Column {
				indents = append(indents, p.Column)
			}
		}
		if d := flow + len(indents); d > MaxDepth {
			l.errAt(pos{max(p.Line, 1), max(p.Column, 1)}, "nested more than %d levels deep, the limit for a scenario file", MaxDepth)
			return false
		}
	}
	return true
}

// charge counts a value the loader reads, and stops loading past
// maxValues.
func (l *loader) charge() {
	if l.values++; l.values > maxValues {
		l.errAt(pos{1, 1}, "more than %d values with aliases expanded, the limit for a scenario file", maxValues)
		panic(errStop{})
	}
}
