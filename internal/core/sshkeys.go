package core

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
)

// NovaLink's SSH identity: the ManagementConsole's PublicSSHKey (the key
// its wlp user connects to other NovaLinks with) and AuthorizedKeys (the
// keys of other NovaLinks it trusts). A migration to a system named by
// address needs the target to trust the source (nova-powervm's
// pre_live_migration adds the source's key on the target).

// ConsolePublicKey is the system's NovaLink public key: an ssh-ed25519
// key derived from the system's UUID (stable across restarts).
func ConsolePublicKey(sys *model.ManagedSystem) string {
	sum := sha256.Sum256([]byte("novalink-ssh/" + strings.ToLower(sys.UUID)))
	var b []byte
	put := func(s []byte) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	put([]byte("ssh-ed25519"))
	put(sum[:])
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(b) + " wlp@" + strings.ToLower(sys.Name)
}

// Bounds of the authorized keys.
const (
	maxAuthorizedKeys = 256
	maxKeyBytes       = 16 << 10
)

// validKey checks an authorized key: TYPE BASE64 [COMMENT], one line.
func validKey(k string) bool {
	if len(k) > maxKeyBytes || strings.ContainsAny(k, "\r\n") {
		return false
	}
	f := strings.Fields(k)
	if len(f) < 2 || !strings.HasPrefix(f[0], "ssh-") && !strings.HasPrefix(f[0], "ecdsa-") {
		return false
	}
	_, err := base64.StdEncoding.DecodeString(f[1])
	return err == nil
}

// SetAuthorizedKeys replaces the keys the system's NovaLink trusts.
func (c *Core) SetAuthorizedKeys(a Actor, etag string, keys []string) error {
	if len(keys) > maxAuthorizedKeys {
		return model.Invalid("At most %d authorized keys are kept, not %d.", maxAuthorizedKeys, len(keys))
	}
	seen := map[string]bool{}
	var clean []string
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if !validKey(k) {
			short := k
			if len(short) > 40 {
				short = short[:40] + "..."
			}
			return model.ErrBadValue("AuthorizedKey", short, "an SSH public key on one line: TYPE BASE64 [COMMENT]")
		}
		if !seen[k] {
			seen[k] = true
			clean = append(clean, k)
		}
	}
	return c.Apply(a, func(tx *Tx) error {
		cur := tx.System()
		if etag != "" && etag != EtagOf(cur.Rev) {
			return model.Stale("ManagementConsole")
		}
		if strings.Join(cur.AuthorizedKeys, "\n") == strings.Join(clean, "\n") {
			return nil
		}
		n := cur.Clone()
		n.AuthorizedKeys = clean
		tx.PutSystem(n)
		return nil
	})
}

// trusts tells whether the system's NovaLink trusts another's key.
func trusts(target, source *model.ManagedSystem) bool {
	key := strings.Fields(ConsolePublicKey(source))[1]
	for _, k := range target.AuthorizedKeys {
		if f := strings.Fields(k); len(f) >= 2 && f[1] == key {
			return true
		}
	}
	return false
}
