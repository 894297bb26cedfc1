package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/postgres/pgtest"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestAuditWritesSendNoNotify: other nodes learn nothing from audit writes
// (they would re-read policies for nothing); an IAM write right after is
// heard, so the listener works.
func TestAuditWritesSendNoNotify(t *testing.T) {
	st := pgtest.Open(t, postgres.Options{})
	ctx := t.Context()
	storetest.NewAccount(t, st, storetest.Account1)
	conn, err := pgx.Connect(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{st.Channel()}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	ev := store.AuditEvent{ID: "0001", Time: storetest.T0, RequestID: "r", AccountID: storetest.Account1,
		PrincipalARN: "arn:aws:iam::" + storetest.Account1 + ":root", Service: "iam", Action: "iam:ListUsers", Decision: store.AuditAllow, Status: 200}
	storetest.MustTx(t, st, func(tx store.Txn) error {
		if err := tx.AppendAuditEvents(ctx, []store.AuditEvent{ev}); err != nil {
			return err
		}
		_, err := tx.PruneAuditEvents(ctx, storetest.T0.Add(-time.Hour), 10)
		return err
	})
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	n, err := conn.WaitForNotification(wctx)
	cancel()
	if err == nil {
		t.Fatalf("audit write sent a notification: %+v", n)
	}
	storetest.MustTx(t, st, func(tx store.Txn) error { return tx.PutAccountSetting(ctx, storetest.Account1, "k", "v") })
	wctx, cancel = context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := conn.WaitForNotification(wctx); err != nil {
		t.Fatalf("an IAM write was not heard: %v", err)
	}
}
