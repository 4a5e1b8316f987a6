package core

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"golang.org/x/crypto/bcrypt"

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

// EnsureUser creates the account when it does not exist. With an empty
// password a random one is generated and returned (created reports whether
// the account was new).
func (c *Core) EnsureUser(name, role, password string) (generated string, created bool, err error) {
	if !userNameRE.MatchString(name) {
		return "", false, fmt.Errorf("user name %q is not valid", name)
	}
	raw, err := c.store.Get(store.BucketUsers, name)
	if err != nil {
		return "", false, err
	}
	if raw != nil {
		return "", false, nil
	}
	if password == "" {
		b := make([]byte, 15)
		if _, err := rand.Read(b); err != nil {
			return "", false, err
		}
		password = base64.RawURLEncoding.EncodeToString(b)
		generated = password
	}
	if err := c.SetPassword(name, role, password); err != nil {
		return "", false, err
	}
	return generated, true, nil
}

// SetPassword creates or replaces an account.
func (c *Core) SetPassword(name, role, password string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	b, err := json.Marshal(User{Name: name, Role: role, Hash: hash})
	if err != nil {
		return err
	}
	return c.store.Update([]store.Change{{Bucket: store.BucketUsers, Key: name, Value: b}})
}

// Authenticate checks a password and returns the account.
func (c *Core) Authenticate(name, password string) (*User, error) {
	u, err := c.LookupUser(name)
	if err != nil {
		return nil, err
	}
	if u == nil || bcrypt.CompareHashAndPassword(u.Hash, []byte(password)) != nil {
		return nil, ErrBadCredentials
	}
	return u, nil
}

// LookupUser returns an account (nil when there is none).
func (c *Core) LookupUser(name string) (*User, error) {
	raw, err := c.store.Get(store.BucketUsers, name)
	if err != nil || raw == nil {
		return nil, err
	}
	var u User
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, err
	}
	return &u, nil
}
