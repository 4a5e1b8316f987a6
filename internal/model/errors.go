package model

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the transports: the REST API maps it to an
// HTTP status, the CLIs to an exit code.
type Kind int

const (
	// KindInvalid: the request itself is wrong (400).
	KindInvalid Kind = iota + 1
	// KindNotFound: the object does not exist (404).
	KindNotFound
	// KindRefused: valid, but not allowed in the current state (409).
	KindRefused
	// KindStale: the etag the client sent is not current (412).
	KindStale
	// KindBusy: the server cannot take it now; retry (503).
	KindBusy
	// KindInternal: our fault (500).
	KindInternal
	// KindForbidden: the caller may not act on this object (403).
	KindForbidden
)

// Error is a PowerVM-style error: a message ID and a text, printed as
// "[PVMEnnnnnnnn-nnnn] text".
type Error struct {
	ID   string
	Msg  string
	Kind Kind
}

func (e *Error) Error() string { return "[" + e.ID + "] " + e.Msg }

// Is makes errors.Is match errors with the same message ID.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.ID == e.ID
}

// KindOf returns the kind of err (KindInternal when err is not an *Error).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

func newErr(kind Kind, id, format string, args ...any) *Error {
	return &Error{ID: id, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// The message catalog. IDs quoted in protocol.md and the overview are the
// real ones (clients look for them); the rest follow the same scheme.
// Validation of partition definitions: PVME0105010x.
func ErrNameInUse(name string) *Error {
	return newErr(KindInvalid, "PVME01050101-0001", "The partition name %s is already in use by another partition on the managed system.", name)
}
func ErrNameInvalid(name, why string) *Error {
	return newErr(KindInvalid, "PVME01050102-0002", "The partition name %q is not valid: %s.", name, why)
}
func ErrIDOutOfRange(id, max int) *Error {
	return newErr(KindInvalid, "PVME01050103-0003", "The partition ID %d is not valid. Partition IDs must be between 1 and %d.", id, max)
}
func ErrIDInUse(id int) *Error {
	return newErr(KindInvalid, "PVME01050103-0004", "The partition ID %d is already in use on the managed system.", id)
}
func ErrNoFreeID(max int) *Error {
	return newErr(KindRefused, "PVME01050103-0005", "The managed system already has the maximum number of partitions (%d).", max)
}
func ErrMemRegion(field string, mb, region int) *Error {
	return newErr(KindInvalid, "PVME01050104-0006", "The %s memory %d MB is not a multiple of the memory region size %d MB.", field, mb, region)
}
func ErrMemOrder(min, desired, max int) *Error {
	return newErr(KindInvalid, "PVME01050105-0007", "The memory values are not valid: minimum (%d MB) must not exceed desired (%d MB), and desired must not exceed maximum (%d MB).", min, desired, max)
}
func ErrMemTooSmall(field string, mb, least int) *Error {
	return newErr(KindInvalid, "PVME01050105-0008", "The %s memory %d MB is less than the smallest allowed, %d MB.", field, mb, least)
}
func ErrMemTooLarge(mb, configurable int) *Error {
	return newErr(KindInvalid, "PVME01050105-0009", "The maximum memory %d MB exceeds the configurable memory of the managed system (%d MB).", mb, configurable)
}
func ErrUnitsPerVP(which string, units Units, vps int) *Error {
	return newErr(KindInvalid, "PVME01050106-0010", "The %s processing units (%s) are fewer than 0.05 per virtual processor for %d virtual processors.", which, units, vps)
}
func ErrUnitsAboveVP(which string, units Units, vps int) *Error {
	return newErr(KindInvalid, "PVME01050106-0011", "The %s processing units (%s) exceed one per virtual processor for %d virtual processors.", which, units, vps)
}
func ErrProcOrder(what, min, desired, max string) *Error {
	return newErr(KindInvalid, "PVME01050107-0012", "The %s values are not valid: minimum (%s) must not exceed desired (%s), and desired must not exceed maximum (%s).", what, min, desired, max)
}
func ErrProcTooLarge(what, value, limit string) *Error {
	return newErr(KindInvalid, "PVME01050107-0013", "The %s value %s exceeds the configurable processors of the managed system (%s).", what, value, limit)
}
func ErrBadValue(field, value, allowed string) *Error {
	return newErr(KindInvalid, "PVME01050108-0014", "The value %q is not valid for %s. Valid values: %s.", value, field, allowed)
}
func ErrWeight(w int) *Error {
	return newErr(KindInvalid, "PVME01050108-0015", "The uncapped weight %d is not valid. It must be between 0 and 255.", w)
}
func ErrMgmtCapable(typ PartitionType) *Error {
	return newErr(KindInvalid, "PVME01050108-0016", "PowerVM management capability can only be set on AIX/Linux partitions, not on %s partitions.", typ)
}
func ErrCreateOnly(field string) *Error {
	return newErr(KindInvalid, "PVME01050108-0017", "%s can only be set when the partition is created.", field)
}

// Resources: PVME0105020x.
func ErrNoMemory(name string, need, avail int) *Error {
	return newErr(KindRefused, "PVME01050201-0020", "There is not enough memory available to activate partition %s: it needs %d MB, the managed system has %d MB available.", name, need, avail)
}
func ErrNoProcUnits(name string, need, avail Units) *Error {
	return newErr(KindRefused, "PVME01050202-0021", "There are not enough processing units available to activate partition %s: it needs %s, the managed system has %s available.", name, need, avail)
}
func ErrNoProcs(name string, need, avail int) *Error {
	return newErr(KindRefused, "PVME01050202-0022", "There are not enough processors available to activate partition %s: it needs %d dedicated processors, the managed system has %d available.", name, need, avail)
}

// State: the real IDs clients match on.
func ErrNotPoweredOff() *Error {
	return newErr(KindRefused, "PVME01050010-0056", "This task is only allowed when the partition is powered off.")
}
func ErrAlreadyOn(name string) *Error {
	return newErr(KindRefused, "PVME01042026-0027", "Partition %s is already powered on.", name)
}
func ErrAlreadyOff(name string) *Error {
	return newErr(KindRefused, "PVME01050901-0028", "Partition %s is already powered off.", name)
}
func ErrNoRMC(name string) *Error {
	return newErr(KindRefused, "PVME01050905-0029", "The operating system shutdown of partition %s requires an active RMC connection, and the partition has none.", name)
}
func ErrBusy(name, state string) *Error {
	return newErr(KindRefused, "PVME01050902-0030", "Partition %s is %s; wait for the operation in progress to finish.", name, state)
}
func ErrMgmtPartition(what string) *Error {
	return newErr(KindRefused, "PVME01050903-0031", "The management partition cannot be %s.", what)
}
func ErrOpNotAllowed(name, state, op string) *Error {
	return newErr(KindRefused, "PVME01050904-0032", "Partition %s is in state %s; %s is not allowed in that state.", name, state, op)
}

// Lookup.
func ErrNoPartition(key string) *Error {
	return newErr(KindNotFound, "PVME01040100-0040", "The partition %s does not exist on the managed system.", key)
}
func ErrNoObject(typ, key string) *Error {
	return newErr(KindNotFound, "PVME01040101-0041", "The %s %s does not exist.", typ, key)
}

// Invalid returns a generic invalid-request error.
func Invalid(format string, args ...any) *Error {
	return newErr(KindInvalid, "PVME01040123-0042", format, args...)
}

// Forbidden says the caller may not act on an object that is not theirs.
func Forbidden(format string, args ...any) *Error {
	return newErr(KindForbidden, "PVME01040403-0045", format, args...)
}

// Refused returns a generic refusal.
func Refused(format string, args ...any) *Error {
	return newErr(KindRefused, "PVME01050999-0043", format, args...)
}

// Stale says the etag does not match.
func Stale(key string) *Error {
	return newErr(KindStale, "PVME01040412-0044", "The object %s was changed by another request (etag mismatch); read it again and retry.", key)
}

// Internal wraps an unexpected failure.
func Internal(format string, args ...any) *Error {
	return newErr(KindInternal, "PVME01099999-0099", format, args...)
}

// Unavailable says the server cannot take writes (e.g. its store failed).
func Unavailable(format string, args ...any) *Error {
	return newErr(KindBusy, "PVME01099998-0098", format, args...)
}
