// Package clients runs the real PowerVM clients against pvmd: the
// unmodified pypowervm, nova-powervm, networking-powervm and
// ceilometer-powervm trees (../shared/clients beside the repository, or
// PVM_CLIENTS_DIR), with Debian's python3 and OpenStack packages.
//
// TestMain builds pvmd (and the console commands the clients run); each
// test starts pvmd on a temporary state directory with loopback ports and
// runs one Python scenario from testdata/ against it. A scenario is a list
// of steps, each named by the capability it checks ("nova destroy removes
// the partition"); the Go test turns every step into a subtest of that name,
// so a failure reads as the capability that broke, with the Python
// traceback in its log. A step that needs server work not built yet skips
// with "waits for issue N"; a missing Python package skips the scenario
// with one line naming it and how to install it (scripts/client-deps.sh).
// A step marked as a known pvmd gap (issue 12 part 2) skips naming the gap
// while it fails, and fails once it passes. PVM_CLIENTS_RUN_WAITING=1 runs
// the waiting steps anyway, to see how they fail.
//
// Running the old OpenStack agents on Debian's newer OpenStack needs a few
// adjustments, all in testdata/shims.py. pypowervm finds its own partition
// through /proc/ppc64/lparcfg: the scenarios run with python/partition on
// PYTHONPATH and PVM_PROC_DIR naming pvmd's --proc-dir (see the README).
package clients
