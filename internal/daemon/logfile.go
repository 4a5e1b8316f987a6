package daemon

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// logSink is where pvmd's log goes: stderr (the journal, under systemd)
// and, with --log-file, a file appended to, which SIGHUP reopens so that
// logrotate can move it away (see packaging/logrotate).
type logSink struct {
	mu     sync.Mutex
	stderr io.Writer
	path   string
	f      *os.File
}

func openLogSink(path string, stderr io.Writer) (*logSink, error) {
	s := &logSink{stderr: stderr, path: path}
	if path == "" {
		return s, nil
	}
	if err := s.Reopen(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reopen opens the log file again (a new one if it was moved away).
func (s *logSink) Reopen() error {
	if s.path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o750); err != nil {
		return fmt.Errorf("--log-file: %w", err)
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("--log-file: %w", err)
	}
	s.mu.Lock()
	old := s.f
	s.f = f
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.stderr.Write(p)
	if s.f != nil {
		if _, ferr := s.f.Write(p); ferr != nil && err == nil {
			err = ferr
		}
	}
	return n, err
}

func (s *logSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}
