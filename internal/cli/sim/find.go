package sim

import (
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
)

// findTarget resolves a partition's KEY=VALUE (name=, id=, uuid=) through
// the simulator's directory, not the uom API: a tester's fault rules may
// be failing that.
func findTarget(a *app.App, spec string) (client.SimDirectoryEntry, error) {
	k, err := app.ParsePartitionKey("--object-id", spec)
	if err != nil {
		return client.SimDirectoryEntry{}, err
	}
	c, err := a.Client()
	if err != nil {
		return client.SimDirectoryEntry{}, err
	}
	_, parts, err := c.SimDirectory(a.Context())
	if err != nil {
		return client.SimDirectoryEntry{}, err
	}
	var found []client.SimDirectoryEntry
	for _, p := range parts {
		switch k.Key {
		case "name":
			if p.Name == k.Value {
				found = append(found, p)
			}
		case "id":
			if n, err := strconv.Atoi(k.Value); err == nil && n == p.ID {
				found = append(found, p)
			}
		case "uuid":
			if strings.EqualFold(p.UUID, k.Value) {
				found = append(found, p)
			}
		}
	}
	switch len(found) {
	case 0:
		return client.SimDirectoryEntry{}, app.NotFound("No partition matches %s.", k)
	case 1:
		return found[0], nil
	}
	return client.SimDirectoryEntry{}, app.Usage("PVME01040123-0024", "%d partitions match %s; name one with id= or uuid=.", len(found), k)
}

// systemOf is the managed system as the simulator's directory names it.
func systemOf(a *app.App) (client.SimDirectoryEntry, error) {
	c, err := a.Client()
	if err != nil {
		return client.SimDirectoryEntry{}, err
	}
	sys, _, err := c.SimDirectory(a.Context())
	return sys, err
}
