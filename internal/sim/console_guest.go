package sim

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/novalink-project/novalink/internal/model"
)

// What runs on a partition, as its console shows it: the firmware while it
// starts (progress codes, the SMS menu, the Open Firmware prompt) and the
// simulated operating system (boot messages, a login prompt and a small
// shell). It only computes text and the actions the core must carry out
// (a shutdown from the OS, leaving firmware to boot).

// Modes of the guest.
const (
	modeOff      = iota // not activated: the console shows nothing
	modeFirmware        // starting: firmware progress, no input
	modeSMS             // the SMS main menu
	modeSMSExit         // the SMS exit confirmation
	modeOF              // the Open Firmware ok prompt
	modeLogin           // the OS login prompt
	modePassword        // the OS password prompt
	modeShell           // a logged-in shell
	modeDown            // the OS is shutting down
)

type actionKind int

const (
	actShutdown actionKind = iota
	actRestart
	actContinueBoot
	actIOSCLI
)

type action struct {
	kind actionKind
	arg  string
}

type guest struct {
	mode   int
	typ    model.PartitionType
	line   []rune
	user   string
	lastCR bool
}

func (g *guest) init(p *model.Partition) {
	g.typ = p.Type
	switch p.State {
	case model.StateStarting:
		g.mode = modeFirmware
	case model.StateOpenFirmware:
		g.mode = modeOF
		if p.BootMode == "sms" {
			g.mode = modeSMS
		}
	case model.StateRunning:
		g.mode = modeLogin
	case model.StateShuttingDown:
		g.mode = modeDown
	default:
		g.mode = modeOff
	}
}

func (g *guest) stateOf(p *model.Partition) string {
	if p == nil {
		return ""
	}
	return p.State
}

func isActive(state string) bool {
	switch state {
	case model.StateNotActivated, model.StateError, model.StateNotAvailable, "":
		return false
	}
	return true
}

// power returns what the console shows for a committed change of the
// partition.
func (g *guest) power(old, cur *model.Partition, infoOf func() GuestInfo) []byte {
	g.typ = cur.Type
	if !isActive(cur.State) && !isActive(g.stateOf(old)) {
		return nil
	}
	// What the partition looks like is read only for the text that shows
	// it (this runs in the store's committer).
	var info GuestInfo
	have := false
	get := func() GuestInfo {
		if !have {
			info, have = infoOf(), true
		}
		return info
	}
	var was, ref string
	if old != nil {
		was, ref = old.State, old.RefCode
	}
	var b strings.Builder
	switch {
	case cur.State == model.StateStarting && (was != model.StateStarting || cur.RefCode == FirmwareCodes[0] && ref != cur.RefCode):
		// Power on, or the new start of a restart.
		g.mode, g.line = modeFirmware, nil
		b.WriteString(firmwareBanner(get()))
		b.WriteString(progress(cur.RefCode))
	case cur.State == model.StateStarting && cur.RefCode != ref:
		b.WriteString(progress(cur.RefCode))
		if cur.RefCode == FirmwareCodes[len(FirmwareCodes)-1] {
			b.WriteString("\r\n\r\n          1 = SMS Menu                          5 = Default Boot List\r\n" +
				"          8 = Open Firmware Prompt              6 = Stored Boot List\r\n\r\n" +
				"     Memory      Keyboard     Network     SCSI     Speaker  ok\r\n")
		}
	case cur.State == model.StateOpenFirmware && was != model.StateOpenFirmware:
		g.line = nil
		if cur.BootMode == "sms" {
			g.mode = modeSMS
			b.WriteString(smsMenu(get()))
		} else {
			g.mode = modeOF
			b.WriteString("\r\n\r\n0 > ")
		}
	case cur.State == model.StateRunning && was != model.StateRunning:
		g.mode, g.line, g.user = modeLogin, nil, ""
		b.WriteString(osBoot(get()))
		b.WriteString(loginPrompt(get()))
	case cur.State == model.StateShuttingDown && was != model.StateShuttingDown:
		if was == model.StateRunning {
			b.WriteString(osShutdown(get(), cur.Restarting))
		}
		g.mode, g.line = modeDown, nil
	case !isActive(cur.State) && isActive(was):
		g.mode, g.line, g.user = modeOff, nil, ""
		if cur.State == model.StateError {
			fmt.Fprintf(&b, "\r\n\r\n Partition error: reference code %s\r\n", cur.RefCode)
		}
	}
	return []byte(b.String())
}

