// Package storetest is the one conformance suite every store backend passes.
//
// A backend's test calls Run with a constructor of fresh, migrated, empty
// stores. The tests are the exported methods of *Suite whose names start with
// "Test" and whose signature is func(*testing.T); Run finds them by
// reflection, so an area adds its tests by adding a file with such methods
// (storetest/users.go: func (s *Suite) TestUsersCreate(t *testing.T)) and
// nobody edits a shared list. Name them Test<Area><What>.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// Suite holds the backend under test. Its Test* methods are the suite.
type Suite struct {
	newStore func(t *testing.T) store.Store
}

// Run runs every Test* method of Suite as a parallel subtest, each on its own
// store from newStore. newStore must return an empty store with the schema
// applied and arrange its closing with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := &Suite{newStore: newStore}
	v := reflect.ValueOf(s)
	typ := v.Type()
	ran := 0
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		if !strings.HasPrefix(name, "Test") {
			continue
		}
		fn, ok := v.Method(i).Interface().(func(*testing.T))
		if !ok {
			t.Errorf("storetest: %s must have the signature func(*testing.T)", name)
			continue
		}
		ran++
		t.Run(strings.TrimPrefix(name, "Test"), func(t *testing.T) {
			t.Parallel()
			fn(t)
		})
	}
	if ran == 0 {
		t.Fatal("storetest: no tests found")
	}
}

// Store returns a fresh store for one test.
func (s *Suite) Store(t *testing.T) store.Store {
	t.Helper()
	return s.newStore(t)
}

// T0 is the suite's reference time: UTC, with microseconds (the precision
// every backend keeps) so that round trips compare equal.
var T0 = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

// Account IDs used by the suite.
const (
	Account1 = "111111111111"
	Account2 = "222222222222"
)

// NewAccount creates account id (created at T0) in st.
func NewAccount(t *testing.T, st store.Store, id string) {
	t.Helper()
	MustTx(t, st, func(tx store.Txn) error {
		return tx.CreateAccount(t.Context(), store.Account{ID: id, CreatedAt: T0})
	})
}

// MustTx runs fn in st.Tx and fails the test on error.
func MustTx(t *testing.T, st store.Store, fn func(store.Txn) error) {
	t.Helper()
	if err := st.Tx(t.Context(), fn); err != nil {
		t.Fatalf("Tx: %v", err)
	}
}

// MustView runs fn in st.View and fails the test on error.
func MustView(t *testing.T, st store.Store, fn func(store.Txn) error) {
	t.Helper()
	if err := st.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// Revision reads the account's revision.
func Revision(t *testing.T, st store.Store, accountID string) int64 {
	t.Helper()
	var rev int64
	MustView(t, st, func(tx store.Txn) error {
		var err error
		rev, err = tx.Revision(t.Context(), accountID)
		return err
	})
	return rev
}

// ExpectBump runs fn in a Tx that must succeed and checks that it raised the
// account's revision. Area tests wrap each write method in it.
func ExpectBump(t *testing.T, st store.Store, accountID string, fn func(ctx context.Context, tx store.Txn) error) {
	t.Helper()
	before := Revision(t, st, accountID)
	MustTx(t, st, func(tx store.Txn) error { return fn(t.Context(), tx) })
	if after := Revision(t, st, accountID); after <= before {
		t.Fatalf("revision did not increase: before %d, after %d", before, after)
	}
}

// WantErr fails the test unless errors.Is(err, want) (want nil: err nil).
func WantErr(t *testing.T, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error = %v, want %v", err, want)
	}
}

// Get runs fn in a View and returns its value; for one-line reads in tests.
func Get[T any](t *testing.T, st store.Store, fn func(ctx context.Context, tx store.Txn) (T, error)) (T, error) {
	t.Helper()
	var out T
	err := st.View(t.Context(), func(tx store.Txn) error {
		var err error
		out, err = fn(t.Context(), tx)
		return err
	})
	return out, err
}

// CollectPages calls list with pages of limit items, following the
// continuation key (key of the last item) until list reports no more, and
// returns everything listed. It fails the test when a page exceeds the limit,
// is empty while more are reported, or pagination does not end. Area tests
// use it for every paginated List method.
func CollectPages[T any](t *testing.T, st store.Store, limit int,
	list func(ctx context.Context, tx store.Txn, p store.Page) ([]T, bool, error), key func(T) string) []T {
	t.Helper()
	var all []T
	p := store.Page{Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatal("pagination does not terminate")
		}
		var items []T
		var more bool
		MustView(t, st, func(tx store.Txn) error {
			var err error
			items, more, err = list(t.Context(), tx, p)
			return err
		})
		if limit > 0 && len(items) > limit {
			t.Fatalf("page of %d items, limit %d", len(items), limit)
		}
		all = append(all, items...)
		if !more {
			return all
		}
		if len(items) == 0 {
			t.Fatal("empty page reports more items")
		}
		next := key(items[len(items)-1])
		if next <= p.After && p.After != "" {
			t.Fatalf("continuation key %q does not advance past %q", next, p.After)
		}
		p.After = next
	}
}

// errTest is returned by closures that must roll back.
var errTest = fmt.Errorf("storetest: closure failed on purpose")
