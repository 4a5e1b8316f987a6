package rest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kballard/go-shellquote"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/hmc"
)

// restJob is a job this layer runs itself instead of the core.
type restJob struct {
	params []string // the parameters a JobRequest may carry
	run    func(s *Server, a core.Actor, r core.JobRequest) (*core.Job, error)
}

// restJobs are the jobs of this layer, by group and operation.
var restJobs = map[string]map[string]restJob{
	"ManagementConsole": {
		"CLIRunner": {params: []string{"cmd", "acknowledgeThisAPIMayGoAwayInTheFuture"}, run: (*Server).startCLIRunner},
	},
}

// cliRunnerWait is how long the PUT of a CLIRunner job waits for the
// command before answering: most commands end well within it, and the
// client then needs no poll. Longer ones answer RUNNING and go on.
const cliRunnerWait = 2 * time.Second

// hmcOnlyCommands change the system as the HMC does: only the HMC's
// account (role hmc_superadmin) may run them. The others read, or run on
// a VIOS (viosvrcmd), for any caller: the core checks what they change.
var hmcOnlyCommands = map[string]bool{"chcomgmt": true, "chsyscfg": true}

// startCLIRunner runs the CLIRunner job: one management-console command
// line (cmd) run as the caller by internal/hmc. The job ends
// COMPLETED_OK when the command exits 0 and COMPLETED_WITH_ERROR
// otherwise (the message is what it printed on stderr); either way its
// results are returnCode, stdOut and stdErr.
func (s *Server) startCLIRunner(a core.Actor, r core.JobRequest) (*core.Job, error) {
	line := strings.TrimSpace(r.Param("cmd"))
	if line == "" {
		return nil, errStatus(http.StatusBadRequest, "The CLIRunner job needs the parameter cmd: the command line to run (%s).", strings.Join(hmc.Commands, ", "))
	}
	switch ack := strings.TrimSpace(r.Param("acknowledgeThisAPIMayGoAwayInTheFuture")); strings.ToLower(ack) {
	case "", "true":
	default:
		return nil, errStatus(http.StatusBadRequest, "The parameter acknowledgeThisAPIMayGoAwayInTheFuture must be true, not %q.", ack)
	}
	r.TargetUUID = consoleUUID(s.core.System()) // as the console's entry spells it
	job, err := s.core.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	go func() {
		var res hmc.Result
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("CLIRunner command panicked", "cmd", line, "panic", v)
				res = hmc.Result{Err: fmt.Sprintf("Internal error running the command: %v\n", v), Code: 1}
			}
			s.finishCLIRunner(job, res)
		}()
		res = s.runCommandLine(a, line)
		// Every command is logged with its caller and outcome (viosbr
		// backups and restores among them).
		s.log.Info("CLIRunner command", "user", a.User, "cmd", line, "returnCode", res.Code)
	}()
	select {
	case <-job.Done():
	case <-time.After(cliRunnerWait):
	}
	return job, nil
}

// runCommandLine runs one line as a, refusing the HMC's own commands to
// callers that are not the HMC.
func (s *Server) runCommandLine(a core.Actor, line string) hmc.Result {
	if args, err := shellquote.Split(line); err == nil && len(args) > 0 && hmcOnlyCommands[args[0]] && a.Role != core.RoleHMC {
		return hmc.Result{Code: 1, Err: fmt.Sprintf("HSCL350A %s is a command of the HMC: user %s (role %s) is not an HMC account; "+
			"log on with the HMC's account (role %s) to run it.\n", args[0], a.User, a.Role, core.RoleHMC)}
	}
	return hmc.Run(s.core, a, line)
}

func (s *Server) finishCLIRunner(job *core.Job, res hmc.Result) {
	status, msg := core.JobOK, ""
	if res.Code != 0 {
		status = core.JobError
		if msg = strings.TrimSpace(res.Err); msg == "" {
			msg = fmt.Sprintf("The command ended with exit status %d.", res.Code)
		}
	}
	s.core.FinishJob(job, status, msg,
		core.Param{Name: "returnCode", Value: strconv.Itoa(res.Code)},
		core.Param{Name: "stdOut", Value: res.Out},
		core.Param{Name: "stdErr", Value: res.Err})
}
