// Package sqlite is the embedded store backend on modernc.org/sqlite (pure
// Go). One database file in WAL mode; all writes go through a single
// connection and start with BEGIN IMMEDIATE, so read-check-write closures are
// serializable; reads use a separate pool of query-only connections.
//
// Area owners add their methods on *txn in sqlite/<area>.go and their schema
// in migrations/NNNN_<area>.sql (see ../README.md).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/store"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Options tune the backend; the zero value is usable.
type Options struct {
	// BusyTimeout is how long a connection waits for a lock held by another
	// process before failing with SQLITE_BUSY (which Tx then retries).
	// Default 5s.
	BusyTimeout time.Duration
	// ReadConns is the size of the read pool used by View. Default 4.
	ReadConns int
	// MaxAttempts bounds how often Tx and View run a closure that failed
	// with store.ErrRetryable. Default 10.
	MaxAttempts int
	// Backoff returns the pause before attempt n+1 after attempt n failed.
	// Default: exponential from 2ms, capped at 250ms, with full jitter.
	Backoff func(attempt int) time.Duration
	// Now stamps schema_migrations.applied_at. Default time.Now.
	Now func() time.Time
	// Migrate applies pending migrations in Open (`iamd serve`); without it
	// the caller runs Migrate (`iamd migrate`).
	Migrate bool
}

func (o *Options) setDefaults() {
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Backoff == nil {
		o.Backoff = defaultBackoff
	}
}

// defaultBackoff is exponential backoff with full jitter. The jitter only
// spreads competing writers apart; it needs no injected randomness because
// nothing observable depends on its value.
func defaultBackoff(attempt int) time.Duration {
	const base, ceiling = 2 * time.Millisecond, 250 * time.Millisecond
	d := base << min(attempt-1, 10)
	if d > ceiling {
		d = ceiling
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// Store is the SQLite backend. It implements store.Store.
type Store struct {
	writer *sql.DB // exactly one connection: writes are serialized
	reader *sql.DB // query-only pool for View
	opts   Options
	hub    store.Hub // committed changes, for Watch
	wal    walSync   // durability of TxDeferSync commits
	audit  auditStmts
}

var (
	_ store.Store          = (*Store)(nil)
	_ store.Watcher        = (*Store)(nil)
	_ store.DeferredSyncer = (*Store)(nil)
)

// Watch implements store.Watcher: one process owns the database, so every
// change is committed through this Store and delivered before Tx returns.
func (s *Store) Watch(ctx context.Context, fn func(store.Change)) { s.hub.Watch(ctx, fn) }

// Open opens (creating if needed) the database file at path. It does not
// change the schema unless opts.Migrate is set.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	opts.setDefaults()
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: invalid database path %q", path)
	}
	if !strings.HasPrefix(path, ":") && !strings.HasPrefix(path, "file:") {
		// The database holds password hashes, sealed secrets and the audit
		// trail: create it 0600 rather than leave its mode to the umask
		// (SQLite gives the -wal and -shm files the database file's mode).
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			err = f.Close()
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
		}
	}
	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	common.Add("_pragma", "foreign_keys(1)")
	// FULL: a commit the client was told about survives power loss. IAM
	// writes are rare enough that the extra fsync does not matter.
	common.Add("_pragma", "synchronous(FULL)")

	w := cloneValues(common)
	w.Add("_pragma", "journal_mode(WAL)")
	w.Set("_txlock", "immediate") // take the write lock at BEGIN: no lock upgrades, no deadlocks
	w.Add("_pragma", "temp_store(MEMORY)")
	writer, err := sql.Open("sqlite", path+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	// The first connection creates the file and switches it to WAL before
	// any reader opens it.
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	r := cloneValues(common)
	r.Add("_pragma", "query_only(1)")
	reader, err := sql.Open("sqlite", path+"?"+r.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(opts.ReadConns)
	reader.SetMaxIdleConns(opts.ReadConns)

	s := &Store{writer: writer, reader: reader, opts: opts, wal: walSync{path: path + "-wal"}}
	if opts.Migrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.audit.close(), s.reader.Close(), s.writer.Close())
}

// Tx implements store.Store.
func (s *Store) Tx(ctx context.Context, fn func(store.Txn) error) error {
	return s.run(ctx, func() error { return s.attempt(ctx, s.writer, false, fn) })
}

// View implements store.Store.
func (s *Store) View(ctx context.Context, fn func(store.Txn) error) error {
	return s.run(ctx, func() error { return s.attempt(ctx, s.reader, true, fn) })
}

// run is the retry loop shared by Tx, View and TxDeferSync.
func (s *Store) run(ctx context.Context, try func() error) error {
	for attempt := 1; ; attempt++ {
		err := try()
		if err == nil || !errors.Is(err, store.ErrRetryable) {
			return err
		}
		if attempt >= s.opts.MaxAttempts {
			return fmt.Errorf("sqlite: giving up after %d attempts: %w", attempt, err)
		}
		t := time.NewTimer(s.opts.Backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(ctx.Err(), err)
		case <-t.C:
		}
	}
}

// beginner is a *sql.DB or a *sql.Conn.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

func (s *Store) attempt(ctx context.Context, db beginner, readOnly bool, fn func(store.Txn) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return classify(fmt.Errorf("sqlite: begin: %w", err))
	}
	committed := false
	defer func() {
		if !committed {
			// Rollback also runs when fn panics; the panic continues.
			_ = tx.Rollback()
		}
	}()
	t := &txn{tx: tx, readOnly: readOnly, audit: &s.audit}
	if err := fn(t); err != nil {
		return err
	}
	// One revision bump per account per transaction, applied last so that
	// it is part of the same atomic commit.
	var changes []store.Change
	for _, id := range t.dirty {
		c := store.Change{AccountID: id}
		err := tx.QueryRowContext(ctx, `UPDATE accounts SET revision = revision + 1 WHERE account_id = ? RETURNING revision`, id).Scan(&c.Revision)
		switch {
		case errors.Is(err, sql.ErrNoRows): // the transaction deleted the account
		case err != nil:
			return classify(fmt.Errorf("sqlite: bump revision: %w", err))
		default:
			changes = append(changes, c)
		}
	}
	if err := tx.Commit(); err != nil {
		return classify(fmt.Errorf("sqlite: commit: %w", err))
	}
	committed = true
	s.hub.Publish(changes...)
	return nil
}
