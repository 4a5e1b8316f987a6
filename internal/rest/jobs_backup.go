package rest

import (
	"strconv"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// The ManagedSystem's backup jobs, run by this layer at once (bkprofdata,
// rstprofdata and pvmctl sys list-backups use them; NovaLink's own
// commands reach pvm-core directly, we go through the API):
//
//   - BackupProfileData [force]: result ProfileData, the profile.bak of
//     the partition configuration.
//   - RestoreProfileData ProfileData RestoreLevel [IgnoreMTMS] [IgnoreMAC]:
//     restores a profile.bak (levels 1 full, 2 merge with the backup
//     winning, 3 merge with the current configuration winning, 4
//     initialize) in one operation; results Created, Replaced,
//     Unchanged, Deleted, Skipped (partition names, comma-separated) and
//     Warnings (one per line); COMPLETED_WITH_WARNINGS when there are.
//   - ListBackups: the scheduled backups, one result per file named by
//     the file, valued "<time RFC 3339> <size in bytes>", oldest first;
//     result BackupDirectory is where they are.
//
// A request that is wrong or refused (bad level, a file that is not a
// profile.bak, a backup of another system, running partitions it would
// change, the other console is master) gets an HttpErrorResponse and
// changes nothing.
func init() {
	if restJobs["ManagedSystem"] == nil {
		restJobs["ManagedSystem"] = map[string]restJob{}
	}
	restJobs["ManagedSystem"]["BackupProfileData"] = restJob{params: []string{"force"}, run: runBackupProfileData}
	restJobs["ManagedSystem"]["RestoreProfileData"] = restJob{params: []string{"ProfileData", "RestoreLevel", "IgnoreMTMS", "IgnoreMAC"}, run: runRestoreProfileData}
	restJobs["ManagedSystem"]["ListBackups"] = restJob{params: nil, run: runListBackups}
}

// boolParam reads an optional true/false job parameter.
func boolParam(r core.JobRequest, name string) (bool, error) {
	switch v := strings.ToLower(strings.TrimSpace(r.Param(name))); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, model.ErrBadValue(name, r.Param(name), "true or false")
	}
}

func runBackupProfileData(s *Server, a core.Actor, r core.JobRequest) (*core.Job, error) {
	force, err := boolParam(r, "force")
	if err != nil {
		return nil, err
	}
	data, _, err := s.core.BackupProfile(force)
	if err != nil {
		return nil, err
	}
	s.log.Info("profile data backed up", "user", a.User, "bytes", len(data))
	job, err := s.core.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	s.core.FinishJob(job, core.JobOK, "", core.Param{Name: "ProfileData", Value: string(data)})
	return job, nil
}

func runRestoreProfileData(s *Server, a core.Actor, r core.JobRequest) (*core.Job, error) {
	lv := strings.TrimSpace(r.Param("RestoreLevel"))
	level, err := strconv.Atoi(lv)
	if err != nil || level < core.RestoreFull || level > core.RestoreInitializing {
		return nil, model.ErrBadValue("RestoreLevel", lv, "1 (full), 2 (merge, backup wins), 3 (merge, current wins), 4 (initialize)")
	}
	ignoreMTMS, err := boolParam(r, "IgnoreMTMS")
	if err != nil {
		return nil, err
	}
	ignoreMAC, err := boolParam(r, "IgnoreMAC")
	if err != nil {
		return nil, err
	}
	// A job parameter's value comes without its surrounding blanks: the
	// file's last newline is given back (rstprofdata checks, before it
	// sends a file, that it is whole).
	data := r.Param("ProfileData")
	if data != "" && !strings.HasSuffix(data, "\n") {
		data += "\n"
	}
	rep, err := s.core.RestoreProfile(a, []byte(data), level, ignoreMTMS, ignoreMAC)
	if err != nil {
		return nil, err
	}
	params := r.Params[:0:0]
	for _, p := range r.Params {
		if p.Name != "ProfileData" { // the job keeps the request's small parameters only
			params = append(params, p)
		}
	}
	job, err := s.core.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, params)
	if err != nil {
		return nil, err
	}
	status := core.JobOK
	if len(rep.Warnings) > 0 {
		status = core.JobWarnings
	}
	s.core.FinishJob(job, status, strings.Join(rep.Warnings, "\n"),
		core.Param{Name: "Created", Value: strings.Join(rep.Created, ",")},
		core.Param{Name: "Replaced", Value: strings.Join(rep.Replaced, ",")},
		core.Param{Name: "Unchanged", Value: strings.Join(rep.Unchanged, ",")},
		core.Param{Name: "Deleted", Value: strings.Join(rep.Deleted, ",")},
		core.Param{Name: "Skipped", Value: strings.Join(rep.Skipped, ",")},
		core.Param{Name: "Warnings", Value: strings.Join(rep.Warnings, "\n")})
	return job, nil
}

func runListBackups(s *Server, a core.Actor, r core.JobRequest) (*core.Job, error) {
	list, err := s.core.ListBackups()
	if err != nil {
		return nil, err
	}
	results := []core.Param{{Name: "BackupDirectory", Value: s.core.BackupDir()}}
	for _, b := range list {
		results = append(results, core.Param{Name: b.Name, Value: b.Time.UTC().Format(time.RFC3339) + " " + strconv.FormatInt(b.Size, 10)})
	}
	job, err := s.core.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	s.core.FinishJob(job, core.JobOK, "", results...)
	return job, nil
}