func progress(code string) string {
	if code == "" {
		return ""
	}
	return "\r\n " + code
}

func firmwareBanner(info GuestInfo) string {
	var b strings.Builder
	b.WriteString("\r\n\r\n")
	row := strings.Repeat("IBM ", 19)
	for i := 0; i < 3; i++ {
		b.WriteString(" " + strings.TrimSpace(row) + "\r\n")
	}
	fmt.Fprintf(&b, "\r\n POWER Hypervisor: partition %d (%s) is starting\r\n", info.ID, info.Name)
	return b.String()
}

func smsMenu(info GuestInfo) string {
	return "\r\n\r\nPowerPC Firmware\r\n" +
		fmt.Sprintf("Version FW950.00 (VL950_039)  Partition %d: %s\r\n", info.ID, info.Name) +
		" SMS (c) Copyright IBM Corp. 2000,2023 All rights reserved.\r\n" +
		"-------------------------------------------------------------------------------\r\n" +
		" Main Menu\r\n" +
		" 1.   Select Language\r\n" +
		" 2.   Setup Remote IPL (Initial Program Load)\r\n" +
		" 3.   I/O Device Information\r\n" +
		" 4.   Select Console\r\n" +
		" 5.   Select Boot Options\r\n" +
		"\r\n-------------------------------------------------------------------------------\r\n" +
		" Navigation Keys:\r\n" +
		"                                             X = eXit System Management Services\r\n" +
		"-------------------------------------------------------------------------------\r\n" +
		" Type menu item number and press Enter or select Navigation key: "
}

// hostname is the OS host name of the partition: its name in lower case,
// with what a host name cannot hold turned into '-'.
func hostname(info GuestInfo) string {
	var b strings.Builder
	for _, r := range strings.ToLower(info.Name) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "localhost"
	}
	return b.String()
}

type osKind int

const (
	osLinux osKind = iota
	osAIX
	osVIOS
	osIBMi
)

func osOf(info GuestInfo) osKind {
	switch {
	case info.Type == model.TypeVIOS:
		return osVIOS
	case info.Type == model.TypeOS400:
		return osIBMi
	case strings.Contains(strings.ToUpper(info.OSVersion), "AIX"):
		return osAIX
	}
	return osLinux
}

// linuxRelease splits "Linux/Ubuntu 5.15.0-89-generic 22.04" into the
// distribution, kernel and release.
func linuxRelease(info GuestInfo) (distro, kernel, release string) {
	distro, kernel, release = "Linux", "5.15.0-89-generic", ""
	v := strings.TrimPrefix(info.OSVersion, "Linux/")
	f := strings.Fields(v)
	if len(f) > 0 {
		distro = f[0]
	}
	if len(f) > 1 {
		kernel = f[1]
	}
	if len(f) > 2 {
		release = f[2]
	}
	return
}

