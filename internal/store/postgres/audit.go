package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/iamd/iamd/internal/store"
)

// Audit writes are bookkeeping, not IAM changes: they go through
// execNoBump, so no account revision moves, no NOTIFY is sent (bump does
// both, only for accounts written through exec) and no cache is
// invalidated.

const auditColumns = `id, account_id, principal_arn, access_key_id, service, action, record`

// auditChunk bounds the rows of one INSERT (7 parameters each, well within
// PostgreSQL's 65535 bound parameters). One multi-row INSERT is one round
// trip (with its savepoint) for a whole batch of events.
const auditChunk = 500

func scanAuditEvent(sc scanner) (store.AuditEvent, error) {
	var e store.AuditEvent
	var acct, principal, key pgtype.Text
	var record []byte
	if err := sc.Scan(&e.ID, &acct, &principal, &key, &e.Service, &e.Action, &record); err != nil {
		return store.AuditEvent{}, err
	}
	e.AccountID, e.PrincipalARN, e.AccessKeyID = acct.String, principal.String, key.String
	if err := store.DecodeAuditRecord(record, &e); err != nil {
		return store.AuditEvent{}, fmt.Errorf("postgres: audit event %s: %w", e.ID, err)
	}
	return e, nil
}

func (t *txn) AppendAuditEvents(ctx context.Context, events []store.AuditEvent) error {
	var buf []byte
	for len(events) > 0 {
		n := min(len(events), auditChunk)
		var b strings.Builder
		b.WriteString(`INSERT INTO audit_events (` + auditColumns + `) VALUES `)
		args := make([]any, 0, n*7)
		buf = buf[:0]
		ends := make([]int, 0, n)
		for i := range events[:n] {
			buf = store.AppendAuditRecord(buf, &events[i])
			ends = append(ends, len(buf))
		}
		start := 0
		for i := range events[:n] {
			e := &events[i]
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, e.ID, nullString(e.AccountID), nullString(e.PrincipalARN), nullString(e.AccessKeyID),
				e.Service, e.Action, buf[start:ends[i]:ends[i]])
			start = ends[i]
		}
		if _, err := t.execNoBump(ctx, b.String(), args...); err != nil {
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
		return 0, fmt.Errorf("postgres: PruneAuditEvents: limit %d must be positive", limit)
	}
	tag, err := t.execNoBump(ctx, `DELETE FROM audit_events WHERE id IN (
SELECT id FROM audit_events WHERE id < ? ORDER BY id LIMIT ?)`, store.AuditIDBound(before), limit)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
