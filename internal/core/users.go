package core

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/store"
)

// User is an account of the REST API.
type User struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Hash []byte `json:"hash"` // bcrypt
}

var userNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,31}$`)

// ErrBadCredentials is returned for an unknown user or a wrong password.
var ErrBadCredentials = errors.New("user ID or password not valid")

// userDB is the accounts of one space of a state file: a system's, or
// a fleet's HMC's.
type userDB struct {
	sp *store.Space
	// cost is the bcrypt cost of new passwords (Config.PasswordCost; 0:
	// bcrypt's default).
	cost int
	// The bounded pool of password checks.
	pwOnce           sync.Once
	pwSlots, pwQueue chan struct{}
	// unknown is what an unknown user's password is checked against.
	unknownOnce sync.Once
	unknown     []byte
}

// EnsureUser creates the account when it does not exist. With an empty
// password a random one is generated and returned (created reports whether
// the account was new).
func (c *Core) EnsureUser(name, role, password string) (generated string, created bool, err error) {
	return c.users.ensure(name, role, password)
}

func (u *userDB) ensure(name, role, password string) (generated string, created bool, err error) {
	if !userNameRE.MatchString(name) {
		return "", false, fmt.Errorf("user name %q is not valid", name)
	}
	raw, err := u.sp.Get(store.BucketUsers, name)
	if err != nil {
		return "", false, err
	}
	if raw != nil {
		return "", false, nil
	}
	if password == "" {
		if password, err = randomPassword(); err != nil {
			return "", false, err
		}
		generated = password
	}
	if err := u.set(name, role, password); err != nil {
		return "", false, err
	}
	return generated, true, nil
}

func randomPassword() (string, error) {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// SetPassword creates or replaces an account.
func (c *Core) SetPassword(name, role, password string) error {
	return c.users.set(name, role, password)
}

func (u *userDB) set(name, role, password string) error {
	b, err := userRecord(name, role, password, u.cost)
	if err != nil {
		return err
	}
	return u.sp.Update([]store.Change{{Bucket: store.BucketUsers, Key: name, Value: b}})
}

// userRecord is the stored record of an account, its password hashed at
// the cost given (0: bcrypt's default).
func userRecord(name, role, password string, cost int) ([]byte, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost(cost))
	if err != nil {
		return nil, err
	}
	return json.Marshal(User{Name: name, Role: role, Hash: hash})
}

// unknownUserHash is a bcrypt hash (cost 10, as SetPassword's) of a
// random password nobody knows: an unknown user's password is checked
// against it, so that a logon takes as long whether the user exists or
// not.
var unknownUserHash = []byte("$2a$10$IRn0Ykq9Q8BdUX1xq0Bbb.2NfgYbAW/qVG9uTE7vT1E3dYe3sERz2")

// compareHash checks a password against its hash (tests count the calls).
var compareHash = bcrypt.CompareHashAndPassword

// Password checks are bounded: at most passwordChecks run at once (half
// the processors: logons cannot take the CPU the API needs) and at most
// passwordWaiters wait for one; beyond, a logon is refused at once as
// busy (503) rather than queued without end.
var (
	passwordChecks  = max(1, runtime.GOMAXPROCS(0)/2)
	passwordWaiters = 64
)

// ErrLogonsBusy refuses a logon while too many are being checked.
var ErrLogonsBusy = model.Unavailable("Too many logons are being checked at this moment; try again in a few seconds.")

// passwordCost is the bcrypt cost of new passwords (Config.PasswordCost).
func passwordCost(cost int) int {
	if cost > 0 {
		return cost
	}
	return bcrypt.DefaultCost
}

// unknownHash is what an unknown user's password is checked against: a
// hash of the cost known users' have.
func (db *userDB) unknownHash() []byte {
	db.unknownOnce.Do(func() {
		db.unknown = unknownUserHash
		if passwordCost(db.cost) != bcrypt.DefaultCost {
			b := make([]byte, 24)
			_, _ = rand.Read(b)
			db.unknown, _ = bcrypt.GenerateFromPassword(b, passwordCost(db.cost))
		}
	})
	return db.unknown
}

// Authenticate checks a password and returns the account. Unknown users
// cost the same check as known ones.
func (c *Core) Authenticate(name, password string) (*User, error) {
	return c.users.authenticate(name, password)
}

func (db *userDB) authenticate(name, password string) (*User, error) {
	u, err := db.lookup(name)
	if err != nil {
		return nil, err
	}
	hash := db.unknownHash()
	if u != nil {
		hash = u.Hash
	}
	if err := db.checkPassword(hash, password); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, ErrBadCredentials
	}
	return u, nil
}

// checkPassword runs one bcrypt comparison in the bounded pool.
func (db *userDB) checkPassword(hash []byte, password string) error {
	db.pwOnce.Do(func() {
		db.pwSlots, db.pwQueue = make(chan struct{}, passwordChecks), make(chan struct{}, passwordChecks+passwordWaiters)
	})
	select {
	case db.pwQueue <- struct{}{}:
	default:
		return ErrLogonsBusy
	}
	defer func() { <-db.pwQueue }()
	db.pwSlots <- struct{}{}
	defer func() { <-db.pwSlots }()
	if compareHash(hash, []byte(password)) != nil {
		return ErrBadCredentials
	}
	return nil
}

// LookupUser returns an account (nil when there is none).
func (c *Core) LookupUser(name string) (*User, error) { return c.users.lookup(name) }

func (db *userDB) lookup(name string) (*User, error) {
	raw, err := db.sp.Get(store.BucketUsers, name)
	if err != nil || raw == nil {
		return nil, err
	}
	var u User
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, err
	}
	return &u, nil
}