func osBoot(info GuestInfo) string {
	var b strings.Builder
	b.WriteString("\r\n\r\nSTARTING SOFTWARE\r\nPLEASE WAIT...\r\n\r\n")
	switch osOf(info) {
	case osLinux:
		distro, kernel, release := linuxRelease(info)
		fmt.Fprintf(&b, "[    0.000000] Linux version %s (buildd@ppc64el) #1 SMP ppc64le\r\n", kernel)
		fmt.Fprintf(&b, "[    0.000000] Using pSeries machine description\r\n")
		fmt.Fprintf(&b, "[    0.000000] Memory: %dK total\r\n", info.MemoryMB*1024)
		for i, n := range info.NICs {
			fmt.Fprintf(&b, "[    1.%06d] ibmveth %x env%d: MAC %s\r\n", 200000+i*1000, 0x30000000+n.Slot, n.Slot, colonMAC(n.MAC))
		}
		for i, s := range info.SCSI {
			fmt.Fprintf(&b, "[    1.%06d] ibmvscsi %x: partner initialization complete (slot %d)\r\n", 400000+i*1000, 0x30000000+s, s)
		}
		for i, f := range info.FC {
			fmt.Fprintf(&b, "[    1.%06d] ibmvfc %x: Partner initialization complete (slot %d)\r\n", 600000+i*1000, 0x30000000+f.Slot, f.Slot)
		}
		b.WriteString("[    2.345678] systemd[1]: Detected architecture ppc64-le.\r\n")
		fmt.Fprintf(&b, "\r\n%s %s %s hvc0\r\n\r\n", distro, release, hostname(info))
	case osAIX:
		b.WriteString("AIX Version 7\r\nCopyright IBM Corporation, 1982, 2023.\r\n")
	case osVIOS:
		b.WriteString("\r\n-------------------------------------------------------------------------------\r\n" +
			"                        Welcome to the Virtual I/O Server.\r\n" +
			"-------------------------------------------------------------------------------\r\n")
	case osIBMi:
		b.WriteString("                                 Sign On\r\n")
		fmt.Fprintf(&b, "                              System  . . . . . :   %s\r\n", strings.ToUpper(hostname(info)))
	}
	return b.String()
}

func loginPrompt(info GuestInfo) string {
	switch osOf(info) {
	case osLinux:
		return hostname(info) + " login: "
	case osIBMi:
		return "\r\n                 User  . . . . . . . . . . . . . .   "
	}
	return "\r\nConsole login: "
}

func osShutdown(info GuestInfo, restart bool) string {
	switch osOf(info) {
	case osLinux:
		verb, target := "poweroff", "System Power Off"
		if restart {
			verb, target = "reboot", "System Reboot"
		}
		return fmt.Sprintf("\r\n\r\nBroadcast message from root@%s on pts/0:\r\n\r\nThe system is going down for %s NOW!\r\n\r\n"+
			"[  OK  ] Stopped target Multi-User System.\r\n[  OK  ] Reached target %s.\r\n", hostname(info), verb, target)
	case osIBMi:
		return "\r\n\r\n PWRDWNSYS in progress.\r\n"
	}
	return "\r\n\r\nShutdown started.\r\n\r\nSending SIGTERM to all processes\r\n...Shutdown completed.\r\n"
}

func prompt(info GuestInfo) string {
	switch osOf(info) {
	case osLinux:
		return "root@" + hostname(info) + ":~# "
	case osVIOS:
		return "$ "
	case osIBMi:
		return "===> "
	}
	return "# "
}

// loginUser is the account the simulated OS accepts at its prompt.
func loginUser(info GuestInfo) string {
	switch osOf(info) {
	case osVIOS:
		return "padmin"
	case osIBMi:
		return "QSECOFR"
	}
	return "root"
}

// input runs typed bytes through the firmware or OS: it returns the echo
// and answers, and the actions the core must carry out.
func (g *guest) input(p []byte, info GuestInfo) ([]byte, []action) {
	var out strings.Builder
	var acts []action
	for _, c := range string(p) {
		if c == '\n' && g.lastCR {
			g.lastCR = false
			continue
		}
		g.lastCR = c == '\r'
		enter := c == '\r' || c == '\n'
		switch g.mode {
		case modeOff, modeFirmware, modeDown:
			// Nothing runs that reads the console.
		case modeSMS, modeSMSExit, modeOF, modeLogin, modeShell:
			if line, done := g.edit(c, enter, &out, true); done {
				acts = append(acts, g.line2(line, info, &out)...)
			}
		case modePassword:
			if line, done := g.edit(c, enter, &out, false); done {
				g.password(line, info, &out)
			}
		}
	}
	return []byte(out.String()), acts
}

