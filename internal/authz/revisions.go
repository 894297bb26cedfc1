package authz

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// DefaultRevisionCheck is how often WatchedRevisions re-reads every
// revision it holds when no change announcement arrives: the bound on how
// long a lost notification leaves a node deciding on stale policies.
const DefaultRevisionCheck = 5 * time.Second

// WatchedRevisions is a Revisions that answers from memory: it reads an
// account's revision from src once, then follows the store's change
// announcements (store.Watcher), re-reading everything on a resync and every
// check interval as a safety net. The decision path of a cached principal
// then makes no store round trip.
//
// Changes committed through this node are known before the write's Tx
// returns (the store delivers them synchronously), so one node always reads
// its own writes; other nodes' changes arrive as fast as the store announces
// them (PostgreSQL: NOTIFY, milliseconds). Once ctx ends, every call reads
// src.
type WatchedRevisions struct {
	src Revisions
	ctx context.Context
	log *slog.Logger

	mu   sync.Mutex
	revs map[string]int64
	// resync wakes the checker for a full re-read (capacity 1: requests
	// coalesce).
	resync chan struct{}
}

// WatchRevisions starts following w's changes until ctx ends; check is the
// safety-net interval (0: DefaultRevisionCheck). log may be nil.
func WatchRevisions(ctx context.Context, src Revisions, w store.Watcher, check time.Duration, log *slog.Logger) *WatchedRevisions {
	if check <= 0 {
		check = DefaultRevisionCheck
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &WatchedRevisions{src: src, ctx: ctx, log: log, revs: map[string]int64{}, resync: make(chan struct{}, 1)}
	// Subscribe before returning: no change committed after this call is
	// missed.
	w.Watch(ctx, r.observe)
	go r.check(check)
	return r
}

// observe is the store's callback: quick, never blocking.
func (r *WatchedRevisions) observe(c store.Change) {
	if c.Resync() {
		select {
		case r.resync <- struct{}{}:
		default:
		}
		return
	}
	r.raise(c.AccountID, c.Revision)
}

// raise records rev for acct unless a newer one is known. Accounts not yet
// asked about are recorded too: a reader that read an older revision before
// the announcement then keeps the newer one.
func (r *WatchedRevisions) raise(acct string, rev int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.revs[acct]; ok && cur >= rev {
		return cur
	}
	r.revs[acct] = rev
	return rev
}

// Revision implements Revisions.
func (r *WatchedRevisions) Revision(ctx context.Context, acct string) (int64, error) {
	live := r.ctx.Err() == nil
	if live {
		r.mu.Lock()
		rev, ok := r.revs[acct]
		r.mu.Unlock()
		if ok {
			return rev, nil
		}
	}
	rev, err := r.src.Revision(ctx, acct)
	if err != nil || !live {
		return rev, err
	}
	return r.raise(acct, rev), nil
}

func (r *WatchedRevisions) check(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		case <-r.resync:
		}
		r.refresh()
	}
}

// refresh re-reads every revision held. An account that no longer exists
// is forgotten (a new one of the same ID starts from its own revision).
func (r *WatchedRevisions) refresh() {
	r.mu.Lock()
	accts := make([]string, 0, len(r.revs))
	for a := range r.revs {
		accts = append(accts, a)
	}
	r.mu.Unlock()
	for _, a := range accts {
		rev, err := r.src.Revision(r.ctx, a)
		switch {
		case errors.Is(err, store.ErrNotFound):
			r.mu.Lock()
			delete(r.revs, a)
			r.mu.Unlock()
		case err != nil:
			if r.ctx.Err() == nil {
				r.log.Warn("authz: re-reading an account revision failed; keeping the last known", "account", a, "error", err)
			}
		default:
			r.raise(a, rev)
		}
	}
}
