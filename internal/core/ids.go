package core

import (
	"hash/fnv"
	"math/rand/v2"
	"sync"

	"github.com/google/uuid"
)

// idSource makes the UUIDs of new objects from a seeded generator: under
// pvmd --seed the same requests in the same order make the same UUIDs, and
// an inventory's objects are the same on every build.
type idSource struct {
	mu  sync.Mutex
	rng *rand.ChaCha8
}

func newIDSource(seed uint64, salt string) *idSource {
	h := fnv.New64a()
	h.Write([]byte(salt))
	var key [32]byte
	for i := 0; i < 4; i++ {
		v := seed ^ h.Sum64()*uint64(i+1)
		for j := 0; j < 8; j++ {
			key[i*8+j] = byte(v >> (8 * j))
		}
	}
	return &idSource{rng: rand.NewChaCha8(key)}
}

func (s *idSource) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Read(p)
}

func (s *idSource) uuid() string {
	u, err := uuid.NewRandomFromReader(s)
	if err != nil {
		return uuid.NewString()
	}
	return u.String()
}

// NewUUID returns the UUID of a new object: from the core's seeded source
// when there is one, else random.
func (tx *Tx) NewUUID() string {
	if tx.ids != nil {
		return tx.ids.uuid()
	}
	return uuid.NewString()
}

// NewPartitionUUID returns the UUID of a new partition in PowerVM's form
// (upper case, the first bit clear: pypowervm refuses any other when it
// sets a partition's UUID).
func (tx *Tx) NewPartitionUUID() string { return PowerVMUUID(tx.NewUUID()) }
