package postgres_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/postgres/pgtest"
)

// TestAuditCompactMigration: events written to the wide table of migration
// 0060 read back unchanged after 0061 packed them, next to new events, and
// the time and decision filters see them.
func TestAuditCompactMigration(t *testing.T) {
	ctx := t.Context()
	dsn, schema := pgtest.DSN(t), pgtest.Schema(t)
	st, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := postgres.MigrateThrough(ctx, st, 60); err != nil {
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
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	for _, e := range old {
		_, err := conn.Exec(ctx, `INSERT INTO `+pgx.Identifier{schema, "audit_events"}.Sanitize()+` (id, event_time, request_id, account_id,
principal_arn, access_key_id, source_ip, user_agent, service, region, action, resources, decision, statements, error_code, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`, e.ID, e.Time, e.RequestID, null(e.AccountID),
			null(e.PrincipalARN), null(e.AccessKeyID), null(e.SourceIP), null(e.UserAgent), e.Service, null(e.Region), e.Action,
			mustJSON(t, e.Resources), null(e.Decision), mustJSON(t, e.Statements), null(e.ErrorCode), e.Status)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Migrate(ctx); err != nil {
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
	if got := list(store.AuditFilter{Since: t0.Add(time.Microsecond)}); len(got) != 2 || got[0].ID != old[1].ID {
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
