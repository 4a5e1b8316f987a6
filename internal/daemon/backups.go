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
