package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// Audit writes are bookkeeping, not IAM changes: they go through
// execNoBump, so no account revision moves and no cache is invalidated.

const auditColumns = `id, account_id, principal_arn, access_key_id, service, action, record`

// auditChunk bounds the rows of one INSERT (7 parameters each, well within
// SQLite's limit on bound parameters). A power of two: see auditStmts.
const auditChunk = 128

// auditStmts holds the audit writer's INSERTs of 1, 2, 4, … auditChunk
// rows, prepared once: parsing a statement of a hundred rows costs about as
// much as inserting them. A group of n events is inserted by the
// statements of n's binary digits.
type auditStmts struct {
	mu    sync.Mutex
	ready atomic.Bool
	stmts map[int]*sql.Stmt
}

// prepare prepares the statements on db (the writer pool), once; it must
// not be called while the caller holds the writer connection. A failure
// (the table does not exist yet) leaves them unprepared: the next call
// tries again, and AppendAuditEvents meanwhile builds its statements.
func (a *auditStmts) prepare(ctx context.Context, db *sql.DB) {
	if a.ready.Load() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ready.Load() {
		return
	}
	stmts := map[int]*sql.Stmt{}
	for n := 1; n <= auditChunk; n *= 2 {
		st, err := db.PrepareContext(ctx, auditInsert(n))
		if err != nil {
			for _, st := range stmts {
				st.Close()
			}
			return
		}
		stmts[n] = st
	}
	a.stmts = stmts
	a.ready.Store(true)
}

// stmt is the prepared INSERT of n rows, or nil.
func (a *auditStmts) stmt(n int) *sql.Stmt {
	if a == nil || !a.ready.Load() {
		return nil
	}
	return a.stmts[n]
}

func (a *auditStmts) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for _, st := range a.stmts {
		errs = append(errs, st.Close())
	}
	a.stmts = nil
	a.ready.Store(false)
	return errors.Join(errs...)
}

// auditInsert is the INSERT of n rows.
func auditInsert(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_events (` + auditColumns + `) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

func scanAuditEvent(sc scanner) (store.AuditEvent, error) {
	var e store.AuditEvent
	var acct, principal, key sql.NullString
	var record []byte
	if err := sc.Scan(&e.ID, &acct, &principal, &key, &e.Service, &e.Action, &record); err != nil {
		return store.AuditEvent{}, err
	}
	e.AccountID, e.PrincipalARN, e.AccessKeyID = acct.String, principal.String, key.String
	if err := store.DecodeAuditRecord(record, &e); err != nil {
		return store.AuditEvent{}, fmt.Errorf("sqlite: audit event %s: %w", e.ID, err)
	}
	return e, nil
}

func (t *txn) AppendAuditEvents(ctx context.Context, events []store.AuditEvent) error {
	if t.readOnly {
		return store.ErrReadOnly
	}
	args := make([]any, 0, min(len(events), auditChunk)*7)
	// One buffer for the packed records of a statement: SQLite copies a
	// bound blob, so the records can share it.
	var buf []byte
	for len(events) > 0 {
		n := auditChunk
		for n > len(events) {
			n /= 2
		}
		args = args[:0]
		buf = buf[:0]
		ends := make([]int, 0, n)
		for i := range events[:n] {
			buf = store.AppendAuditRecord(buf, &events[i])
			ends = append(ends, len(buf))
		}
		start := 0
		for i := range events[:n] {
			e := &events[i]
			args = append(args, e.ID, nullString(e.AccountID), nullString(e.PrincipalARN), nullString(e.AccessKeyID),
				e.Service, e.Action, buf[start:ends[i]:ends[i]])
			start = ends[i]
		}
		var err error
		if st := t.audit.stmt(n); st != nil {
			_, err = t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
			err = classify(err)
		} else {
			_, err = t.execNoBump(ctx, auditInsert(n), args...)
		}
		if err != nil {
			return err
		}
		events = events[n:]
	}
	return nil
}

func (t *txn) ListAuditEvents(ctx context.Context, f store.AuditFilter, p store.Page) ([]store.AuditEvent, bool, error) {
	var where []string
	var args []any
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	eq("account_id", f.AccountID)
	eq("principal_arn", f.PrincipalARN)
	eq("access_key_id", f.AccessKeyID)
	eq("service", f.Service)
	eq("action", f.Action)
	// Times are ranges of IDs (store.AuditIDBound).
	if !f.Since.IsZero() {
		where = append(where, "id >= ?")
		args = append(args, store.AuditIDBound(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "id < ?")
		args = append(args, store.AuditIDBound(f.Until))
	}
	order, next := " ORDER BY id", "id > ?"
	if f.Descending {
		order, next = " ORDER BY id DESC", "id < ?"
	}
	// Decision and request ID are packed: filtered here, page by page.
	return store.ListAuditPages(p, store.AuditPackedFilter(f), func(after string, limit int) ([]store.AuditEvent, error) {
		w, a := where, args
		if after != "" {
			w, a = append(slices.Clip(w), next), append(slices.Clip(a), after)
		}
		q := `SELECT ` + auditColumns + ` FROM audit_events`
		if len(w) > 0 {
			q += " WHERE " + strings.Join(w, " AND ")
		}
		return queryAll(ctx, t, scanAuditEvent, q+order+limitClause(store.Page{Limit: limit - 1}), a...)
	})
}

func (t *txn) PruneAuditEvents(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, fmt.Errorf("sqlite: PruneAuditEvents: limit %d must be positive", limit)
	}
	res, err := t.execNoBump(ctx, `DELETE FROM audit_events WHERE id IN (
SELECT id FROM audit_events WHERE id < ? ORDER BY id LIMIT ?)`, store.AuditIDBound(before), limit)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, classify(err)
	}
	return int(n), nil
}
