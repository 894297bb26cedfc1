// Package postgres is the store backend for several iamd nodes sharing one
// PostgreSQL database (jackc/pgx/v5). Tx runs at SERIALIZABLE isolation and
// retries serialization failures and deadlocks itself; View runs READ ONLY at
// REPEATABLE READ (a snapshot). Every committed write bumps the revision of
// the accounts it wrote and, in the same transaction, NOTIFYs the other
// nodes (see Changes).
//
// The SQL mirrors sqlite/ statement for statement; queries are written with
// ? placeholders and numbered ($1, $2, ...) once (rebind).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"regexp"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/iamd/iamd/internal/store"
)

// Options tune the backend; the zero value is usable.
type Options struct {
	// Schema, when set, is created if missing and used as the search_path of
	// every connection (tests use one schema each). Default: the DSN's
	// search_path (normally "public" of the DSN's database).
	Schema string
	// MaxConns bounds the pooled connections of Tx, View and Migrate (the
	// change listener has its own, outside the pool). It takes precedence
	// over a pool_max_conns in the DSN; the DSN's other pool_* settings
	// (pool_max_conn_lifetime, pool_max_conn_idle_time, ...) apply.
	// Default DefaultMaxConns.
	MaxConns int
	// MaxAttempts bounds how often Tx and View run a closure that failed
	// with store.ErrRetryable (serialization failure, deadlock). Default 20.
	MaxAttempts int
	// Backoff returns the pause before attempt n+1 after attempt n failed.
	// Default: exponential from 2ms, capped at 250ms, with full jitter.
	Backoff func(attempt int) time.Duration
	// Now stamps schema_migrations.applied_at. Default time.Now.
	Now func() time.Time
	// Migrate applies pending migrations in Open.
	Migrate bool
	// CheckInterval paces the change listener: after this long without a
	// notification it pings its connection (a dead one stays silent), and
	// it is the longest pause between reconnection attempts. Default 10s.
	CheckInterval time.Duration
	// Logger receives the listener's connection problems. Default: discard.
	Logger *slog.Logger
}

// DefaultMaxConns is Options.MaxConns when unset.
const DefaultMaxConns = 10

func (o *Options) setDefaults() {
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 20
	}
	if o.Backoff == nil {
		o.Backoff = defaultBackoff
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// defaultBackoff is exponential backoff with full jitter: competing
// serializable transactions are spread apart. Nothing observable depends on
// the jitter's value, so it uses the global generator.
func defaultBackoff(attempt int) time.Duration {
	const base, ceiling = 2 * time.Millisecond, 250 * time.Millisecond
	d := base << min(attempt-1, 10)
	if d > ceiling {
		d = ceiling
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Store is the PostgreSQL backend. It implements store.Store and
// store.Watcher.
type Store struct {
	cfg     *pgx.ConnConfig // of the listener's connection
	opts    Options
	pool    *pgxpool.Pool
	channel string // NOTIFY channel of this database (and schema)
	hub     store.Hub

	listenOnce sync.Once
	stop       context.CancelFunc
	done       chan struct{}
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Watcher = (*Store)(nil)
)

// Open connects to the database of dsn (a postgres:// URL or key=value
// string). It does not change the schema unless opts.Migrate is set.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	opts.setDefaults()
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg := pcfg.ConnConfig
	if opts.Schema != "" {
		if !schemaName.MatchString(opts.Schema) {
			return nil, fmt.Errorf("postgres: invalid schema name %q", opts.Schema)
		}
		if err := createSchema(ctx, cfg, opts.Schema); err != nil {
			return nil, err
		}
		cfg.RuntimeParams["search_path"] = opts.Schema
	}
	pcfg.MaxConns = int32(min(opts.MaxConns, math.MaxInt32))
	// pgxpool opens connections lazily and discards, on release, one that
	// is closed or still inside a transaction (a context cancelled in the
	// middle of a statement), so none is handed out in that state.
	p, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{cfg: cfg, opts: opts, pool: p}
	// Check the server answers now rather than at the first request, and
	// name the channel: notifications are per database, so each schema
	// gets its own (deployments or tests sharing a database in different
	// schemas must not hear each other: their account IDs may be the same).
	c, err := s.acquire(ctx)
	if err != nil {
		p.Close()
		return nil, err
	}
	var schema *string
	err = c.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema)
	c.Release()
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if schema == nil {
		p.Close()
		return nil, fmt.Errorf("postgres: no schema of the search_path %q exists; create it first", cfg.RuntimeParams["search_path"])
	}
	s.channel = channelName(*schema)
	if opts.Migrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// acquire takes a connection of the pool, waiting while MaxConns are in
// use. A connection that cannot be opened is worth another try when
// nothing was sent (classify).
func (s *Store) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, classify(fmt.Errorf("postgres: connect: %w", err))
	}
	return c, nil
}

