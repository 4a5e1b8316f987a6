package console

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCommandsLinkNoServer: like pvmctl, the console commands link only
// the client side.
func TestCommandsLinkNoServer(t *testing.T) {
	for _, cmd := range []string{"viosvrcmd", "chcomgmt", "lscomgmt", "lssyscfg", "chsyscfg", "ldfware", "updlic", "bkprofdata", "rstprofdata", "mkvterm", "rmvterm", "mkvtermutil"} {
		out, err := exec.Command("go", "list", "-deps", "github.com/novalink-project/novalink/cmd/"+cmd).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", cmd, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, bad := range []string{"github.com/novalink-project/novalink/internal/sim", "github.com/novalink-project/novalink/internal/store", "github.com/novalink-project/novalink/internal/core", "github.com/novalink-project/novalink/internal/rest",
				"github.com/novalink-project/novalink/internal/model", "github.com/novalink-project/novalink/internal/daemon", "github.com/novalink-project/novalink/internal/hmc", "go.etcd.io/bbolt"} {
				if dep == bad || strings.HasPrefix(dep, bad+"/") {
					t.Errorf("%s links %s", cmd, dep)
				}
			}
		}
		if !strings.Contains(string(out), "github.com/novalink-project/novalink/client") {
			t.Fatalf("go list %s output does not look right:\n%s", cmd, out)
		}
	}
}

func TestHMCEnv(t *testing.T) {
	env := map[string]string{"PVM_USER": "padmin", "PVM_PASSWORD": "x", "PVM_HMC_PASSWORD": "h", "PVM_URL": "u"}
	get := hmcEnv(func(k string) string { return env[k] })
	if get("PVM_USER") != "hscroot" || get("PVM_PASSWORD") != "h" || get("PVM_URL") != "u" {
		t.Fatal("the HMC commands do not log on as the HMC account")
	}
	env["PVM_HMC_USER"] = "hmcadmin"
	if get("PVM_USER") != "hmcadmin" {
		t.Fatal("PVM_HMC_USER ignored")
	}
}
