package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// auditEvent is the i-th event of the audit tests: i seconds after T0, IDs
// ordered like times (as internal/audit makes them).
func auditEvent(i int, acct, principal, action, decision string) store.AuditEvent {
	e := store.AuditEvent{
		ID:           fmt.Sprintf("%016x-%04d", T0.Add(time.Duration(i)*time.Second).UnixMicro(), i),
		Time:         T0.Add(time.Duration(i) * time.Second),
		RequestID:    fmt.Sprintf("req-%d", i),
		AccountID:    acct,
		PrincipalARN: principal,
		AccessKeyID:  "AKIAEXAMPLE",
		SourceIP:     "192.0.2.1",
		UserAgent:    "test/1.0",
		Service:      "iam",
		Region:       "us-east-1",
		Action:       action,
		Resources:    []string{"arn:aws:iam::" + acct + ":user/u" + fmt.Sprint(i)},
		Decision:     decision,
		Status:       200,
	}
	if decision == store.AuditExplicitDeny {
		e.Statements = []store.AuditStatement{{Policy: "arn:aws:iam::" + acct + ":policy/deny", Sid: "NoUsers", Index: 1, Effect: "Deny", Type: "identity"}}
		e.ErrorCode, e.Status = "AccessDenied", 403
	}
	return e
}

func listAudit(t *testing.T, st store.Store, f store.AuditFilter) []store.AuditEvent {
	t.Helper()
	evs, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.AuditEvent, error) {
		evs, _, err := tx.ListAuditEvents(ctx, f, store.Page{})
		return evs, err
	})
	WantErr(t, err, nil)
	return evs
}

func auditIDs(evs []store.AuditEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// TestAuditAppendAndList: events read back as written (empty lists as
// empty, not nil), in ID order either way, filtered by every field, and the
// writes move no revision and announce no change.
func (s *Suite) TestAuditAppendAndList(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	alice := "arn:aws:iam::" + Account1 + ":user/alice"
	bob := "arn:aws:iam::" + Account2 + ":user/bob"
	var evs []store.AuditEvent
	for i := range 10 {
		switch {
		case i%3 == 0:
			evs = append(evs, auditEvent(i, Account1, alice, "iam:CreateUser", store.AuditAllow))
		case i%3 == 1:
			evs = append(evs, auditEvent(i, Account1, alice, "iam:DeleteUser", store.AuditExplicitDeny))
		default:
			evs = append(evs, auditEvent(i, Account2, bob, "iam:CreateUser", store.AuditImplicitDeny))
		}
	}
	// An unauthenticated failure: no account, principal, decision.
	anon := store.AuditEvent{ID: fmt.Sprintf("%016x-%04d", T0.Add(10*time.Second).UnixMicro(), 10), Time: T0.Add(10 * time.Second),
		RequestID: "req-10", Service: "sts", Action: "sts:GetCallerIdentity", ErrorCode: "InvalidClientTokenId", Status: 403}
	evs = append(evs, anon)

	var changes atomic.Int32
	if w, ok := st.(store.Watcher); ok {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		w.Watch(ctx, func(c store.Change) {
			if !c.Resync() {
				changes.Add(1)
			}
		})
	}
	before := Revision(t, st, Account1)
	// Appended out of order and in two transactions: the list is by ID.
	shuffled := append(slices.Clone(evs[5:]), evs[:5]...)
	MustTx(t, st, func(tx store.Txn) error { return tx.AppendAuditEvents(t.Context(), shuffled[:6]) })
	MustTx(t, st, func(tx store.Txn) error { return tx.AppendAuditEvents(t.Context(), shuffled[6:]) })
	if after := Revision(t, st, Account1); after != before {
		t.Errorf("audit writes moved the revision from %d to %d", before, after)
	}
	if n := changes.Load(); n != 0 {
		t.Errorf("audit writes announced %d changes, want none", n)
	}

	want := slices.Clone(evs)
	want[10].Resources, want[10].Statements = []string{}, []store.AuditStatement{}
	for i := range want {
		if want[i].Statements == nil {
			want[i].Statements = []store.AuditStatement{}
		}
	}
	got := listAudit(t, st, store.AuditFilter{})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("list:\n got %+v\nwant %+v", got, want)
	}
	desc := listAudit(t, st, store.AuditFilter{Descending: true})
	rev := slices.Clone(auditIDs(want))
	slices.Reverse(rev)
	if ids := auditIDs(desc); !slices.Equal(ids, rev) {
		t.Fatalf("descending: %v, want %v", ids, rev)
	}

	err := st.Tx(t.Context(), func(tx store.Txn) error { return tx.AppendAuditEvents(t.Context(), evs[:1]) })
	WantErr(t, err, store.ErrConflict)

	ids := func(is ...int) []string {
		out := []string{}
		for _, i := range is {
			out = append(out, evs[i].ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.AuditFilter
		want []string
	}{
		{"principal", store.AuditFilter{PrincipalARN: alice}, ids(0, 1, 3, 4, 6, 7, 9)},
		{"account", store.AuditFilter{AccountID: Account2}, ids(2, 5, 8)},
		{"action", store.AuditFilter{Action: "iam:DeleteUser"}, ids(1, 4, 7)},
		{"decision", store.AuditFilter{Decision: store.AuditExplicitDeny}, ids(1, 4, 7)},
		{"principal and action", store.AuditFilter{PrincipalARN: alice, Action: "iam:CreateUser"}, ids(0, 3, 6, 9)},
		{"service", store.AuditFilter{Service: "sts"}, ids(10)},
		{"request", store.AuditFilter{RequestID: "req-4"}, ids(4)},
		{"key", store.AuditFilter{AccessKeyID: "AKIAEXAMPLE"}, ids(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)},
		{"since", store.AuditFilter{Since: T0.Add(8 * time.Second)}, ids(8, 9, 10)},
		{"until (exclusive)", store.AuditFilter{Until: T0.Add(2 * time.Second)}, ids(0, 1)},
		{"range and principal", store.AuditFilter{PrincipalARN: alice, Since: T0.Add(2 * time.Second), Until: T0.Add(7 * time.Second)}, ids(3, 4, 6)},
		{"nothing", store.AuditFilter{PrincipalARN: "arn:aws:iam::" + Account1 + ":user/nobody"}, []string{}},
	} {
		got := auditIDs(listAudit(t, st, tc.f))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	// Pages, both ways, with a filter applied before the limit.
	for _, limit := range []int{1, 2, 3, 50} {
		pages := CollectPages(t, st, limit, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.AuditEvent, bool, error) {
			return tx.ListAuditEvents(ctx, store.AuditFilter{PrincipalARN: alice}, p)
		}, func(e store.AuditEvent) string { return e.ID })
		if got := auditIDs(pages); !slices.Equal(got, ids(0, 1, 3, 4, 6, 7, 9)) {
			t.Errorf("limit %d: pages %v", limit, got)
		}
		// A filter on a field some backends keep packed (decision).
		pages = CollectPages(t, st, limit, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.AuditEvent, bool, error) {
			return tx.ListAuditEvents(ctx, store.AuditFilter{Decision: store.AuditExplicitDeny}, p)
		}, func(e store.AuditEvent) string { return e.ID })
		if got := auditIDs(pages); !slices.Equal(got, ids(1, 4, 7)) {
			t.Errorf("limit %d: pages of denials %v", limit, got)
		}
		var all []string
		p := store.Page{Limit: limit}
		for range 20 {
			page, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.AuditEvent, error) {
				evs, more, err := tx.ListAuditEvents(ctx, store.AuditFilter{Descending: true}, p)
				if !more {
					p.Limit = -1 // done
				}
				return evs, err
			})
			WantErr(t, err, nil)
			all = append(all, auditIDs(page)...)
			if p.Limit < 0 {
				break
			}
			if len(page) != limit {
				t.Fatalf("descending page of %d, limit %d", len(page), limit)
			}
			p.After = page[len(page)-1].ID
		}
		if !slices.Equal(all, rev) {
			t.Errorf("descending pages of %d: %v, want %v", limit, all, rev)
		}
	}

	// Read-only transactions cannot append.
	err = st.View(t.Context(), func(tx store.Txn) error {
		return tx.AppendAuditEvents(t.Context(), []store.AuditEvent{auditEvent(99, Account1, alice, "iam:GetUser", store.AuditAllow)})
	})
	WantErr(t, err, store.ErrReadOnly)
}

