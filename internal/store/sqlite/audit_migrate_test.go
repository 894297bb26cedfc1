package sqlite

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// TestAuditCompactMigration: events written to the wide table of migration
// 0060 read back unchanged after 0061 packed them, next to new events, and
// the time filters and pruning (ID ranges now) see them.
func TestAuditCompactMigration(t *testing.T) {
	ctx := t.Context()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "iamd.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	all, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	var upTo60 []migration
	for _, m := range all {
		if m.version <= 60 {
			upTo60 = append(upTo60, m)
		}
	}
	at := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	if err := st.migrate(ctx, upTo60, at); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	old := []store.AuditEvent{
		{ID: fmt.Sprintf("%016x-old1", t0.UnixMicro()), Time: t0, RequestID: "r1", AccountID: "123456789012",
			PrincipalARN: "arn:aws:iam::123456789012:user/alice", AccessKeyID: "AKIAOLD", SourceIP: "192.0.2.7",
			UserAgent: "ua/1", Service: "iam", Region: "us-east-1", Action: "iam:CreateUser",
			Resources: []string{"arn:aws:iam::123456789012:user/bob"}, Decision: store.AuditExplicitDeny,
			Statements: []store.AuditStatement{{Policy: "arn:aws:iam::123456789012:policy/guard", Sid: "NoCreate", Index: 1, Effect: "Deny", Type: "identity"}},
			ErrorCode:  "AccessDenied", Status: 403},
		{ID: fmt.Sprintf("%016x-old2", t0.UnixMicro()+1), Time: t0.Add(time.Microsecond), RequestID: "r2", Service: "sts",
			Action: "sts:GetCallerIdentity", Resources: []string{}, Statements: []store.AuditStatement{},
			ErrorCode: "InvalidClientTokenId", Status: 403},
	}
	for _, e := range old {
		_, err := st.writer.ExecContext(ctx, `INSERT INTO audit_events (id, event_time, request_id, account_id, principal_arn,
access_key_id, source_ip, user_agent, service, region, action, resources, decision, statements, error_code, status)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, timeText(e.Time), e.RequestID, nullString(e.AccountID),
			nullString(e.PrincipalARN), nullString(e.AccessKeyID), nullString(e.SourceIP), nullString(e.UserAgent), e.Service,
			nullString(e.Region), e.Action, mustJSON(t, e.Resources), nullString(e.Decision), mustJSON(t, e.Statements),
			nullString(e.ErrorCode), e.Status)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.migrate(ctx, all, at); err != nil {
		t.Fatal(err)
	}
	fresh := store.AuditEvent{ID: fmt.Sprintf("%016x-new", t0.UnixMicro()+2), Time: t0.Add(2 * time.Microsecond), RequestID: "r3",
		Service: "iam", Action: "iam:GetUser", Resources: []string{}, Statements: []store.AuditStatement{}, Status: 200}
	if err := st.Tx(ctx, func(tx store.Txn) error { return tx.AppendAuditEvents(ctx, []store.AuditEvent{fresh}) }); err != nil {
		t.Fatal(err)
	}
	list := func(f store.AuditFilter) []store.AuditEvent {
		var evs []store.AuditEvent
		if err := st.View(ctx, func(tx store.Txn) error {
			var err error
			evs, _, err = tx.ListAuditEvents(ctx, f, store.Page{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return evs
	}
	want := append(append([]store.AuditEvent{}, old...), fresh)
	if got := list(store.AuditFilter{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("after migration:\n got %+v\nwant %+v", got, want)
	}
	if got := list(store.AuditFilter{Since: t0.Add(time.Microsecond), Decision: ""}); len(got) != 2 || got[0].ID != old[1].ID {
		t.Fatalf("since: %+v", got)
	}
	if got := list(store.AuditFilter{Decision: store.AuditExplicitDeny}); len(got) != 1 || got[0].ID != old[0].ID {
		t.Fatalf("decision of a migrated row: %+v", got)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