// edit applies one typed character to the line being typed; it returns
// the line when Enter ends it.
func (g *guest) edit(c rune, enter bool, out *strings.Builder, echo bool) (string, bool) {
	switch {
	case enter:
		line := string(g.line)
		g.line = nil
		out.WriteString("\r\n")
		return line, true
	case c == 0x7f || c == 0x08: // backspace
		if len(g.line) > 0 {
			g.line = g.line[:len(g.line)-1]
			if echo {
				out.WriteString("\b \b")
			}
		}
	case c == 0x15: // ^U
		if echo {
			out.WriteString(strings.Repeat("\b \b", len(g.line)))
		}
		g.line = nil
	case c == 0x03: // ^C
		g.line = nil
		if g.mode == modeShell {
			out.WriteString("^C\r\n")
			return "", true
		}
	case c == 0x04: // ^D
		if g.mode == modeShell && len(g.line) == 0 {
			return "exit", true
		}
	case c == 0x1b || c < 0x20 && c != '\t':
		// Control keys and escape sequences are not line input.
	default:
		if len(g.line) < 1024 {
			g.line = append(g.line, c)
			if echo {
				out.WriteRune(c)
			}
		}
	}
	return "", false
}

// line2 handles an entered line in the current mode.
func (g *guest) line2(line string, info GuestInfo, out *strings.Builder) []action {
	line = strings.TrimSpace(line)
	switch g.mode {
	case modeSMS:
		switch strings.ToUpper(line) {
		case "X":
			g.mode = modeSMSExit
			out.WriteString("\r\n Are you sure you want to exit System Management Services?\r\n" +
				" 1.   Yes\r\n 2.   No\r\n\r\n Type menu item number and press Enter or select Navigation key: ")
		case "":
			out.WriteString(" Type menu item number and press Enter or select Navigation key: ")
		default:
			out.WriteString("\r\n This choice is not available on this simulated firmware; type X to boot.\r\n")
			out.WriteString(smsMenu(info))
		}
	case modeSMSExit:
		if line == "1" {
			g.mode = modeFirmware
			return []action{{kind: actContinueBoot}}
		}
		g.mode = modeSMS
		out.WriteString(smsMenu(info))
	case modeOF:
		return g.openFirmware(line, out)
	case modeLogin:
		if line == "" {
			out.WriteString(loginPrompt(info))
			return nil
		}
		g.user = line
		g.mode = modePassword
		switch osOf(info) {
		case osIBMi:
			out.WriteString("                 Password  . . . . . . . . . . . .   ")
		case osLinux:
			out.WriteString("Password: ")
		default:
			out.WriteString(g.user + "'s Password: ")
		}
	case modeShell:
		return g.shell(line, info, out)
	}
	return nil
}

func (g *guest) password(pw string, info GuestInfo, out *strings.Builder) {
	if !strings.EqualFold(g.user, loginUser(info)) || pw == "" {
		g.mode, g.user = modeLogin, ""
		out.WriteString("\r\nLogin incorrect\r\n")
		out.WriteString(loginPrompt(info))
		return
	}
	g.mode = modeShell
	switch osOf(info) {
	case osLinux:
		distro, kernel, release := linuxRelease(info)
		fmt.Fprintf(out, "Welcome to %s %s (GNU/Linux %s ppc64le)\r\n\r\n", distro, release, kernel)
	case osVIOS:
		out.WriteString("Last login: never\r\n\r\n")
	}
	out.WriteString(prompt(info))
}

// openFirmware runs a word typed at the ok prompt.
func (g *guest) openFirmware(line string, out *strings.Builder) []action {
	switch strings.ToLower(line) {
	case "":
		out.WriteString(" ok\r\n0 > ")
	case "boot":
		g.mode = modeFirmware
		return []action{{kind: actContinueBoot}}
	case "reset-all":
		g.mode = modeFirmware
		return []action{{kind: actRestart}}
	case "banner":
		out.WriteString("\r\nIBM,9009-42A PowerPC Firmware FW950.00 (VL950_039)\r\n ok\r\n0 > ")
	default:
		fmt.Fprintf(out, "%s ?  (known here: boot, reset-all, banner)\r\n0 > ", line)
	}
	return nil
}

