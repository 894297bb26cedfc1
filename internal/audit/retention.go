package audit

import (
	"context"
	"log/slog"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// DefaultRetention is how long events are kept unless configured.
const DefaultRetention = 90 * 24 * time.Hour

// DefaultPruneInterval is how often RunRetention prunes unless told.
const DefaultPruneInterval = time.Hour

// pruneBatch bounds the rows one prune transaction deletes, so that the
// store's write lock is never held for long.
const pruneBatch = 5000

// Prune deletes every event older than before, in bounded transactions, and
// returns how many it deleted.
func Prune(ctx context.Context, st store.Store, before time.Time) (int, error) {
	total := 0
	for {
		var n int
		err := st.Tx(ctx, func(tx store.Txn) error {
			var err error
			n, err = tx.PruneAuditEvents(ctx, before, pruneBatch)
			return err
		})
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}

// RunRetention prunes events older than retention now and then every
// interval until ctx ends. retention <= 0 keeps events forever (it returns
// at once). Several nodes sharing a store may all run it: deleting is
// idempotent.
func RunRetention(ctx context.Context, st store.Store, now func() time.Time, retention, interval time.Duration, log *slog.Logger) {
	if retention <= 0 {
		return
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if interval <= 0 {
		interval = DefaultPruneInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := Prune(ctx, st, now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("audit retention: prune failed", "error", err)
		case n > 0:
			log.Info("audit retention: pruned events", "deleted", n, "retention", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
