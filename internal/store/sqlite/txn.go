package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/iamd/iamd/internal/store"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// txn is the store.Txn of one transaction attempt. Area files add methods to
// it. Rules for those methods:
//   - write only through t.exec / t.execOne, naming the account written:
//     that is what bumps the account's revision at commit;
//   - read through t.tx.QueryContext / QueryRowContext and pass errors
//     through classify (or use t.queryErr);
//   - times through timeText / parseTime (UTC, microseconds).
type txn struct {
	tx       *sql.Tx
	readOnly bool
	dirty    []string // accounts written in this transaction, in first-write order
	audit    *auditStmts
}

var _ store.Txn = (*txn)(nil)

// exec runs a write statement for accountID and marks the account dirty.
func (t *txn) exec(ctx context.Context, accountID, query string, args ...any) (sql.Result, error) {
	if t.readOnly {
		return nil, store.ErrReadOnly
	}
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, classify(err)
	}
	if accountID != "" && !slices.Contains(t.dirty, accountID) {
		t.dirty = append(t.dirty, accountID)
	}
	return res, nil
}

// execOne is exec for statements that must affect exactly one row (Update,
// Delete by key); zero rows is store.ErrNotFound with what in the message.
func (t *txn) execOne(ctx context.Context, accountID, what, query string, args ...any) error {
	res, err := t.exec(ctx, accountID, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return classify(err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", store.ErrNotFound, what)
	}
	return nil
}

// execNoBump runs a write that is bookkeeping, not an IAM change (last-used
// times): it does not mark any account dirty.
func (t *txn) execNoBump(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.readOnly {
		return nil, store.ErrReadOnly
	}
	res, err := t.tx.ExecContext(ctx, query, args...)
	return res, classify(err)
}

// scanner is the Scan method shared by *sql.Row and *sql.Rows, so that one
// scan function per record type serves Get and List.
type scanner interface{ Scan(dest ...any) error }

// queryOne runs a single-row SELECT and scans it; no row is
// store.ErrNotFound with what in the message.
func queryOne[T any](ctx context.Context, t *txn, what string, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(t.tx.QueryRowContext(ctx, query, args...))
	if err != nil {
		var zero T
		return zero, rowErr(err, what)
	}
	return v, nil
}

// queryAll runs a SELECT and scans every row.
func queryAll[T any](ctx context.Context, t *txn, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, classify(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	return out, nil
}

// queryPage runs a SELECT that already filters on the page's After key
// ("... WHERE account_id = ? AND name_key > ? ORDER BY name_key"), appends
// the page's LIMIT and cuts the result (store.Page convention).
func queryPage[T any](ctx context.Context, t *txn, p store.Page, scan func(scanner) (T, error), query string, args ...any) ([]T, bool, error) {
	items, err := queryAll(ctx, t, scan, query+limitClause(p), args...)
	if err != nil {
		return nil, false, err
	}
	items, more := store.Truncate(items, p)
	return items, more, nil
}

// rowErr turns the error of a single-row Scan into a store error: no rows is
// store.ErrNotFound with what in the message.
func rowErr(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", store.ErrNotFound, what)
	}
	return classify(err)
}

// classify maps SQLite failures onto the store's sentinel errors, keeping
// the original in the chain for the log.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: referenced row does not exist: %w", store.ErrNotFound, err)
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%w: %w", store.ErrRetryable, err)
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: %w", store.ErrReadOnly, err)
	}
	return err
}

// timeLayout is fixed-width so that stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func timeText(t time.Time) string { return store.UTC(t).Format(timeLayout) }

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: timeText(t), Valid: true}
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: bad stored time %q: %w", s, err)
	}
	return t, nil
}

func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

// nullString stores "" as NULL (optional references such as a root key's
// user ID).
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// limitClause renders a Page's fetch limit ("" when unlimited).
func limitClause(p store.Page) string {
	if n := p.FetchLimit(); n > 0 {
		return fmt.Sprintf(" LIMIT %d", n)
	}
	return ""
}
