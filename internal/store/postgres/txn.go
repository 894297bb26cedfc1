package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/iamd/iamd/internal/store"
)

// txn is the store.Txn of one transaction attempt. Like sqlite's: writes go
// through exec/execOne naming the account (its revision is bumped at
// commit), bookkeeping through execNoBump.
type txn struct {
	tx       pgx.Tx
	readOnly bool
	dirty    []string // accounts written in this transaction
	// retry is set by the first serialization failure or deadlock: the
	// transaction is aborted, whatever the closure does with the error.
	retry error
}

var _ store.Txn = (*txn)(nil)

// fail classifies err and remembers a retryable one.
func (t *txn) fail(err error) error {
	err = classify(err)
	if errors.Is(err, store.ErrRetryable) && t.retry == nil {
		t.retry = err
	}
	return err
}

// write runs one write statement inside a savepoint, in one round trip: a
// constraint violation (ErrConflict, ErrNotFound) rolls back that statement
// only, so the transaction stays usable as it does in SQLite (a closure may
// try an insert, see ErrConflict and go on).
func (t *txn) write(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	if t.readOnly {
		return pgconn.CommandTag{}, store.ErrReadOnly
	}
	if t.retry != nil {
		return pgconn.CommandTag{}, t.retry
	}
	b := &pgx.Batch{}
	b.Queue(`SAVEPOINT w`)
	b.Queue(rebind(query), args...)
	b.Queue(`RELEASE SAVEPOINT w`)
	br := t.tx.SendBatch(ctx, b)
	var tag pgconn.CommandTag
	_, spErr := br.Exec()
	err := spErr
	if err == nil {
		tag, err = br.Exec()
		if err == nil {
			_, err = br.Exec()
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		return tag, nil
	}
	err = t.fail(err)
	if spErr == nil && t.retry == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		if _, rerr := t.tx.Exec(ctx, `ROLLBACK TO SAVEPOINT w`); rerr != nil {
			return tag, errors.Join(err, t.fail(rerr))
		}
		if _, rerr := t.tx.Exec(ctx, `RELEASE SAVEPOINT w`); rerr != nil {
			return tag, errors.Join(err, t.fail(rerr))
		}
	}
	return tag, err
}

// exec runs a write statement for accountID and marks the account dirty.
func (t *txn) exec(ctx context.Context, accountID, query string, args ...any) (pgconn.CommandTag, error) {
	tag, err := t.write(ctx, query, args...)
	if err != nil {
		return tag, err
	}
	if accountID != "" && !slices.Contains(t.dirty, accountID) {
		t.dirty = append(t.dirty, accountID)
	}
	return tag, nil
}

// execOne is exec for statements that must affect exactly one row; zero
// rows is store.ErrNotFound with what in the message.
func (t *txn) execOne(ctx context.Context, accountID, what, query string, args ...any) error {
	tag, err := t.exec(ctx, accountID, query, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", store.ErrNotFound, what)
	}
	return nil
}

// execNoBump runs a write that is bookkeeping, not an IAM change.
func (t *txn) execNoBump(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	return t.write(ctx, query, args...)
}

// affected turns a tag's row count into ErrNotFound when it is zero.
func affected(tag pgconn.CommandTag, what string) error {
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", store.ErrNotFound, what)
	}
	return nil
}

// scanner is the Scan method shared by pgx.Row and pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

func queryOne[T any](ctx context.Context, t *txn, what string, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	var zero T
	if t.retry != nil {
		return zero, t.retry
	}
	v, err := scan(t.tx.QueryRow(ctx, rebind(query), args...))
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return zero, fmt.Errorf("%w: %s", store.ErrNotFound, what)
		}
		return zero, t.fail(err)
	}
	return v, nil
}

func queryAll[T any](ctx context.Context, t *txn, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	if t.retry != nil {
		return nil, t.retry
	}
	rows, err := t.tx.Query(ctx, rebind(query), args...)
	if err != nil {
		return nil, t.fail(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, t.fail(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err)
	}
	return out, nil
}

func queryPage[T any](ctx context.Context, t *txn, p store.Page, scan func(scanner) (T, error), query string, args ...any) ([]T, bool, error) {
	items, err := queryAll(ctx, t, scan, query+limitClause(p), args...)
	if err != nil {
		return nil, false, err
	}
	items, more := store.Truncate(items, p)
	return items, more, nil
}

// count runs a SELECT COUNT(*) (or any one-integer query).
func (t *txn) count(ctx context.Context, query string, args ...any) (int, error) {
	return queryOne(ctx, t, "count", func(sc scanner) (int, error) {
		var n int
		err := sc.Scan(&n)
		return n, err
	}, query, args...)
}

// classify maps PostgreSQL failures onto the store's sentinel errors,
// keeping the original in the chain for the log.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return fmt.Errorf("%w: %w", store.ErrRetryable, err)
		case "23505": // unique_violation
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case "23503": // foreign_key_violation
			return fmt.Errorf("%w: referenced row does not exist: %w", store.ErrNotFound, err)
		case "25006": // read_only_sql_transaction
			return fmt.Errorf("%w: %w", store.ErrReadOnly, err)
		}
		return err
	}
	// A connection lost before anything was sent (pgconn says so) can be
	// tried again on a fresh connection.
	if pgconn.SafeToRetry(err) {
		return fmt.Errorf("%w: %w", store.ErrRetryable, err)
	}
	return err
}

// rebinds caches the numbered form of each query text.
var rebinds sync.Map

// rebind numbers the ? placeholders of query ($1, $2, ...). The queries of
// this package contain no ? in literals.
func rebind(query string) string {
	if v, ok := rebinds.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	rebinds.Store(query, out)
	return out
}

// ts is a time argument: UTC at microseconds.
func ts(t time.Time) time.Time { return store.UTC(t) }

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return store.UTC(t)
}

// timeOf reads a nullable timestamptz (NULL: the zero time) in UTC.
func timeOf(v pgtype.Timestamptz) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return v.Time.UTC()
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// limitClause renders a Page's fetch limit ("" when unlimited).
func limitClause(p store.Page) string {
	if n := p.FetchLimit(); n > 0 {
		return fmt.Sprintf(" LIMIT %d", n)
	}
	return ""
}
