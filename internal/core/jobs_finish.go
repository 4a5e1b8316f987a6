package core

// FinishJob ends a job that a layer above the core runs itself (the REST
// API's CLIRunner, registered with Jobs.New) with exactly the results
// given: unlike the core's own jobs, no returnCode or result is derived
// from the status. It reports false when the job had already ended.
func (c *Core) FinishJob(j *Job, status, message string, results ...Param) bool {
	j.mu.Lock()
	if j.completed != 0 {
		j.mu.Unlock()
		return false
	}
	j.status = status
	j.completed = c.clock.Now().UnixMilli()
	if j.completed == 0 {
		j.completed = 1
	}
	j.message = message
	j.results = append([]Param(nil), results...)
	ended := j.ended
	close(j.done)
	j.mu.Unlock()
	if ended != nil {
		ended()
	}
	j.retire()
	return true
}
