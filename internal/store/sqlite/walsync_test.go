package sqlite

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

func auditEvent(i int) store.AuditEvent {
	return store.AuditEvent{ID: fmt.Sprintf("%016x", i), Time: time.Date(2026, 11, 30, 12, 0, 0, i*1000, time.UTC),
		RequestID: fmt.Sprintf("req-%d", i), Service: "iamd", Action: "iamd:Authorize", Status: 200}
}

// TestTxDeferSync: deferred commits are visible at once, durable returns
// once the WAL is synced (concurrently, sharing fsyncs), and the writer
// connection is back to synchronous=FULL for the other writes.
func TestTxDeferSync(t *testing.T) {
	st := openTemp(t, Options{})
	ctx := t.Context()
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		durable, err := st.TxDeferSync(ctx, func(tx store.Txn) error {
			return tx.AppendAuditEvents(ctx, []store.AuditEvent{auditEvent(i)})
		})
		if err != nil {
			t.Fatalf("TxDeferSync %d: %v", i, err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs <- durable() }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("durable: %v", err)
		}
	}
	st.wal.mu.Lock()
	written, synced := st.wal.written, st.wal.synced
	st.wal.mu.Unlock()
	if written != n || synced != n {
		t.Errorf("written %d, synced %d; want %d each", written, synced, n)
	}
	var got []store.AuditEvent
	err := st.View(ctx, func(tx store.Txn) error {
		var err error
		got, _, err = tx.ListAuditEvents(ctx, store.AuditFilter{}, store.Page{Limit: 100})
		return err
	})
	if err != nil || len(got) != n {
		t.Fatalf("listed %d events (%v), want %d", len(got), err, n)
	}
	var sync string
	if err := st.writer.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != "2" {
		t.Errorf("writer synchronous = %s (%v) after TxDeferSync, want 2 (FULL)", sync, err)
	}
}

// TestTxDeferSyncRollsBack: a failing closure commits nothing and returns
// its error unchanged.
func TestTxDeferSyncRollsBack(t *testing.T) {
	st := openTemp(t, Options{})
	ctx := t.Context()
	boom := errors.New("boom")
	durable, err := st.TxDeferSync(ctx, func(tx store.Txn) error {
		if err := tx.AppendAuditEvents(ctx, []store.AuditEvent{auditEvent(1)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || durable != nil {
		t.Fatalf("TxDeferSync = %v, %v; want boom and no durable", durable != nil, err)
	}
	err = st.View(ctx, func(tx store.Txn) error {
		got, _, err := tx.ListAuditEvents(ctx, store.AuditFilter{}, store.Page{Limit: 10})
		if err == nil && len(got) != 0 {
			err = fmt.Errorf("%d events after a rollback", len(got))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWALSyncFailureIsSticky: after a failed fsync no later commit is
// reported durable.
func TestWALSyncFailureIsSticky(t *testing.T) {
	dir := t.TempDir()
	w := &walSync{path: dir} // a directory: opening it read-write fails
	if err := w.wait(w.committed()); err == nil {
		t.Fatal("wait succeeded on an unsyncable path")
	}
	w.path = dir + "/wal"
	if err := os.WriteFile(w.path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := w.wait(w.committed()); err == nil {
		t.Fatal("wait succeeded after an earlier fsync failure")
	}
	ok := &walSync{path: w.path}
	if err := ok.wait(ok.committed()); err != nil {
		t.Fatalf("wait: %v", err)
	}
}
