package core

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"

	"github.com/google/uuid"
	"golang.org/x/crypto/ssh"

	"github.com/novalink-project/novalink/internal/model"
)

// The management console's SSH keys (ManagementConsole PublicSSHKey and
// AuthorizedKeys): NovaLink's public key is made once, when the state has
// none; the authorized keys are what clients set (pypowervm's
// tasks.management_console add them one by one, posting the whole list).

// ConsoleUUID is the (stable) UUID of the management console.
func ConsoleUUID(sys *model.ManagedSystem) string {
	return uuid.NewMD5(uuid.NameSpaceOID, []byte("ManagementConsole/"+strings.ToLower(sys.UUID))).String()
}

// ConsoleKeysOf returns the console's keys of a state (nil before pvmd
// made them).
func ConsoleKeysOf(get func(model.ObjKind, string) model.Object) *model.ConsoleKeys {
	k, _ := get(model.KindConsoleKeys, "console").(*model.ConsoleKeys)
	return k
}

// ensureConsoleKeys gives the console its SSH key pair when the state has
// none (a new state, or one from before the keys). The private key stays
// with NovaLink's SSH service, not in the state: only the public key is
// kept.
func (c *Core) ensureConsoleKeys() error {
	var have bool
	c.Read(func(st *model.State) { have = ConsoleKeysOf(st.Get) != nil })
	if have {
		return nil
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	sk, err := ssh.NewPublicKey(pub)
	if err != nil {
		return err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sk))) + " padmin@novalink"
	return c.Apply(internalActor, func(tx *Tx) error {
		if ConsoleKeysOf(tx.Get) != nil {
			return nil
		}
		tx.Put(&model.ConsoleKeys{PublicKey: line})
		return nil
	})
}

// CheckAuthorizedKey validates one authorized key line: "type base64
// [comment]" that parses as an SSH public key.
func CheckAuthorizedKey(line string) (string, error) {
	line = strings.TrimSpace(line)
	if strings.ContainsAny(line, "\n\r") {
		return "", model.Invalid("An AuthorizedKey holds one key on one line.")
	}
	if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err != nil {
		short := line
		if len(short) > 40 {
			short = short[:40] + "..."
		}
		return "", model.Invalid("The AuthorizedKey %q is not an SSH public key (type, base64 key and an optional comment): %v.", short, err)
	}
	return line, nil
}

// SetAuthorizedKeys makes the console's authorized keys the list given
// (duplicates kept once, in order).
func (c *Core) SetAuthorizedKeys(a Actor, etag string, keys []string) (*model.ConsoleKeys, error) {
	var clean []string
	seen := map[string]bool{}
	for _, k := range keys {
		line, err := CheckAuthorizedKey(k)
		if err != nil {
			return nil, err
		}
		if !seen[line] {
			seen[line] = true
			clean = append(clean, line)
		}
	}
	var out *model.ConsoleKeys
	err := c.Apply(a, func(tx *Tx) error {
		cur := ConsoleKeysOf(tx.Get)
		if cur == nil {
			return model.Unavailable("The management console's SSH keys are not ready yet.")
		}
		if etag != "" && etag != ConsoleEtag(tx.st, cur) {
			return model.Stale("ManagementConsole")
		}
		if strings.Join(cur.Authorized, "\n") == strings.Join(clean, "\n") {
			out = cur
			return nil
		}
		n := cur.CloneObject().(*model.ConsoleKeys)
		n.Authorized = clean
		tx.Put(n, "Other")
		out = n
		return nil
	})
	return out, err
}

// ConsoleRev is the revision of the console's entry: it renders the
// management partition (its name and adapters) and the keys.
func ConsoleRev(st *model.State, keys *model.ConsoleKeys) uint64 {
	rev := st.System.Rev
	for _, p := range st.SortedPartitions(func(p *model.Partition) bool { return p.IsMgmt }) {
		rev = p.Rev
		break
	}
	if keys != nil && keys.Rev > rev {
		rev = keys.Rev
	}
	return rev
}

// ConsoleEtag is the etag of the console's entry.
func ConsoleEtag(st *model.State, keys *model.ConsoleKeys) string {
	return EtagOf(ConsoleRev(st, keys))
}
