package authz

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// countingRevisions is a Revisions over a map that counts its reads.
type countingRevisions struct {
	mu    sync.Mutex
	revs  map[string]int64
	reads int
}

func (c *countingRevisions) Revision(_ context.Context, acct string) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	rev, ok := c.revs[acct]
	if !ok {
		return 0, fmt.Errorf("%w: account %s", store.ErrNotFound, acct)
	}
	return rev, nil
}

func (c *countingRevisions) set(acct string, rev int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.revs[acct] = rev
}

func (c *countingRevisions) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

func TestWatchedRevisions(t *testing.T) {
	src := &countingRevisions{revs: map[string]int64{"111111111111": 3}}
	var hub store.Hub
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r := WatchRevisions(ctx, src, &hub, time.Hour, nil)

	get := func(acct string) int64 {
		t.Helper()
		rev, err := r.Revision(t.Context(), acct)
		if err != nil {
			t.Fatal(err)
		}
		return rev
	}
	// The first question reads the store, the next ones do not.
	if got := get("111111111111"); got != 3 {
		t.Fatalf("revision %d, want 3", got)
	}
	if got := get("111111111111"); got != 3 || src.count() != 1 {
		t.Fatalf("revision %d after %d reads, want 3 after 1", got, src.count())
	}
	// An announced change is known at once, without a read.
	hub.Publish(store.Change{AccountID: "111111111111", Revision: 4})
	if got := get("111111111111"); got != 4 || src.count() != 1 {
		t.Fatalf("revision %d after %d reads, want 4 after 1", got, src.count())
	}
	// An older announcement arriving late does not go back.
	hub.Publish(store.Change{AccountID: "111111111111", Revision: 2})
	if got := get("111111111111"); got != 4 {
		t.Fatalf("revision %d after a stale announcement, want 4", got)
	}
	// A change announced before anyone asked is kept over an older read.
	src.set("222222222222", 5)
	hub.Publish(store.Change{AccountID: "222222222222", Revision: 6})
	if got := get("222222222222"); got != 6 {
		t.Fatalf("revision %d, want 6", got)
	}
	// A resync re-reads what it holds (a lost announcement).
	src.set("111111111111", 9)
	hub.Publish(store.Change{})
	deadline := time.Now().Add(5 * time.Second)
	for get("111111111111") != 9 {
		if time.Now().After(deadline) {
			t.Fatal("resync did not re-read the revision")
		}
		time.Sleep(time.Millisecond)
	}
	// Unknown accounts are the source's answer.
	if _, err := r.Revision(t.Context(), "333333333333"); err == nil {
		t.Fatal("revision of an unknown account")
	}
	// After ctx ends every call reads the source.
	cancel()
	src.set("111111111111", 10)
	if got := get("111111111111"); got != 10 {
		t.Fatalf("revision %d after the watch ended, want 10 (read through)", got)
	}
}

// TestWatchedRevisionsPeriodicCheck: without any announcement the check
// interval re-reads the revisions (the safety net for a lost notification).
func TestWatchedRevisionsPeriodicCheck(t *testing.T) {
	src := &countingRevisions{revs: map[string]int64{"111111111111": 1}}
	var hub store.Hub
	r := WatchRevisions(t.Context(), src, &hub, 10*time.Millisecond, nil)
	if rev, err := r.Revision(t.Context(), "111111111111"); err != nil || rev != 1 {
		t.Fatalf("Revision = %d, %v", rev, err)
	}
	src.set("111111111111", 2)
	deadline := time.Now().Add(5 * time.Second)
	for {
		rev, err := r.Revision(t.Context(), "111111111111")
		if err != nil {
			t.Fatal(err)
		}
		if rev == 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the periodic check did not re-read the revision")
		}
		time.Sleep(time.Millisecond)
	}
}