// shell runs one command line of the logged-in shell.
func (g *guest) shell(line string, info GuestInfo, out *strings.Builder) []action {
	f := strings.Fields(line)
	if len(f) == 0 {
		out.WriteString(prompt(info))
		return nil
	}
	kind := osOf(info)
	cmd, args := f[0], f[1:]
	w := func(format string, a ...any) { fmt.Fprintf(out, format, a...) }
	switch cmd {
	case "exit", "logout":
		g.mode, g.user = modeLogin, ""
		out.WriteString("\r\n" + loginPrompt(info))
		return nil
	case "shutdown", "poweroff", "halt", "reboot", "pwrdwnsys", "PWRDWNSYS":
		restart := cmd == "reboot" || containsStr(args, "-r") || containsStr(args, "-restart") ||
			strings.Contains(strings.ToUpper(line), "RESTART(*YES)")
		if cmd == "shutdown" && kind == osLinux && !containsStr(args, "now") && !restart && !containsStr(args, "-h") && !containsStr(args, "-P") {
			w("Usage: shutdown [-h|-r|-P] now\r\n%s", prompt(info))
			return nil
		}
		g.mode = modeDown
		if restart {
			return []action{{kind: actRestart}}
		}
		return []action{{kind: actShutdown}}
	}
	if kind == osVIOS {
		// padmin's restricted shell runs the VIOS commands.
		switch cmd {
		case "help":
			w("The padmin shell runs the Virtual I/O Server commands (ioslevel, lsdev, lsmap, lu, lssp ...), hostname, whoami, date, shutdown, exit.\r\n$ ")
			return nil
		case "hostname", "whoami", "date", "clear":
		default:
			return []action{{kind: actIOSCLI, arg: line}}
		}
	}
	switch cmd {
	case "help":
		w("Commands: hostname, uname [-a], whoami, id, date, lsdev, lscfg [-vl DEVICE], ip addr, echo, clear, shutdown -h now, reboot, exit\r\n")
	case "hostname":
		w("%s\r\n", hostname(info))
	case "whoami":
		w("%s\r\n", g.userName(info))
	case "id":
		if kind == osVIOS {
			w("uid=100(padmin) gid=14(staff)\r\n")
		} else {
			w("uid=0(root) gid=0(root) groups=0(root)\r\n")
		}
	case "date":
		w("%s\r\n", info.Now.UTC().Format("Mon Jan _2 15:04:05 UTC 2006"))
	case "echo":
		w("%s\r\n", strings.Join(args, " "))
	case "clear":
		w("\x1b[H\x1b[2J")
	case "uname":
		w("%s\r\n", uname(info, args))
	case "lsdev":
		w("%s", lsdev(info))
	case "lscfg":
		w("%s", lscfg(info, args))
	case "ip", "ifconfig":
		if kind != osLinux && cmd == "ip" || kind == osLinux && cmd == "ifconfig" {
			w("%s", notFound(kind, cmd))
			break
		}
		if cmd == "ifconfig" {
			w("%s", ifconfig(info))
			break
		}
		if len(args) > 0 && (strings.HasPrefix("address", args[0]) || args[0] == "link") {
			w("%s", ipAddr(info, args[0] == "link"))
		} else {
			w("Usage: ip addr | ip link\r\n")
		}
	default:
		w("%s", notFound(kind, cmd))
	}
	out.WriteString(prompt(info))
	return nil
}

func (g *guest) userName(info GuestInfo) string {
	if g.user != "" {
		return g.user
	}
	return loginUser(info)
}

func notFound(kind osKind, cmd string) string {
	if kind == osLinux {
		return "-bash: " + cmd + ": command not found\r\n"
	}
	return "ksh: " + cmd + ":  not found.\r\n"
}

func uname(info GuestInfo, args []string) string {
	host := hostname(info)
	if osOf(info) == osLinux {
		_, kernel, _ := linuxRelease(info)
		switch {
		case containsStr(args, "-a"):
			return fmt.Sprintf("Linux %s %s #1 SMP %s ppc64le ppc64le ppc64le GNU/Linux", host, kernel, "Wed Nov 1 12:00:00 UTC 2023")
		case containsStr(args, "-r"):
			return kernel
		case containsStr(args, "-n"):
			return host
		case containsStr(args, "-m"):
			return "ppc64le"
		}
		return "Linux"
	}
	if containsStr(args, "-a") {
		return fmt.Sprintf("AIX %s 3 7 00F%06d4C00", host, info.ID)
	}
	if containsStr(args, "-n") {
		return host
	}
	return "AIX"
}

func nics(info GuestInfo) []GuestNIC {
	n := append([]GuestNIC(nil), info.NICs...)
	sort.Slice(n, func(i, j int) bool { return n[i].Slot < n[j].Slot })
	return n
}

