package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// Audit writes are bookkeeping, not IAM changes: they go through
// execNoBump, so no account revision moves and no cache is invalidated.

const auditColumns = `id, event_time, request_id, account_id, principal_arn, access_key_id, source_ip, user_agent,
service, region, action, resources, decision, statements, error_code, status`

// auditChunk bounds the rows of one INSERT (16 parameters each, well within
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
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

func scanAuditEvent(sc scanner) (store.AuditEvent, error) {
	var e store.AuditEvent
	var at, resources, statements string
	var acct, principal, key, ip, ua, region, decision, code sql.NullString
	if err := sc.Scan(&e.ID, &at, &e.RequestID, &acct, &principal, &key, &ip, &ua,
		&e.Service, &region, &e.Action, &resources, &decision, &statements, &code, &e.Status); err != nil {
		return store.AuditEvent{}, err
	}
	var err error
	if e.Time, err = parseTime(at); err != nil {
		return store.AuditEvent{}, err
	}
	e.AccountID, e.PrincipalARN, e.AccessKeyID, e.SourceIP = acct.String, principal.String, key.String, ip.String
	e.UserAgent, e.Region, e.Decision, e.ErrorCode = ua.String, region.String, decision.String, code.String
	if err := json.Unmarshal([]byte(resources), &e.Resources); err != nil {
		return store.AuditEvent{}, fmt.Errorf("sqlite: audit event %s: resources: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(statements), &e.Statements); err != nil {
		return store.AuditEvent{}, fmt.Errorf("sqlite: audit event %s: statements: %w", e.ID, err)
	}
	return e, nil
}

func (t *txn) AppendAuditEvents(ctx context.Context, events []store.AuditEvent) error {
	if t.readOnly {
		return store.ErrReadOnly
	}
	args := make([]any, 0, min(len(events), auditChunk)*16)
	for len(events) > 0 {
		n := auditChunk
		for n > len(events) {
			n /= 2
		}
		args = args[:0]
		for _, e := range events[:n] {
			resources, statements, err := auditJSON(e)
			if err != nil {
				return err
			}
			args = append(args, e.ID, timeText(e.Time), e.RequestID, nullString(e.AccountID), nullString(e.PrincipalARN),
				nullString(e.AccessKeyID), nullString(e.SourceIP), nullString(e.UserAgent), e.Service, nullString(e.Region),
				e.Action, resources, nullString(e.Decision), statements, nullString(e.ErrorCode), e.Status)
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

// auditJSON renders the list columns; nil lists are stored as [] so that
// every row reads back the same way.
func auditJSON(e store.AuditEvent) (string, string, error) {
	res := e.Resources
	if res == nil {
		res = []string{}
	}
	st := e.Statements
	if st == nil {
		st = []store.AuditStatement{}
	}
	r, err := json.Marshal(res)
	if err != nil {
		return "", "", err
	}
	s, err := json.Marshal(st)
	return string(r), string(s), err
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
	eq("decision", f.Decision)
	eq("request_id", f.RequestID)
	if !f.Since.IsZero() {
		where = append(where, "event_time >= ?")
		args = append(args, timeText(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "event_time < ?")
		args = append(args, timeText(f.Until))
	}
	order := " ORDER BY id"
	if p.After != "" {
		if f.Descending {
			where = append(where, "id < ?")
		} else {
			where = append(where, "id > ?")
		}
		args = append(args, p.After)
	}
	if f.Descending {
		order += " DESC"
	}
	q := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return queryPage(ctx, t, p, scanAuditEvent, q+order, args...)
}

func (t *txn) PruneAuditEvents(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, fmt.Errorf("sqlite: PruneAuditEvents: limit %d must be positive", limit)
	}
	res, err := t.execNoBump(ctx, `DELETE FROM audit_events WHERE id IN (
SELECT id FROM audit_events WHERE event_time < ? ORDER BY event_time, id LIMIT ?)`, timeText(before), limit)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, classify(err)
	}
	return int(n), nil
}
