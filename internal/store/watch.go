package store

import (
	"context"
	"sync"
)

// Change tells that a committed transaction raised an account's revision to
// Revision. A Change with an empty AccountID is a resync: changes may have
// been missed (a dropped connection, a full buffer), so the receiver must
// re-read the revisions it relies on.
type Change struct {
	AccountID string
	Revision  int64
}

// Resync reports whether c asks the receiver to re-read every revision.
func (c Change) Resync() bool { return c.AccountID == "" }

// Watcher is implemented by stores that announce committed changes. Caches
// of derived data (authz's compiled policy sets) learn from it that an
// account's revision moved without reading the revision on every request.
//
// Changes committed through this store value are delivered before Tx
// returns (so one node reads its own writes); changes committed by other
// processes sharing the database arrive best effort (PostgreSQL:
// LISTEN/NOTIFY). Whenever a change may have been lost the watcher delivers
// a resync Change, and receivers should still re-read revisions
// periodically as a safety net.
type Watcher interface {
	// Watch calls fn for every change until ctx is done. fn runs in the
	// goroutine that committed or received the change: it must be quick,
	// must not block and must not call the store.
	Watch(ctx context.Context, fn func(Change))
}

// Hub fans changes out to the functions given to Watch. Backends embed one
// and call Publish after each commit. The zero value is ready to use.
type Hub struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(Change)
}

// Watch implements Watcher.
func (h *Hub) Watch(ctx context.Context, fn func(Change)) {
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[int]func(Change){}
	}
	id := h.next
	h.next++
	h.subs[id] = fn
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, id)
		h.mu.Unlock()
	})
}

// Publish calls every watcher's function with each change.
func (h *Hub) Publish(changes ...Change) {
	if len(changes) == 0 {
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, fn := range h.subs {
		for _, c := range changes {
			fn(c)
		}
	}
}
