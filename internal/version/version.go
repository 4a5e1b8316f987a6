// Package version says which build of novalink a binary is: every binary
// answers --version with it.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the release, set at build time by the Makefile
// (-ldflags "-X github.com/novalink-project/novalink/internal/version.Version=...");
// without it, the module version Go recorded ("(devel)" for a build from a
// work tree).
var Version = ""

// Get returns the version and, when Go recorded it, the commit.
func Get() (version, commit string) {
	version = Version
	info, ok := debug.ReadBuildInfo()
	if version == "" {
		version = "(devel)"
		if ok && info.Main.Version != "" {
			version = info.Main.Version
		}
	}
	if ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	return version, commit
}

// String is the line --version prints for program.
func String(program string) string {
	v, c := Get()
	s := fmt.Sprintf("%s (novalink) %s", program, v)
	if c != "" {
		if len(c) > 12 {
			c = c[:12]
		}
		s += " commit " + c
	}
	return s + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}
