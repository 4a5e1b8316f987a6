package install

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
)

// The wizard's screens are huh groups inside a frame drawn the way the
// NovaLink installer draws its text screens: a box titled with the
// screen's name, the keys on the last line.
const (
	frameWidth = 78
	footer     = "<Tab>/<Shift-Tab> between elements | <Enter>/<F12> next | <Esc> quits"
)

// answers are the wizard's fields as typed.
type answers struct {
	mode                                        string // "install" or "repair"
	hostname, ip, netmask, gateway, dns, domain string
	vlan                                        string
	viosCount                                   int
	disks                                       [MaxVIOS]string
	ssp                                         bool
	confirm                                     bool
}

func (a *answers) config(base *Config) (*Config, error) {
	c := *base
	c.Hostname, c.IPAddress, c.Netmask, c.Gateway, c.Domain = strings.TrimSpace(a.hostname), strings.TrimSpace(a.ip),
		strings.TrimSpace(a.netmask), strings.TrimSpace(a.gateway), strings.TrimSpace(a.domain)
	c.DNS = splitList(a.dns)
	c.VLAN, _ = strconv.Atoi(strings.TrimSpace(a.vlan))
	c.SSP = a.ssp
	c.VIOSDisks = nil
	for i := 0; i < a.viosCount; i++ {
		c.VIOSDisks = append(c.VIOSDisks, splitList(a.disks[i]))
	}
	return &c, c.Validate()
}

type wizard struct {
	form   *huh.Form
	titles map[huh.Field]string
	a      *answers
	base   *Config
}

// newWizard builds the screens: Welcome (install or repair), the NovaLink
// partition's network, the Virtual I/O Servers, their disks, the summary.
func newWizard(base *Config) *wizard {
	a := &answers{mode: "install", confirm: true, hostname: base.Hostname, ip: base.IPAddress, netmask: base.Netmask, gateway: base.Gateway,
		dns: strings.Join(base.DNS, ","), domain: base.Domain, vlan: strconv.Itoa(base.VLAN), viosCount: len(base.VIOSDisks), ssp: base.SSP}
	for i := range a.disks {
		a.disks[i] = "hdisk0"
		if i < len(base.VIOSDisks) {
			a.disks[i] = strings.Join(base.VIOSDisks[i], ",")
		}
	}
	w := &wizard{a: a, base: base, titles: map[huh.Field]string{}}
	repair := func() bool { return a.mode == "repair" }
	title := func(t string, fields ...huh.Field) []huh.Field {
		for _, f := range fields {
			w.titles[f] = t
		}
		return fields
	}
	welcome := title("Welcome",
		huh.NewSelect[string]().Key("mode").Title("Welcome to the PowerVM NovaLink Install wizard.").Value(&a.mode).Options(
			huh.NewOption("Choose to perform an installation. This will perform an installation of the NovaLink partition, its core components and REST APIs, and all needed Virtual I/O servers.", "install"),
			huh.NewOption("Choose to repair a system. This will repair the system by performing a rescue/repair of existing Virtual I/O servers and NovaLink partitions, from novalink-install.cfg.", "repair"),
		))
	network := title("Network Configuration",
		huh.NewInput().Title("Host name of the NovaLink partition").Value(&a.hostname).Validate(CheckHostname),
		huh.NewInput().Title("IP address").Value(&a.ip).Validate(CheckIPv4),
		huh.NewInput().Title("Network mask").Value(&a.netmask).Validate(CheckNetmask),
		huh.NewInput().Title("Gateway").Value(&a.gateway).Validate(func(s string) error {
			if err := CheckIPv4(s); err != nil {
				return err
			}
			c := Config{IPAddress: a.ip, Netmask: a.netmask, Gateway: s}
			return gatewayCheck(&c)
		}),
		huh.NewInput().Title("DNS servers (comma separated)").Value(&a.dns).Validate(CheckDNS),
		huh.NewInput().Title("Domain").Value(&a.domain).Validate(CheckDomain),
		huh.NewInput().Title("Management VLAN (1: untagged)").Value(&a.vlan).Validate(CheckVLAN),
	)
	viosScreen := title("Virtual I/O Servers",
		huh.NewSelect[int]().Title("Virtual I/O Servers").Value(&a.viosCount).Options(
			huh.NewOption("2 (redundant, the NovaLink partition's disk mirrored)", 2),
			huh.NewOption("1", 1)),
		huh.NewConfirm().Title("Create a shared storage pool over the SAN disks (hdisk2 repository, hdisk3-4 pool)?").Value(&a.ssp).
			Affirmative("Yes").Negative("No"),
	)
	var diskFields []huh.Field
	for i := 0; i < MaxVIOS; i++ {
		i := i
		diskFields = append(diskFields, huh.NewInput().
			Title(fmt.Sprintf("rootvg disks of vios%d (one, or two for a mirror; disks hdisk0-hdisk6)", i+1)).
			Value(&a.disks[i]).Validate(func(s string) error {
			if i >= a.viosCount {
				return nil
			}
			return CheckDisks(s, a.ssp)
		}))
	}
	disks := title("Disk Configuration", diskFields...)
	summary := title("Summary",
		huh.NewNote().Title("Summary").DescriptionFunc(func() string { return w.summary() }, a),
		huh.NewConfirm().Title("Install now?").Value(&a.confirm).Affirmative("Finish").Negative("Cancel"),
	)
	km := huh.NewDefaultKeyMap()
	f12 := func(b key.Binding) key.Binding {
		return key.NewBinding(key.WithKeys(append(b.Keys(), "f12")...), key.WithHelp(b.Help().Key, b.Help().Desc))
	}
	km.Input.Next, km.Select.Next, km.Confirm.Next, km.Note.Next = f12(km.Input.Next), f12(km.Select.Next), f12(km.Confirm.Next), f12(km.Note.Next)
	km.Quit = key.NewBinding(key.WithKeys("esc", "ctrl+c"))
	w.form = huh.NewForm(
		huh.NewGroup(welcome...),
		huh.NewGroup(network...).WithHideFunc(repair),
		huh.NewGroup(viosScreen...).WithHideFunc(repair),
		huh.NewGroup(disks...).WithHideFunc(repair),
		huh.NewGroup(summary...).WithHideFunc(repair),
	).WithKeyMap(km).WithShowHelp(false).WithTheme(huh.ThemeBase()).WithWidth(frameWidth - 4)
	return w
}

