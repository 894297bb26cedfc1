package audit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/sqlite"
)

var t0 = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

const acct = "123456789012"

func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamd.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newRecorder(t testing.TB, cfg audit.Config) *audit.Recorder {
	t.Helper()
	r, err := audit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func event(i int) store.AuditEvent {
	return store.AuditEvent{Time: t0.Add(time.Duration(i) * time.Second), RequestID: fmt.Sprintf("req-%d", i), AccountID: acct,
		PrincipalARN: "arn:aws:iam::" + acct + ":user/alice", Service: "iam", Action: "iam:GetUser", Decision: store.AuditAllow, Status: 200}
}

func list(t testing.TB, st store.Store) []store.AuditEvent {
	t.Helper()
	var evs []store.AuditEvent
	if err := st.View(context.Background(), func(tx store.Txn) error {
		var err error
		evs, _, err = tx.ListAuditEvents(context.Background(), store.AuditFilter{}, store.Page{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return evs
}

// gatedStore counts transactions; while gate is open (non-nil), each Tx
// waits for it.
type gatedStore struct {
	store.Store
	txs     atomic.Int32
	entered chan struct{}
	gate    chan struct{}
	fail    error
}

func (g *gatedStore) Tx(ctx context.Context, fn func(store.Txn) error) error {
	g.txs.Add(1)
	if g.entered != nil {
		select {
		case g.entered <- struct{}{}:
		default:
		}
	}
	if g.gate != nil {
		<-g.gate
	}
	if g.fail != nil {
		return g.fail
	}
	return g.Store.Tx(ctx, fn)
}

func TestRecordCommitsBeforeReturning(t *testing.T) {
	st := openStore(t)
	r := newRecorder(t, audit.Config{Store: st})
	if err := r.Record(context.Background(), []store.AuditEvent{event(1), event(2)}, audit.KeyUse{}); err != nil {
		t.Fatal(err)
	}
	evs := list(t, st)
	if len(evs) != 2 || evs[0].RequestID != "req-1" || evs[1].RequestID != "req-2" || evs[0].ID == "" || evs[0].ID >= evs[1].ID {
		t.Fatalf("committed %+v", evs)
	}
}

// TestRecordGroupsConcurrentCalls: calls queued while a commit runs share
// the next one.
func TestRecordGroupsConcurrentCalls(t *testing.T) {
	g := &gatedStore{Store: openStore(t), entered: make(chan struct{}, 1), gate: make(chan struct{})}
	r := newRecorder(t, audit.Config{Store: g})
	var wg sync.WaitGroup
	errs := make(chan error, 51)
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs <- r.Record(context.Background(), []store.AuditEvent{event(0)}, audit.KeyUse{})
	}()
	<-g.entered // the first commit holds the store
	for i := 1; i <= 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- r.Record(context.Background(), []store.AuditEvent{event(i)}, audit.KeyUse{})
		}()
	}
	time.Sleep(100 * time.Millisecond) // let them queue
	close(g.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(list(t, g.Store)); n != 51 {
		t.Fatalf("%d events committed, want 51", n)
	}
	if n := g.txs.Load(); n > 3 {
		t.Errorf("51 concurrent calls took %d transactions; want them grouped", n)
	}
}

func TestRecordFailsWhenTheStoreFails(t *testing.T) {
	g := &gatedStore{Store: openStore(t), fail: errors.New("disk I/O error")}
	r := newRecorder(t, audit.Config{Store: g})
	err := r.Record(context.Background(), []store.AuditEvent{event(1)}, audit.KeyUse{})
	if err == nil || !errors.Is(err, g.fail) {
		t.Fatalf("Record = %v, want the store's error", err)
	}
	if n := len(list(t, g.Store)); n != 0 {
		t.Errorf("%d events stored", n)
	}
}

type badSink struct{}

func (badSink) WriteEvents([]store.AuditEvent) error { return errors.New("sink full") }

func TestRecordFailsWhenTheSinkFails(t *testing.T) {
	r := newRecorder(t, audit.Config{Store: openStore(t), Sink: badSink{}})
	if err := r.Record(context.Background(), []store.AuditEvent{event(1)}, audit.KeyUse{}); err == nil {
		t.Fatal("Record succeeded with a failing sink")
	}
}

// TestRecordKeyUse: the commit that stores the events sets the key's last
// use, without moving the account revision; a deleted key is no error.
func TestRecordKeyUse(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	key := "AKIAAAAAAAAAAAAAAAAA"
	if err := st.Tx(ctx, func(tx store.Txn) error {
		if err := tx.CreateAccount(ctx, store.Account{ID: acct, CreatedAt: t0}); err != nil {
			return err
		}
		return tx.CreateAccessKey(ctx, store.AccessKey{ID: key, AccountID: acct, Status: store.AccessKeyActive, SecretSealed: []byte("x"), CreatedAt: t0})
	}); err != nil {
		t.Fatal(err)
	}
	var before int64
	st.View(ctx, func(tx store.Txn) error { before, _ = tx.Revision(ctx, acct); return nil })
	r := newRecorder(t, audit.Config{Store: st})
	use := audit.KeyUse{AccessKeyID: key, At: t0.Add(time.Minute), Service: "iam", Region: "eu-west-1"}
	if err := r.Record(ctx, []store.AuditEvent{event(60)}, use); err != nil {
		t.Fatal(err)
	}
	if err := r.Record(ctx, []store.AuditEvent{event(61)}, audit.KeyUse{AccessKeyID: "AKIAGONEGONEGONEGONE", At: t0, Service: "iam"}); err != nil {
		t.Fatalf("a deleted key failed the request: %v", err)
	}
	var k store.AccessKey
	var after int64
	st.View(ctx, func(tx store.Txn) error {
		k, _ = tx.GetAccessKey(ctx, key)
		after, _ = tx.Revision(ctx, acct)
		return nil
	})
	if !k.LastUsedAt.Equal(use.At) || k.LastUsedService != "iam" || k.LastUsedRegion != "eu-west-1" {
		t.Errorf("last use %v %s %s", k.LastUsedAt, k.LastUsedService, k.LastUsedRegion)
	}
	if after != before {
		t.Errorf("revision moved from %d to %d", before, after)
	}
}

func TestRecordAfterClose(t *testing.T) {
	st := openStore(t)
	r, err := audit.New(audit.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Record(context.Background(), []store.AuditEvent{event(1)}, audit.KeyUse{}); err != nil {
		t.Fatal(err)
	}
	r.Close()
	r.Close() // idempotent
	if err := r.Record(context.Background(), []store.AuditEvent{event(2)}, audit.KeyUse{}); !errors.Is(err, audit.ErrClosed) {
		t.Fatalf("Record after Close = %v", err)
	}
}

func TestIDsOrderByTime(t *testing.T) {
	r := newRecorder(t, audit.Config{Store: openStore(t)})
	a, b, c := r.NewID(t0.Add(time.Second)), r.NewID(t0), r.NewID(t0)
	if !(b < c && c < a) || len(a) != len(b) {
		t.Errorf("IDs %s %s %s do not order by time, then by sequence", a, b, c)
	}
}

func TestFileSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	f, err := audit.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder(t, audit.Config{Store: openStore(t), Sink: f})
	for i := range 3 {
		if err := r.Record(context.Background(), []store.AuditEvent{event(i)}, audit.KeyUse{}); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	sc := bufio.NewScanner(in)
	n := 0
	for sc.Scan() {
		var e audit.JSONEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.RequestID != fmt.Sprintf("req-%d", n) || e.Resources == nil || e.Statements == nil {
			t.Errorf("line %d: %+v", n, e)
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d lines", n)
	}
	f.Close()
	if err := r.Record(context.Background(), []store.AuditEvent{event(9)}, audit.KeyUse{}); err == nil {
		t.Error("Record succeeded with the file closed")
	}
}

func TestPruneAndRetention(t *testing.T) {
	st := openStore(t)
	r := newRecorder(t, audit.Config{Store: st})
	var evs []store.AuditEvent
	for i := range 10 {
		e := event(0)
		e.Time = t0.Add(time.Duration(i) * 24 * time.Hour)
		evs = append(evs, e)
	}
	if err := r.Record(context.Background(), evs, audit.KeyUse{}); err != nil {
		t.Fatal(err)
	}
	n, err := audit.Prune(context.Background(), st, t0.Add(3*24*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("Prune = %d, %v; want 3", n, err)
	}
	// RunRetention prunes at once: keep 2 days before "now" = day 9.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		audit.RunRetention(ctx, st, func() time.Time { return t0.Add(9 * 24 * time.Hour) }, 48*time.Hour, time.Hour, nil)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(list(t, st)) != 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if got := list(t, st); len(got) != 3 || !got[0].Time.Equal(t0.Add(7*24*time.Hour)) {
		t.Errorf("after retention: %d events, first at %v", len(got), got[0].Time)
	}
	// Retention 0 or less keeps everything and returns at once.
	audit.RunRetention(context.Background(), st, time.Now, 0, time.Hour, nil)
}

func TestNotes(t *testing.T) {
	ctx := context.Background()
	audit.Note(ctx, audit.Decision{Action: "x"}) // no collector: nothing happens
	if audit.Noting(ctx) {
		t.Error("Noting without WithNotes")
	}
	ctx, n := audit.WithNotes(ctx)
	res := []string{"a"}
	audit.Note(ctx, audit.Decision{Action: "iam:GetUser", Resources: res})
	res[0] = "changed"
	ds := n.Decisions()
	if !audit.Noting(ctx) || len(ds) != 1 || ds[0].Resources[0] != "a" {
		t.Errorf("notes %+v", ds)
	}
}

// TestLoneCallersDoNotWait: the writer waits for more callers only after a
// commit shared by several; one caller at a time is committed at once
// (with an hour of Linger, a wait would fail the test by its deadline).
func TestLoneCallersDoNotWait(t *testing.T) {
	r := newRecorder(t, audit.Config{Store: openStore(t), Linger: time.Hour})
	done := make(chan error, 1)
	go func() {
		for i := range 5 {
			if err := r.Record(context.Background(), []store.AuditEvent{event(i)}, audit.KeyUse{}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("sequential callers waited for company")
	}
}

// syncGatedStore is a store.DeferredSyncer whose commits become durable
// when the test says so (or fail to).
type syncGatedStore struct {
	store.Store
	gate chan struct{}
	fail error
}

func (s *syncGatedStore) TxDeferSync(ctx context.Context, fn func(store.Txn) error) (func() error, error) {
	if err := s.Store.Tx(ctx, fn); err != nil {
		return nil, err
	}
	return func() error {
		<-s.gate
		return s.fail
	}, nil
}

// TestRecordWaitsUntilDurable: with a store that commits first and syncs
// later, Record returns only once its commit is durable, and fails when
// the sync fails, although the events were committed.
func TestRecordWaitsUntilDurable(t *testing.T) {
	for _, fail := range []error{nil, errors.New("fsync: input/output error")} {
		s := &syncGatedStore{Store: openStore(t), gate: make(chan struct{}), fail: fail}
		r := newRecorder(t, audit.Config{Store: s})
		done := make(chan error, 1)
		go func() { done <- r.Record(context.Background(), []store.AuditEvent{event(1)}, audit.KeyUse{}) }()
		select {
		case err := <-done:
			t.Fatalf("Record returned before the commit was durable: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		close(s.gate)
		err := <-done
		if fail == nil && err != nil || fail != nil && !errors.Is(err, fail) {
			t.Errorf("sync error %v: Record = %v", fail, err)
		}
	}
}
