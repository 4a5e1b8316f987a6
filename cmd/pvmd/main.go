// Command pvmd is the NovaLink daemon: the core (partition configuration,
// the simulated hypervisor, jobs, events) and the PowerVM REST API, in one
// process serving one managed system. See internal/daemon.
package main

import (
	"os"

	"github.com/novalink-project/novalink/internal/daemon"
)

func main() { os.Exit(daemon.Main(os.Args[1:], os.Stdout, os.Stderr)) }