func lsdev(info GuestInfo) string {
	var b strings.Builder
	row := func(name, loc, desc string) {
		fmt.Fprintf(&b, "%-10s Available  %-32s %s\r\n", name, loc, desc)
	}
	fmt.Fprintf(&b, "%-10s %-10s %-32s %s\r\n", "name", "status", "location", "description")
	row("vsa0", info.Location+"-C0", "LPAR Virtual Serial Adapter")
	for i, n := range nics(info) {
		row(fmt.Sprintf("ent%d", i), fmt.Sprintf("%s-C%d-T1", info.Location, n.Slot), "Virtual I/O Ethernet Adapter (l-lan) MAC "+n.MAC)
	}
	for i, s := range info.SCSI {
		row(fmt.Sprintf("vscsi%d", i), fmt.Sprintf("%s-C%d-T1", info.Location, s), "Virtual SCSI Client Adapter")
	}
	for i, f := range info.FC {
		row(fmt.Sprintf("fcs%d", i), fmt.Sprintf("%s-C%d-T1", info.Location, f.Slot), "Virtual Fibre Channel Client Adapter")
	}
	return b.String()
}

func lscfg(info GuestInfo, args []string) string {
	dev := ""
	for i, a := range args {
		if (a == "-vl" || a == "-l") && i+1 < len(args) {
			dev = args[i+1]
		}
	}
	var b strings.Builder
	for i, n := range nics(info) {
		name := fmt.Sprintf("ent%d", i)
		if dev != "" && dev != name {
			continue
		}
		fmt.Fprintf(&b, "  %-14s %-36s Virtual I/O Ethernet Adapter (l-lan)\r\n\r\n", name, fmt.Sprintf("%s-C%d-T1", info.Location, n.Slot))
		fmt.Fprintf(&b, "        Network Address.............%s\r\n        Displayable Message.........Virtual I/O Ethernet Adapter (l-lan)\r\n\r\n", n.MAC)
	}
	if dev != "" && b.Len() == 0 {
		return fmt.Sprintf("lscfg: device %s not found.\r\n", dev)
	}
	return b.String()
}

func colonMAC(mac string) string {
	mac = strings.ToLower(mac)
	var parts []string
	for i := 0; i+2 <= len(mac); i += 2 {
		parts = append(parts, mac[i:i+2])
	}
	return strings.Join(parts, ":")
}

func ipAddr(info GuestInfo, linkOnly bool) string {
	var b strings.Builder
	b.WriteString("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\r\n" +
		"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\r\n")
	if !linkOnly {
		b.WriteString("    inet 127.0.0.1/8 scope host lo\r\n       valid_lft forever preferred_lft forever\r\n")
	}
	for i, n := range nics(info) {
		fmt.Fprintf(&b, "%d: env%d: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\r\n", i+2, n.Slot)
		fmt.Fprintf(&b, "    link/ether %s brd ff:ff:ff:ff:ff:ff\r\n", colonMAC(n.MAC))
		if !linkOnly {
			if ll := model.LinkLocalFromMAC(n.MAC); ll != "" {
				fmt.Fprintf(&b, "    inet6 %s/64 scope link\r\n       valid_lft forever preferred_lft forever\r\n", ll)
			}
		}
	}
	return b.String()
}

func ifconfig(info GuestInfo) string {
	var b strings.Builder
	for i, n := range nics(info) {
		fmt.Fprintf(&b, "en%d: flags=1e084863<UP,BROADCAST,NOTRAILERS,RUNNING,SIMPLEX,MULTICAST,GROUPRT,64BIT>\r\n", i)
		fmt.Fprintf(&b, "        ether %s\r\n", colonMAC(n.MAC))
	}
	b.WriteString("lo0: flags=e08084b<UP,BROADCAST,LOOPBACK,RUNNING,SIMPLEX,MULTICAST,GROUPRT,64BIT>\r\n" +
		"        inet 127.0.0.1 netmask 0xff000000 broadcast 127.255.255.255\r\n")
	return b.String()
}

// crlf turns the newlines of command output into the terminal's CR LF.
func crlf(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
