package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// reportFile is where a report goes. It is opened before the run, so that
// a path that cannot be written is refused before anything is sent: a
// regular file is written through a temporary file created beside it now
// and renamed over it once complete (a reader never sees half a report,
// and a failed run leaves nothing behind); standard output, a device or a
// pipe is written in place and never replaced.
type reportFile struct {
	name   string    // as messages name it
	tmp    *os.File  // beside target, renamed over it by commit
	target string    // the regular file tmp replaces
	direct io.Writer // written in place
	closer io.Closer // direct's, when commit closes it

	once sync.Once // discard
}

// openReport opens path for a report: "-" is stdout.
func openReport(path string, stdout io.Writer) (*reportFile, error) {
	if path == "-" {
		return &reportFile{name: "standard output", direct: stdout}, nil
	}
	f, target, err := openBeside(path)
	switch {
	case err != nil:
		return nil, err
	case target == "":
		return &reportFile{name: path, direct: f, closer: f}, nil
	}
	return &reportFile{name: path, tmp: f, target: target}, nil
}

// openBeside opens path for writing: a regular file, or one not there yet,
// as a temporary file created beside it, to be renamed over target once
// written; a device or a pipe in place (target "").
func openBeside(path string) (f *os.File, target string, err error) {
	target, err = resolveLinks(path)
	if err != nil {
		return nil, "", err
	}
	fi, err := os.Stat(target)
	switch {
	case err == nil && fi.IsDir():
		return nil, "", fmt.Errorf("%s is a directory", path)
	case err == nil && !fi.Mode().IsRegular():
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		return f, "", err
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, "", err
	}
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, "", fmt.Errorf("cannot write a file in %s: %v", dir, err)
	}
	return tmp, target, nil
}

// resolveLinks follows path's symbolic links to the file they name, which
// may not exist yet: the report replaces that file, never a link.
func resolveLinks(path string) (string, error) {
	for range 40 {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", fmt.Errorf("%s: too many symbolic links", path)
}

// commit writes the report with write and puts it in place.
func (f *reportFile) commit(write func(io.Writer) error) error {
	if f.direct != nil {
		err := write(f.direct)
		if f.closer != nil {
			if cerr := f.closer.Close(); err == nil {
				err = cerr
			}
		}
		return err
	}
	err := write(f.tmp)
	if err == nil {
		err = f.tmp.Chmod(0o644)
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.target)
	}
	if err != nil {
		f.discard()
		return err
	}
	f.once.Do(func() {}) // renamed: nothing to discard
	return nil
}

// discard removes the temporary file unless commit put it in place. It
// may be called more than once, and from another goroutine (the second
// interrupt).
func (f *reportFile) discard() {
	if f == nil || f.tmp == nil {
		return
	}
	f.once.Do(func() {
		f.tmp.Close()
		os.Remove(f.tmp.Name())
	})
}
