package sim

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/model"
)

func runningPartition() *model.Partition {
	return &model.Partition{UUID: "U1", ID: 4, Name: "vm1", Type: model.TypeAIXLinux, State: model.StateRunning}
}

func TestConsoleScrollbackIsBounded(t *testing.T) {
	c := NewConsole(runningPartition(), ConsoleHooks{Info: func() (GuestInfo, bool) { return GuestInfo{Name: "vm1"}, true }})
	line := strings.Repeat("x", 99) + "\n"
	for i := 0; i < 3*ScrollbackBytes/len(line); i++ {
		c.mu.Lock()
		c.emit([]byte(line))
		c.mu.Unlock()
		if len(c.scroll) > 2*ScrollbackBytes {
			t.Fatalf("the console holds %d bytes", len(c.scroll))
		}
	}
	sb := c.Scrollback()
	if len(sb) > ScrollbackBytes || len(sb) < ScrollbackBytes-len(line) || !bytes.HasPrefix(sb, []byte("xxx")) {
		t.Fatalf("scroll-back of %d bytes starting %q", len(sb), sb[:10])
	}
	if got := lastLines([]byte("a\nb\nc\nd"), 2); string(got) != "c\nd" {
		t.Fatalf("lastLines: %q", got)
	}
	if got := lastLines([]byte("a\nb"), 5); string(got) != "a\nb" {
		t.Fatalf("lastLines: %q", got)
	}
}

func TestConsoleLineEditingAndLogin(t *testing.T) {
	c := NewConsole(runningPartition(), ConsoleHooks{Info: func() (GuestInfo, bool) {
		return GuestInfo{Name: "vm1", Type: model.TypeAIXLinux, OSVersion: "Linux/Ubuntu 5.15.0-89-generic 22.04"}, true
	}})
	s, err := c.Attach(Holder{Kind: HolderTerminal, PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A slow reader: the session keeps at most sessionBuffer bytes.
	s.Write([]byte("\r"))
	s.Write([]byte("rooX\x7ft\r"))
	s.Write([]byte("pw\r"))
	s.Write([]byte("echo hi\x15hostname\r"))
	s.Close()
	out, _ := io.ReadAll(s)
	text := string(out)
	for _, want := range []string{"vm1 login: ", "rooX\b \bt", "Password: ", "root@vm1:~# ", "\r\nvm1\r\n"} {
		if !strings.Contains(text, want) {
			t.Fatalf("output lacks %q:\n%q", want, text)
		}
	}
	if strings.Contains(text, "pw") {
		t.Fatalf("the password was echoed:\n%q", text)
	}
	if _, err := s.Write([]byte("x")); err == nil {
		t.Fatal("a closed session took input")
	}
	// The console is free again.
	s2, err := c.Attach(Holder{Kind: HolderVNC, Port: 5901})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("y"), sessionBuffer+1000)
	c.mu.Lock()
	c.emit(big)
	c.mu.Unlock()
	s2.mu.Lock()
	n := len(s2.buf)
	s2.mu.Unlock()
	if n > sessionBuffer {
		t.Fatalf("a session buffers %d bytes", n)
	}
	c.Close("gone")
	rest, _ := io.ReadAll(s2)
	if !strings.HasSuffix(string(rest), " gone\r\n") {
		t.Fatalf("last words: %q", rest[len(rest)-20:])
	}
	if _, err := c.Attach(Holder{}); err != ErrConsoleGone {
		t.Fatalf("attach after close: %v", err)
	}
}
