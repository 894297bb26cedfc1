// Package store declares the backend-neutral persistence interface of iamd:
// transactions as closures (Store), one narrow interface per area (declared in
// that area's file together with its record types) and the sentinel errors
// every backend returns. Backends live in subpackages (sqlite/, postgres/)
// and all pass the one conformance suite in storetest/.
//
// See README.md in this directory for the conventions area owners follow.
package store

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Store is a transactional backend.
//
// Both Tx and View run fn inside one transaction and may run it MORE THAN
// ONCE: when the backend reports a serialization failure or a busy database,
// the transaction is rolled back and fn is called again (bounded attempts with
// backoff). fn must therefore have no effects outside the Txn (no sending
// on channels, no appending to outer slices without resetting them first) and
// must derive everything it returns from what it reads in this attempt.
// Callers never see the retryable failures unless every attempt failed.
//
// fn must not call Tx or View on the same Store (the nested call could wait
// forever for the connection its caller holds).
type Store interface {
	// Tx runs fn in a read-write transaction at serializable isolation: a
	// closure that reads, checks an invariant (a quota, an absent name) and
	// then writes behaves as if no other transaction ran concurrently. If fn
	// returns an error the transaction is rolled back and that error is
	// returned unchanged (errors.Is/As work on it). Every committed Tx that
	// wrote rows of an account increments that account's revision once
	// (usage bookkeeping such as RecordAccessKeyUse excepted).
	Tx(ctx context.Context, fn func(Txn) error) error
	// View runs fn in a read-only transaction (a consistent snapshot). Write
	// methods called inside View fail.
	View(ctx context.Context, fn func(Txn) error) error
	// Migrate brings the schema up to date; it is idempotent.
	Migrate(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}

// Txn is everything a transaction can do: the union of the per-area
// interfaces. Each area declares its interface in its own file
// (store/<area>.go); this list does not change when an area grows.
type Txn interface {
	AccountStore
	AccessKeyStore
	TagStore
	UserStore
	GroupStore
	LoginProfileStore
	RoleStore
	InstanceProfileStore
	OIDCProviderStore
	PolicyStore
	InlinePolicyStore
	MFAStore
	STSStore
	AuditStore
}

// Sentinel errors. Backends wrap them (fmt.Errorf("%w: ...", ErrNotFound))
// so that errors.Is works whatever the backend; the domain turns them into
// AWS errors (iam.NoSuchEntity, iam.EntityAlreadyExists, ...).
var (
	// ErrNotFound: the row addressed by a Get/Update/Delete does not exist,
	// or a row being inserted references a parent that does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique constraint was violated (the name, ID or alias is
	// taken).
	ErrConflict = errors.New("store: conflict")
	// ErrRetryable marks a transient failure (serialization failure, busy
	// database). Tx and View retry closures that fail with it; a closure may
	// also return it on purpose to be run again. It reaches a caller only
	// after the last attempt failed.
	ErrRetryable = errors.New("store: retryable transaction failure")
	// ErrReadOnly: a write was attempted inside View.
	ErrReadOnly = errors.New("store: write in a read-only transaction")
)

// Page selects one page of a List method. Lists are ordered by their sort
// key (for named entities: NameKey(name), then the name itself; each List
// method documents its key). After is exclusive: the page starts with the
// first item whose sort key is greater than After ("" = from the start).
// Limit is the maximum number of items; 0 means no limit.
type Page struct {
	After string
	Limit int
}

// Truncate cuts items, fetched with a limit of p.Limit+1, to p.Limit and
// reports whether more items follow. Backends query one row more than asked
// so that "is there a next page" costs nothing extra.
func Truncate[T any](items []T, p Page) ([]T, bool) {
	if p.Limit > 0 && len(items) > p.Limit {
		return items[:p.Limit], true
	}
	return items, false
}

// FetchLimit is how many rows a backend fetches for page p (one more than
// the page holds, see Truncate), or 0 when the page is unlimited.
func (p Page) FetchLimit() int {
	if p.Limit <= 0 {
		return 0
	}
	return p.Limit + 1
}

// NameKey is the case-folded form of an IAM name under which uniqueness is
// enforced and lists are ordered: IAM names are unique case-insensitively
// ("Alice" and "alice" cannot coexist) while the stored case is returned.
// Every backend and the domain use this one function so that lookups agree.
func NameKey(name string) string { return strings.ToLower(name) }

// UTC normalises a time for storage: UTC, truncated to microseconds (the
// precision every backend can store, so that all backends return the same
// value).
func UTC(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
