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

// FuzzConsoleInput: whatever is typed, in any mode, the console answers
// without panicking and asks the core only for what it knows.
func FuzzConsoleInput(f *testing.F) {
	for _, seed := range []string{"root\rpw\rlsdev\rip addr\r", "root\rx\rshutdown -h now\r", "X\r1\r", "boot\r", "\x03\x04\x15\x7f\x1b[A~.", "padmin\rpadmin\rlsmap -all\r"} {
		f.Add(seed, uint8(0))
	}
	// Input outside ASCII and invalid UTF-8, control and escape
	// sequences, other line ends, a line far beyond a terminal's, in
	// every state.
	for i, seed := range []string{"root\rpw\rhostname é中\r", "\xff\xfe\xc3\r", "root\npw\nuname -a\r\n", "\x00\x00\r",
		"\x1b[200~paste\x1b[201~\r", "\x1bOA\x1b[3~\x1b]0;t\x07\r", "root\rpw\r" + strings.Repeat("x", 10000) + "\r",
		"root\rpw\r" + strings.Repeat("\x7f", 100) + "\r", "1\r5\r1\r\x1b\r", "printenv\rboot\r", "\r\r\r\r"} {
		f.Add(seed, uint8(i))
	}
	states := []struct {
		state, mode string
		typ         model.PartitionType
	}{
		{model.StateRunning, "norm", model.TypeAIXLinux},
		{model.StateRunning, "norm", model.TypeVIOS},
		{model.StateRunning, "norm", model.TypeOS400},
		{model.StateOpenFirmware, "sms", model.TypeAIXLinux},
		{model.StateOpenFirmware, "of", model.TypeAIXLinux},
		{model.StateNotActivated, "norm", model.TypeAIXLinux},
	}
	f.Fuzz(func(t *testing.T, typed string, which uint8) {
		st := states[int(which)%len(states)]
		p := &model.Partition{UUID: "U1", ID: 4, Name: "vm1", Type: st.typ, State: st.state, BootMode: st.mode}
		info := GuestInfo{Name: "vm1", ID: 4, Type: st.typ, Location: "U8247.21L.1-V4",
			NICs: []GuestNIC{{Slot: 2, MAC: "0AF4E0004002"}}, SCSI: []int{3}, FC: []GuestFC{{Slot: 4}}}
		c := NewConsole(p, ConsoleHooks{
			Info:         func() (GuestInfo, bool) { return info, true },
			Shutdown:     func(bool) error { return nil },
			ContinueBoot: func() error { return nil },
			IOSCLI:       func(string) (string, string, int) { return "out\n", "", 0 },
		})
		s, err := c.Attach(Holder{})
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte(typed))
		s.Close()
		io.ReadAll(s)
	})
}