// channelName is the NOTIFY channel of a schema, within the 63 bytes of
// an identifier.
func channelName(schema string) string {
	const prefix = "iamd_changes_"
	if len(schema) > 63-len(prefix) {
		schema = schema[:63-len(prefix)]
	}
	return prefix + schema
}

func createSchema(ctx context.Context, cfg *pgx.ConnConfig, schema string) error {
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize()); err != nil {
		// Two stores racing to create the same schema: the loser sees a
		// unique violation on the catalog; the schema exists either way.
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23505" {
			return fmt.Errorf("postgres: create schema %s: %w", schema, err)
		}
	}
	return nil
}

// DropSchema drops schema and everything in it (tests).
func DropSchema(ctx context.Context, dsn, schema string) error {
	if !schemaName.MatchString(schema) {
		return fmt.Errorf("postgres: invalid schema name %q", schema)
	}
	// Parsed as Open does, so that pool_* keys are not sent to the server.
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	c, err := pgx.ConnectConfig(ctx, pcfg.ConnConfig)
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	_, err = c.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
	return err
}

// Close stops the change listener and closes every connection, waiting for
// the transactions still running to give theirs back.
func (s *Store) Close() error {
	s.listenOnce.Do(func() {}) // no listener starts after Close
	if s.stop != nil {
		s.stop()
		<-s.done
	}
	s.pool.Close()
	return nil
}

// Tx implements store.Store.
func (s *Store) Tx(ctx context.Context, fn func(store.Txn) error) error {
	return s.run(ctx, false, fn)
}

// View implements store.Store.
func (s *Store) View(ctx context.Context, fn func(store.Txn) error) error {
	return s.run(ctx, true, fn)
}

func (s *Store) run(ctx context.Context, readOnly bool, fn func(store.Txn) error) error {
	for attempt := 1; ; attempt++ {
		err := s.attempt(ctx, readOnly, fn)
		if err == nil || !errors.Is(err, store.ErrRetryable) {
			return err
		}
		if attempt >= s.opts.MaxAttempts {
			return fmt.Errorf("postgres: giving up after %d attempts: %w", attempt, err)
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

var (
	txOptions   = pgx.TxOptions{IsoLevel: pgx.Serializable, AccessMode: pgx.ReadWrite}
	viewOptions = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
)

func (s *Store) attempt(ctx context.Context, readOnly bool, fn func(store.Txn) error) (err error) {
	pc, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	// Release puts the connection back only when it is idle and open.
	defer pc.Release()
	c := pc.Conn()
	opts := txOptions
	if readOnly {
		opts = viewOptions
	}
	tx, err := c.BeginTx(ctx, opts)
	if err != nil {
		if ctx.Err() == nil && c.IsClosed() {
			// A pooled connection the server dropped (a restart, an idle
			// timeout): nothing ran, so another connection may try.
			return fmt.Errorf("%w: postgres: begin: %w", store.ErrRetryable, err)
		}
		return classify(fmt.Errorf("postgres: begin: %w", err))
	}
	committed := false
	defer func() {
		if !committed {
			// Rollback also runs when fn panics; the panic continues.
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	t := &txn{tx: tx, readOnly: readOnly}
	ferr := fn(t)
	// A serialization failure inside fn aborted the transaction whatever
	// fn made of the error: run the closure again.
	if t.retry != nil {
		return t.retry
	}
	if ferr != nil && c.IsClosed() && ctx.Err() == nil {
		// The connection died under a statement; COMMIT was never sent,
		// so nothing of this attempt persisted: run it again on another.
		return fmt.Errorf("%w: postgres: connection lost: %w", store.ErrRetryable, ferr)
	}
	if ferr != nil {
		return ferr
	}
	changes, err := s.bump(ctx, t)
	if err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return classify(fmt.Errorf("postgres: commit: %w", err))
	}
	committed = true
	// This node's own watchers learn of the change before Tx returns (read
	// your writes on one node); the others through NOTIFY.
	s.hub.Publish(changes...)
	return nil
}

// bump raises the revision of every account the transaction wrote, once,
// and queues a notification per account; both take effect at commit.
func (s *Store) bump(ctx context.Context, t *txn) ([]store.Change, error) {
	if len(t.dirty) == 0 {
		return nil, nil
	}
	rows, err := t.tx.Query(ctx, `WITH b AS (
  UPDATE accounts SET revision = revision + 1 WHERE account_id = ANY($1) RETURNING account_id, revision)
SELECT account_id, revision, pg_notify($2, account_id || ' ' || revision) FROM b`, t.dirty, s.channel)
	if err != nil {
		return nil, classify(fmt.Errorf("postgres: bump revision: %w", err))
	}
	defer rows.Close()
	var out []store.Change
	for rows.Next() {
		var c store.Change
		var ignored any
		if err := rows.Scan(&c.AccountID, &c.Revision, &ignored); err != nil {
			return nil, classify(fmt.Errorf("postgres: bump revision: %w", err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("postgres: bump revision: %w", err))
	}
	return out, nil
}
