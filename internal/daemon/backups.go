package daemon

import (
	"log/slog"

	"github.com/novalink-project/novalink/internal/backup"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// newBackups makes the scheduler of the hourly and daily backups of c:
// the profile.bak of the partition configuration and the viosbr archive
// of each VIOS, in <c.BackupBase()>/<MTMS>/, on the core's clock.
func newBackups(c *core.Core, log *slog.Logger, onRun func(backup.Run), hourlySpec string) (*backup.Scheduler, error) {
	return backup.New(backup.Config{
		Base:   c.BackupBase(),
		Clock:  c.Clock(),
		Logger: log.With("component", "backup"),
		System: func() ([]byte, *model.ManagedSystem, error) {
			return c.BackupProfile(false)
		},
		VIOS: func() ([]backup.VIOSBackup, error) {
			return c.BackupVIOSes(), nil
		},
		OnRun:      onRun,
		HourlySpec: hourlySpec,
	})
}

// sweepBackups removes the temporary files of backups a crash left in the
// system's backup directory (pvmd does it when it starts, before the
// schedule runs; each scheduled backup does it again).
func sweepBackups(c *core.Core, log *slog.Logger) {
	dir := backup.Dir(c.BackupBase(), c.System())
	if err := backup.RemoveStale(dir); err != nil {
		log.Warn("cannot remove the temporary files of an interrupted backup", "dir", dir, "err", err)
	}
}
