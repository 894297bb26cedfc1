package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/iamd/iamd/internal/store"
)

// TxDeferSync implements store.DeferredSyncer. The transaction commits with
// synchronous=NORMAL: SQLite writes its frames to the WAL file but does not
// fsync it, so the next transaction can start at once. durable then fsyncs
// the WAL file, which is what synchronous=FULL does at every commit in WAL
// mode: once it returns, the commit survives power loss as a FULL commit
// would. Concurrent calls of durable share one fsync, which covers every
// commit made before it started.
//
// Other writers (Tx) keep synchronous=FULL; the setting is switched on the
// one writer connection for this transaction only.
func (s *Store) TxDeferSync(ctx context.Context, fn func(store.Txn) error) (func() error, error) {
	s.audit.prepare(ctx, s.writer)
	var seq uint64
	err := s.run(ctx, func() error {
		var err error
		seq, err = s.attemptDeferred(ctx, fn)
		return err
	})
	if err != nil {
		return nil, err
	}
	return func() error { return s.wal.wait(seq) }, nil
}

// attemptDeferred is one attempt of TxDeferSync; it returns the commit's
// sequence number for walSync.wait.
func (s *Store) attemptDeferred(ctx context.Context, fn func(store.Txn) error) (seq uint64, err error) {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return 0, classify(fmt.Errorf("sqlite: begin: %w", err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous=NORMAL"); err != nil {
		return 0, classify(fmt.Errorf("sqlite: synchronous=NORMAL: %w", err))
	}
	defer func() {
		// Every other write commits with FULL. A connection whose setting
		// cannot be restored is discarded (the pool opens a new one with
		// the settings of Open).
		if _, rerr := conn.ExecContext(context.Background(), "PRAGMA synchronous=FULL"); rerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	if err := s.attempt(ctx, conn, false, fn); err != nil {
		return 0, err
	}
	// Still holding the writer: sequence numbers follow commit order.
	return s.wal.committed(), nil
}

// walSync makes deferred commits durable by fsyncing the WAL file, one
// fsync at a time, each covering every commit numbered before it started.
type walSync struct {
	path string // the database's WAL file

	mu      sync.Mutex
	cond    *sync.Cond
	written uint64 // deferred commits so far
	synced  uint64 // deferred commits known durable
	syncing bool
	failed  error // a failed fsync: sticky (see wait)
}

func (w *walSync) lock() {
	w.mu.Lock()
	if w.cond == nil {
		w.cond = sync.NewCond(&w.mu)
	}
}

// committed numbers a deferred commit.
func (w *walSync) committed() uint64 {
	w.lock()
	defer w.mu.Unlock()
	w.written++
	return w.written
}

// wait returns once commit seq is durable.
func (w *walSync) wait(seq uint64) error {
	w.lock()
	defer w.mu.Unlock()
	for w.synced < seq {
		if w.failed != nil {
			return w.failed
		}
		if w.syncing {
			// The fsync in flight may have started before seq was
			// committed: wait for it, then look again.
			w.cond.Wait()
			continue
		}
		w.syncing = true
		target := w.written
		w.mu.Unlock()
		err := w.sync()
		w.mu.Lock()
		w.syncing = false
		if err != nil {
			// After a failed fsync the kernel may have dropped the dirty
			// pages: a later fsync that succeeds proves nothing about
			// them. Every later wait fails too (the audit trail then
			// fails its requests) until the process restarts.
			w.failed = fmt.Errorf("sqlite: fsync %s: %w", w.path, err)
		} else {
			w.synced = max(w.synced, target)
		}
		w.cond.Broadcast()
	}
	return nil
}

// sync fsyncs the WAL file. The file is opened each time (an open costs
// microseconds next to an fsync) so that a WAL file recreated by SQLite is
// the one synced.
func (w *walSync) sync() error {
	f, err := os.OpenFile(w.path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		// SQLite deletes the WAL file only when its last connection
		// closes, after checkpointing it into the database file and
		// syncing that: the commits are durable there.
		return nil
	}
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}