// TestAuditPrune: pruning deletes the oldest events before the cut-off, at
// most limit per call, and leaves the revision alone.
func (s *Suite) TestAuditPrune(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	alice := "arn:aws:iam::" + Account1 + ":user/alice"
	var evs []store.AuditEvent
	for i := range 7 {
		evs = append(evs, auditEvent(i, Account1, alice, "iam:GetUser", store.AuditAllow))
	}
	MustTx(t, st, func(tx store.Txn) error { return tx.AppendAuditEvents(t.Context(), evs) })
	before := Revision(t, st, Account1)
	prune := func(cut time.Time, limit int) int {
		t.Helper()
		var n int
		MustTx(t, st, func(tx store.Txn) error {
			var err error
			n, err = tx.PruneAuditEvents(t.Context(), cut, limit)
			return err
		})
		return n
	}
	cut := T0.Add(5 * time.Second) // events 0..4 are older
	if n := prune(cut, 3); n != 3 {
		t.Fatalf("first prune deleted %d, want 3", n)
	}
	if got := auditIDs(listAudit(t, st, store.AuditFilter{})); !slices.Equal(got, auditIDs(evs[3:])) {
		t.Fatalf("after the first prune: %v (oldest go first)", got)
	}
	if n := prune(cut, 3); n != 2 {
		t.Fatalf("second prune deleted %d, want 2", n)
	}
	if n := prune(cut, 3); n != 0 {
		t.Fatalf("third prune deleted %d, want 0", n)
	}
	if got := auditIDs(listAudit(t, st, store.AuditFilter{})); !slices.Equal(got, auditIDs(evs[5:])) {
		t.Fatalf("after pruning: %v", got)
	}
	if after := Revision(t, st, Account1); after != before {
		t.Errorf("pruning moved the revision from %d to %d", before, after)
	}
	err := st.Tx(t.Context(), func(tx store.Txn) error {
		_, err := tx.PruneAuditEvents(t.Context(), cut, 0)
		return err
	})
	if err == nil {
		t.Error("PruneAuditEvents with limit 0 succeeded")
	}
}

// TestAuditBigBatch: one append of more rows than a backend puts in one
// statement.
func (s *Suite) TestAuditBigBatch(t *testing.T) {
	st := s.Store(t)
	alice := "arn:aws:iam::" + Account1 + ":user/alice"
	var evs []store.AuditEvent
	for i := range 1234 {
		evs = append(evs, auditEvent(i, Account1, alice, "iam:GetUser", store.AuditAllow))
	}
	MustTx(t, st, func(tx store.Txn) error { return tx.AppendAuditEvents(t.Context(), evs) })
	if got := listAudit(t, st, store.AuditFilter{}); len(got) != len(evs) || got[1233].ID != evs[1233].ID {
		t.Fatalf("listed %d events, want %d", len(got), len(evs))
	}
}