func gatewayCheck(c *Config) error {
	c2 := *c
	c2.Hostname, c2.MachineType, c2.Model, c2.Serial, c2.VLAN = "x", "x", "x", "x", 1
	c2.VIOSDisks = [][]string{{"hdisk0"}}
	if err := c2.Validate(); err != nil {
		if fe, ok := err.(*FieldError); ok && fe.Key == "novalink.gateway" {
			return fmt.Errorf("%s", fe.Msg)
		}
	}
	return nil
}

func (w *wizard) summary() string {
	a := w.a
	var b strings.Builder
	fmt.Fprintf(&b, "NovaLink partition: %s, %s/%s, gateway %s, DNS %s, domain %s, VLAN %s\n",
		a.hostname, a.ip, a.netmask, a.gateway, orNone(a.dns), orNone(a.domain), a.vlan)
	for i := 0; i < a.viosCount; i++ {
		fmt.Fprintf(&b, "vios%d: rootvg on %s, logical volume %s for the NovaLink partition\n", i+1, a.disks[i], strings.ReplaceAll(BootLV, "_", "\\_"))
	}
	ssp := "no"
	if a.ssp {
		ssp = "pool1 (cluster1)"
	}
	fmt.Fprintf(&b, "Shared storage pool: %s. MGMTSWITCH (VEPA, VLAN 4094) with the trunks.", ssp)
	return b.String()
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "none"
	}
	return s
}

func (w *wizard) Init() tea.Cmd { return w.form.Init() }

func (w *wizard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	f, cmd := w.form.Update(msg)
	w.form = f.(*huh.Form)
	if w.form.State != huh.StateNormal {
		return w, tea.Quit
	}
	return w, cmd
}

// View frames the current screen.
func (w *wizard) View() string {
	if w.form.State != huh.StateNormal {
		return ""
	}
	t := w.titles[w.form.GetFocusedField()]
	body := lipgloss.NewStyle().Border(lipgloss.NormalBorder(), false, true, true, true).Padding(0, 1).
		Width(frameWidth - 2).Render(w.form.View())
	return frameTop(t) + "\n" + body + "\n" + footer
}

// frameTop is the box's top line with the title in its middle.
func frameTop(title string) string {
	t := " " + title + " "
	left := (frameWidth - 2 - len(t)) / 2
	right := frameWidth - 2 - len(t) - left
	b := lipgloss.NormalBorder()
	return b.TopLeft + strings.Repeat(b.Top, left) + t + strings.Repeat(b.Top, right) + b.TopRight
}

// RunWizard runs the wizard on a terminal, then the install or repair it
// asked for; what they print follows the wizard on out.
func RunWizard(r *Runner, in io.Reader, out io.Writer) error {
	base := Defaults()
	if c, err := ReadConfig(r.Paths.CfgPath()); err == nil {
		base = c // a previous install's answers come back
	}
	w := newWizard(base)
	p := tea.NewProgram(w, tea.WithInput(in), tea.WithOutput(out), tea.WithAltScreen())
	if _, err := p.Run(); err != nil {
		return err
	}
	if w.form.State == huh.StateAborted {
		fmt.Fprintln(out, "pvm-install: cancelled; nothing was changed.")
		return ErrCancelled
	}
	r.Out = out
	if w.a.mode == "repair" {
		c, err := ReadConfig(r.Paths.CfgPath())
		if err != nil {
			return fmt.Errorf("repair needs the configuration of the install: %w", err)
		}
		_, err = r.Repair(c)
		return err
	}
	if !w.a.confirm {
		fmt.Fprintln(out, "pvm-install: cancelled; nothing was changed.")
		return ErrCancelled
	}
	c, err := w.a.config(base)
	if err != nil {
		return err
	}
	return r.Install(c)
}

// ErrCancelled is a wizard left without installing.
var ErrCancelled = fmt.Errorf("cancelled")
