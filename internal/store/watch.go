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
// Delivery is at least once for the changes committed through this store
// value (before Tx returns), and best effort for changes committed by other
// processes sharing the database (PostgreSQL: LISTEN/NOTIFY); whenever a
// change may have been lost the watcher sends a resync Change, and receivers
// must still re-read revisions periodically as a safety net.
type Watcher interface {
	// Changes delivers changes until ctx is done, then closes the channel.
	Changes(ctx context.Context) <-chan Change
}

// Hub fans changes out to the channels of Changes. Backends embed one and
// call Publish after each commit. The zero value is ready to use.
type Hub struct {
	mu   sync.Mutex
	subs map[chan Change]struct{}
}

// hubBuffer is each subscriber's buffer; a subscriber that falls this far
// behind gets a resync instead of the changes it missed.
const hubBuffer = 1024

// Changes implements Watcher.
func (h *Hub) Changes(ctx context.Context) <-chan Change {
	ch := make(chan Change, hubBuffer)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan Change]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		delete(h.subs, ch)
		close(ch)
		h.mu.Unlock()
	}()
	return ch
}

// Publish delivers changes to every subscriber without blocking: a full
// subscriber loses its oldest change and gets a resync in its place.
func (h *Hub) Publish(changes ...Change) {
	if len(changes) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		for _, c := range changes {
			select {
			case ch <- c:
			default:
				select {
				case <-ch:
				default:
				}
				select {
				case ch <- Change{}:
				default:
				}
			}
		}
	}
}
