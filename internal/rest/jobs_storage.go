package rest

import (
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// The ManagedSystem's GetNextWWPNs job (pypowervm's
// vfc_mapper.build_wwpn_pair): parameter numberPairsRequested (1 to 8),
// result wwpnList, the WWPNs comma-separated. It answers at once, from
// the WWPNs no adapter uses, as a job of this layer (see restJobs).
func init() {
	if restJobs["ManagedSystem"] == nil {
		restJobs["ManagedSystem"] = map[string]restJob{}
	}
	restJobs["ManagedSystem"]["GetNextWWPNs"] = restJob{params: []string{"numberPairsRequested"}, run: runGetNextWWPNs}
}

func runGetNextWWPNs(s *Server, a core.Actor, r core.JobRequest) (*core.Job, error) {
	n := 1
	if v := strings.TrimSpace(r.Param("numberPairsRequested")); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			return nil, model.ErrBadValue("numberPairsRequested", v, "1 to 8")
		}
	}
	wwpns, err := s.core.NextWWPNs(n)
	if err != nil {
		return nil, err
	}
	job, err := s.core.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	s.core.FinishJob(job, core.JobOK, "", core.Param{Name: "wwpnList", Value: strings.ToUpper(strings.Join(wwpns, ","))})
	return job, nil
}
