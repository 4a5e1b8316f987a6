package core

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// term reads a console session into a buffer the test can wait on.
type term struct {
	t    *testing.T
	s    *sim.Session
	mu   sync.Mutex
	out  strings.Builder
	done chan struct{}
}

func attach(t *testing.T, c *Core, uuid string) *term {
	t.Helper()
	s, err := c.OpenConsole(admin, uuid, sim.Holder{Kind: sim.HolderTerminal, PID: 4242})
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, s: s, done: make(chan struct{})}
	go func() {
		defer close(tm.done)
		buf := make([]byte, 4096)
		for {
			n, err := s.Read(buf)
			tm.mu.Lock()
			tm.out.Write(buf[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { s.Close(); <-tm.done })
	return tm
}

func (tm *term) text() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// wait waits (in real time: the output is pushed synchronously, the
// reader goroutine only copies it) until the output holds want.
func (tm *term) wait(want string) {
	tm.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(tm.text(), want) {
		if time.Now().After(deadline) {
			tm.t.Fatalf("console output never showed %q; got:\n%s", want, tm.text())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (tm *term) typ(s string) {
	tm.t.Helper()
	if _, err := tm.s.Write([]byte(s)); err != nil {
		tm.t.Fatal(err)
	}
}

func powerOn(t *testing.T, c *Core, clk *sim.FakeClock, uuid, mode string) {
	t.Helper()
	var params []Param
	if mode != "" {
		params = []Param{{Name: "bootmode", Value: mode}}
	}
	job, err := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: uuid, Params: params})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && job.Snapshot().Status == JobRunning; i++ {
		clk.Advance(10 * time.Millisecond)
	}
	if s := job.Snapshot(); s.Status != JobOK {
		t.Fatalf("power on: %+v", s)
	}
}

func TestConsoleBootLoginShellShutdown(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	p, err := c.CreatePartition(admin, newClient(c, "vm1", 2048, 50))
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.CreateAdapter(admin, p.UUID, &model.EthernetAdapter{PVID: 1, SwitchID: 0}, SlotNext)
	if err != nil {
		t.Fatal(err)
	}
	tm := attach(t, c, p.UUID)
	tm.wait("Open Completed.")

	// One session per partition.
	_, err = c.OpenConsole(admin, p.UUID, sim.Holder{Kind: sim.HolderTerminal, PID: 99})
	var busy *sim.ErrConsoleInUse
	if !errors.As(err, &busy) || busy.Holder.PID != 4242 || busy.Holder.User != "padmin" {
		t.Fatalf("second session: %v (%+v)", err, busy)
	}
	// Viewers may not open consoles.
	if _, err := c.OpenConsole(Actor{User: "view", Role: RoleViewer}, p.UUID, sim.Holder{}); err == nil {
		t.Fatal("a viewer opened a console")
	}
	if _, err := c.OpenConsole(admin, "00000000-0000-0000-0000-000000000000", sim.Holder{}); err == nil {
		t.Fatal("opened the console of no partition")
	}

	// Nothing runs on a partition that is not activated.
	tm.typ("hello\r")
	powerOn(t, c, clk, p.UUID, "")
	for _, want := range append(sim.FirmwareCodes, "STARTING SOFTWARE", "env2: MAC "+colon(a.MAC), "vm1 login: ") {
		tm.wait(want)
	}
	if strings.Contains(tm.text(), "hello") {
		t.Fatalf("input echoed before the partition ran:\n%s", tm.text())
	}

	tm.typ("nobody\r")
	tm.wait("Password: ")
	tm.typ("x\r")
	tm.wait("Login incorrect")
	tm.typ("root\r")
	tm.typ("secret\r")
	tm.wait("root@vm1:~# ")
	for _, tc := range []struct{ cmd, want string }{
		{"hostname", "\r\nvm1\r\n"},
		{"uname -a", "Linux vm1 5.15.0-89-generic"},
		{"ip addr", "link/ether " + colon(a.MAC)},
		{"lsdev", "ent0       Available  " + "U"},
		{"lsdev", "MAC " + a.MAC},
		{"frobnicate", "-bash: frobnicate: command not found"},
	} {
		tm.typ(tc.cmd + "\r")
		tm.wait(tc.want)
	}

	// shutdown -h now really shuts the partition down through the core.
	tm.typ("shutdown -h now\r")
	tm.wait("The system is going down for poweroff NOW!")
	if got := partByName(c, "vm1"); got.State != model.StateShuttingDown {
		t.Fatalf("after shutdown -h now: %s", got.State)
	}
	clk.Advance(c.timing.OSShutdown)
	if got := partByName(c, "vm1"); got.State != model.StateNotActivated {
		t.Fatalf("after the OS shutdown: %s", got.State)
	}
	if sb := string(c.ConsoleScrollback(p.UUID)); !strings.Contains(sb, "vm1 login: ") {
		t.Fatalf("scroll-back lacks the boot:\n%s", sb)
	}
}

func colon(mac string) string {
	mac = strings.ToLower(mac)
	var parts []string
	for i := 0; i < len(mac); i += 2 {
		parts = append(parts, mac[i:i+2])
	}
	return strings.Join(parts, ":")
}

func TestConsoleSMSAndOpenFirmware(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	p, err := c.CreatePartition(admin, newClient(c, "vm1", 2048, 50))
	if err != nil {
		t.Fatal(err)
	}
	tm := attach(t, c, p.UUID)
	powerOn(t, c, clk, p.UUID, "sms")
	tm.wait("X = eXit System Management Services")
	tm.typ("X\r")
	tm.wait("Are you sure you want to exit System Management Services?")
	tm.typ("1\r")
	clk.Advance(c.timing.OSBoot)
	tm.wait("vm1 login: ")
	if got := partByName(c, "vm1"); got.State != model.StateRunning {
		t.Fatalf("after leaving SMS: %s", got.State)
	}
	// A power-off from elsewhere shows as it happens.
	job, err := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOff", TargetUUID: p.UUID,
		Params: []Param{{Name: "immediate", Value: "true"}}})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if s := job.Snapshot(); s.Status != JobOK {
		t.Fatalf("power off: %+v", s)
	}
	tm.wait("Reached target System Power Off.")

	powerOn(t, c, clk, p.UUID, "of")
	tm.wait("\r\n0 > ")
	tm.typ("foo\r")
	tm.wait("foo ?")
	tm.typ("boot\r")
	clk.Advance(c.timing.OSBoot)
	if got := partByName(c, "vm1"); got.State != model.StateRunning {
		t.Fatalf("after boot at the ok prompt: %s", got.State)
	}
}

func TestConsoleSessionsEnd(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	p, err := c.CreatePartition(admin, newClient(c, "vm1", 2048, 50))
	if err != nil {
		t.Fatal(err)
	}
	// rmvterm from elsewhere.
	tm := attach(t, c, p.UUID)
	if ok, err := c.CloseConsole(admin, p.UUID); err != nil || !ok {
		t.Fatalf("close: %v %v", ok, err)
	}
	<-tm.done
	if !strings.Contains(tm.text(), "closed by rmvterm") {
		t.Fatalf("kicked session output:\n%s", tm.text())
	}
	if ok, err := c.CloseConsole(admin, p.UUID); err != nil || ok {
		t.Fatalf("close with none open: %v %v", ok, err)
	}
	if _, ok := c.ConsoleHolder(p.UUID); ok {
		t.Fatal("a holder after the close")
	}
	// A partition with an open console can be deleted; its session ends.
	tm = attach(t, c, p.UUID)
	if err := c.DeletePartition(admin, p.UUID, ""); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tm.done:
	case <-time.After(3 * time.Second):
		t.Fatal("the session did not end with its partition")
	}
	if !strings.Contains(tm.text(), "the partition was deleted") {
		t.Fatalf("output:\n%s", tm.text())
	}
	if _, err := c.OpenConsole(admin, p.UUID, sim.Holder{}); err == nil {
		t.Fatal("opened the console of a deleted partition")
	}
	// Closing the core ends the sessions.
	lp := partByName(c, "lpar10")
	tm = attach(t, c, lp.UUID)
	c.Close()
	<-tm.done
	if !strings.Contains(tm.text(), "management service is stopping") {
		t.Fatalf("output:\n%s", tm.text())
	}
}
