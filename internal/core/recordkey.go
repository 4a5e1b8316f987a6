package core

import (
	"strconv"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/store"
)

// recordKey is the key of an object's record in the state file: its model
// key, but for partitions, whose key is their partition ID (zero-padded to
// five digits, so that the keys sort as the IDs do) then "/" and the UUID.
//
// Why: bbolt keeps a bucket's records in key order, and a transaction
// rewrites every page it touches, with the branch pages above it. Keyed
// by UUID, every new partition lands on a page of its own (UUIDs are
// random): a transaction of 15 creates wrote some 35 pages. New
// partitions take the lowest free ID, which in a stream of creates is the
// next one, so keyed by ID they are appended to the same last page or two:
// about 11 pages per transaction, half the store's CPU per create. A
// partition's ID never changes (PartitionID is create-only), so neither
// does its key; finish still moves a record whose key would change.
func recordKey(o model.Object) string {
	if p, ok := o.(*model.Partition); ok {
		return partitionRecordKey(p.ID, p.UUID)
	}
	return o.Key()
}

func partitionRecordKey(id int, uuid string) string {
	b := make([]byte, 0, 6+len(uuid))
	s := strconv.Itoa(id)
	for i := len(s); i < 5; i++ {
		b = append(b, '0')
	}
	b = append(b, s...)
	b = append(b, '/')
	return string(append(b, uuid...))
}

// rekey returns the changes that move a record read under key to the key
// recordKey gives o (none when it is there already): a state file written
// before partitions were keyed by ID has them under their UUIDs. value is
// copied (the store's slices are valid only during its ForEach).
func rekey(bucket, key string, value []byte, o model.Object) []store.Change {
	k := recordKey(o)
	if k == key {
		return nil
	}
	return []store.Change{{Bucket: bucket, Key: key}, {Bucket: bucket, Key: k, Value: append([]byte(nil), value...)}}
}
