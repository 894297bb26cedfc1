package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// newPolicy builds a policy of Account1 with its v1.
func newPolicy(account, id, name, path string) (store.ManagedPolicy, store.PolicyVersion) {
	arn := "arn:aws:iam::" + account + ":policy" + path + name
	p := store.ManagedPolicy{
		AccountID: account, ID: id, Name: name, Path: path, ARN: arn,
		DefaultVersionID: "v1", LastVersion: 1, CreatedAt: T0, UpdatedAt: T0,
	}
	v := store.PolicyVersion{VersionID: "v1", Document: `{"Version":"2012-10-17","Statement":[]}`, CreatedAt: T0}
	return p, v
}

func createPolicy(t *testing.T, st store.Store, p store.ManagedPolicy, v store.PolicyVersion) {
	t.Helper()
	ExpectBump(t, st, p.AccountID, func(ctx context.Context, tx store.Txn) error { return tx.CreatePolicy(ctx, p, v) })
}

func (s *Suite) TestPoliciesCreateGet(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	p, v := newPolicy(Account1, "ANPAAAAAAAAAAAAAAAAA1", "ReadStuff", "/team/")
	p.Description = "reads stuff"
	// Documents are kept byte for byte: white space, escapes, Latin-1.
	v.Document = " {\n\t\"Version\": \"2012-10-17\" ,\"Statement\":[{\"Sid\":\"caf\u00e9\\u00e9\\\"\\n\"}]}\r\n"
	createPolicy(t, st, p, v)

	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.ManagedPolicy, error) {
		return tx.GetPolicy(ctx, Account1, p.ID)
	})
	WantErr(t, err, nil)
	if got != p {
		t.Fatalf("GetPolicy = %+v, want %+v", got, p)
	}
	byName, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.ManagedPolicy, error) {
		return tx.GetPolicyByName(ctx, Account1, "READSTUFF")
	})
	WantErr(t, err, nil)
	if byName.ID != p.ID || byName.Name != "ReadStuff" {
		t.Fatalf("GetPolicyByName = %+v", byName)
	}
	gotV, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.PolicyVersion, error) {
		return tx.GetPolicyVersion(ctx, Account1, p.ID, "v1")
	})
	WantErr(t, err, nil)
	if gotV.Document != v.Document || gotV.PolicyID != p.ID || gotV.AccountID != Account1 || !gotV.CreatedAt.Equal(T0) {
		t.Fatalf("GetPolicyVersion = %+v", gotV)
	}

	// Other account, unknown IDs.
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.ManagedPolicy, error) {
		return tx.GetPolicy(ctx, Account2, p.ID)
	})
	WantErr(t, err, store.ErrNotFound)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.PolicyVersion, error) {
		return tx.GetPolicyVersion(ctx, Account1, p.ID, "v2")
	})
	WantErr(t, err, store.ErrNotFound)

	// Name taken case-insensitively in the account; free in another.
	dup, dv := newPolicy(Account1, "ANPAAAAAAAAAAAAAAAAA2", "readstuff", "/")
	WantErr(t, st.Tx(t.Context(), func(tx store.Txn) error { return tx.CreatePolicy(t.Context(), dup, dv) }), store.ErrConflict)
	other, ov := newPolicy(Account2, "ANPAAAAAAAAAAAAAAAAA3", "ReadStuff", "/")
	createPolicy(t, st, other, ov)
	// Unknown account.
	ghost, gv := newPolicy("333333333333", "ANPAAAAAAAAAAAAAAAAA4", "X", "/")
	WantErr(t, st.Tx(t.Context(), func(tx store.Txn) error { return tx.CreatePolicy(t.Context(), ghost, gv) }), store.ErrNotFound)

	n, err := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) { return tx.CountPolicies(ctx, Account1) })
	WantErr(t, err, nil)
	if n != 1 {
		t.Fatalf("CountPolicies = %d", n)
	}
}

func (s *Suite) TestPoliciesVersions(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	p, v := newPolicy(Account1, "ANPAAAAAAAAAAAAAAAAA1", "P", "/")
	createPolicy(t, st, p, v)
	t1 := T0.Add(time.Hour)
	for i := 2; i <= 4; i++ {
		ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
			return tx.CreatePolicyVersion(ctx, store.PolicyVersion{AccountID: Account1, PolicyID: p.ID,
				VersionID: fmt.Sprintf("v%d", i), Document: fmt.Sprintf("doc%d", i), CreatedAt: t1})
		})
	}
	// v10 sorts after v4 numerically, not as text.
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.CreatePolicyVersion(ctx, store.PolicyVersion{AccountID: Account1, PolicyID: p.ID, VersionID: "v10", Document: "doc10", CreatedAt: t1})
	})
	WantErr(t, st.Tx(t.Context(), func(tx store.Txn) error {
		return tx.CreatePolicyVersion(t.Context(), store.PolicyVersion{AccountID: Account1, PolicyID: p.ID, VersionID: "v2", Document: "again", CreatedAt: t1})
	}), store.ErrConflict)
	// A policy of another account cannot receive versions through this one.
	WantErr(t, st.Tx(t.Context(), func(tx store.Txn) error {
		return tx.CreatePolicyVersion(t.Context(), store.PolicyVersion{AccountID: Account2, PolicyID: p.ID, VersionID: "v11", Document: "x", CreatedAt: t1})
	}), store.ErrNotFound)

	vs, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.PolicyVersion, error) {
		return tx.ListPolicyVersions(ctx, Account1, p.ID)
	})
	WantErr(t, err, nil)
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.VersionID)
	}
	if fmt.Sprint(ids) != "[v10 v4 v3 v2 v1]" {
		t.Fatalf("ListPolicyVersions = %v, want newest first", ids)
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.UpdatePolicyVersions(ctx, Account1, p.ID, "v3", 10, t1)
	})
	got, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (store.ManagedPolicy, error) {
		return tx.GetPolicy(ctx, Account1, p.ID)
	})
	if got.DefaultVersionID != "v3" || got.LastVersion != 10 || !got.UpdatedAt.Equal(t1) || !got.CreatedAt.Equal(T0) {
		t.Fatalf("after UpdatePolicyVersions: %+v", got)
	}
	WantErr(t, st.Tx(t.Context(), func(tx store.Txn) error {
		return tx.UpdatePolicyVersions(t.Context(), Account2, p.ID, "v3", 10, t1)
	}), store.ErrNotFound)

	n, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountPolicyVersionsInUse(ctx, Account1)
	})
	if n != 5 {
		t.Fatalf("CountPolicyVersionsInUse = %d, want 5", n)
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.DeletePolicyVersion(ctx, Account1, p.ID, "v2")
	})
	WantErr(t, st.Tx(t.Context(), func(tx store.Txn) error {
		return tx.DeletePolicyVersion(t.Context(), Account1, p.ID, "v2")
	}), store.ErrNotFound)

	// Deleting the policy removes its versions.
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error { return tx.DeletePolicy(ctx, Account1, p.ID) })
	WantErr(t, st.Tx(t.Context(), func(tx store.Txn) error { return tx.DeletePolicy(t.Context(), Account1, p.ID) }), store.ErrNotFound)
	n, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountPolicyVersionsInUse(ctx, Account1)
	})
	if n != 0 {
		t.Fatalf("CountPolicyVersionsInUse after delete = %d", n)
	}
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.PolicyVersion, error) {
		return tx.GetPolicyVersion(ctx, Account1, p.ID, "v1")
	})
	WantErr(t, err, store.ErrNotFound)
}

func (s *Suite) TestPoliciesListFiltersAndPages(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	names := []string{"b", "A", "c", "D", "e", "F", "g"}
	for i, n := range names {
		path := "/"
		if i%2 == 0 {
			path = "/team/"
		}
		p, v := newPolicy(Account1, fmt.Sprintf("ANPAAAAAAAAAAAAAAAA%02d", i), n, path)
		createPolicy(t, st, p, v)
	}
	o, ov := newPolicy(Account2, "ANPABBBBBBBBBBBBBBB00", "zz", "/")
	createPolicy(t, st, o, ov)

	list := func(f store.PolicyFilter) func(ctx context.Context, tx store.Txn, p store.Page) ([]store.ManagedPolicy, bool, error) {
		return func(ctx context.Context, tx store.Txn, p store.Page) ([]store.ManagedPolicy, bool, error) {
			return tx.ListPolicies(ctx, Account1, f, p)
		}
	}
	key := func(p store.ManagedPolicy) string { return store.PolicyKey(p.Name, p.ARN) }
	namesOf := func(ps []store.ManagedPolicy) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return fmt.Sprint(out)
	}
	for _, limit := range []int{0, 1, 2, 3, 7, 8} {
		if got := namesOf(CollectPages(t, st, limit, list(store.PolicyFilter{}), key)); got != "[A b c D e F g]" {
			t.Fatalf("limit %d: %s", limit, got)
		}
	}
	if got := namesOf(CollectPages(t, st, 2, list(store.PolicyFilter{PathPrefix: "/team/"}), key)); got != "[b c e g]" {
		t.Fatalf("path prefix: %s", got)
	}
	// Prefixes compare case-sensitively.
	if got := namesOf(CollectPages(t, st, 2, list(store.PolicyFilter{PathPrefix: "/TEAM/"}), key)); got != "[]" {
		t.Fatalf("path prefix /TEAM/: %s", got)
	}

	// Usage filters follow the attachment and boundary tables.
	arnOf := func(name string) string {
		p, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.ManagedPolicy, error) {
			return tx.GetPolicyByName(ctx, Account1, name)
		})
		WantErr(t, err, nil)
		return p.ARN
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.AttachPolicy(ctx, store.PolicyAttachment{AccountID: Account1, PrincipalKind: store.PrincipalUser,
			PrincipalID: "AIDAUSER1", PolicyARN: arnOf("c"), PolicyName: "c", PolicyPath: "/team/", AttachedAt: T0})
	})
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.SetBoundaryUsage(ctx, Account1, store.PrincipalRole, "AROAROLE1", arnOf("F"))
	})
	for _, tc := range []struct {
		usage, want string
	}{
		{store.UsagePermission, "[c]"}, {store.UsageBoundary, "[F]"}, {store.UsageAny, "[c F]"},
	} {
		if got := namesOf(CollectPages(t, st, 1, list(store.PolicyFilter{Usage: tc.usage}), key)); got != tc.want {
			t.Errorf("usage %s: %s, want %s", tc.usage, got, tc.want)
		}
	}
	c, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (store.ManagedPolicy, error) {
		return tx.GetPolicyByName(ctx, Account1, "c")
	})
	f, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (store.ManagedPolicy, error) {
		return tx.GetPolicyByName(ctx, Account1, "F")
	})
	if c.AttachmentCount != 1 || c.BoundaryUsageCount != 0 || f.AttachmentCount != 0 || f.BoundaryUsageCount != 1 {
		t.Fatalf("counts: c %d/%d F %d/%d", c.AttachmentCount, c.BoundaryUsageCount, f.AttachmentCount, f.BoundaryUsageCount)
	}
}

func (s *Suite) TestPoliciesAttachments(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	NewAccount(t, st, Account2)
	p, v := newPolicy(Account1, "ANPAAAAAAAAAAAAAAAAA1", "Mine", "/")
	v.Document = "customer document"
	createPolicy(t, st, p, v)
	const admin = "arn:aws:iam::aws:policy/AdministratorAccess"
	const lambda = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
	attach := func(kind, id, arn, name, path string) error {
		return st.Tx(t.Context(), func(tx store.Txn) error {
			return tx.AttachPolicy(t.Context(), store.PolicyAttachment{AccountID: Account1, PrincipalKind: kind,
				PrincipalID: id, PolicyARN: arn, PolicyName: name, PolicyPath: path, AttachedAt: T0})
		})
	}
	before := Revision(t, st, Account1)
	WantErr(t, attach(store.PrincipalUser, "AIDA1", admin, "AdministratorAccess", "/"), nil)
	WantErr(t, attach(store.PrincipalUser, "AIDA1", p.ARN, "Mine", "/"), nil)
	WantErr(t, attach(store.PrincipalUser, "AIDA1", lambda, "AWSLambdaBasicExecutionRole", "/service-role/"), nil)
	WantErr(t, attach(store.PrincipalRole, "AROA1", p.ARN, "Mine", "/"), nil)
	WantErr(t, attach(store.PrincipalGroup, "AGPA1", admin, "AdministratorAccess", "/"), nil)
	if after := Revision(t, st, Account1); after != before+5 {
		t.Fatalf("revision %d -> %d after 5 attachments", before, after)
	}
	WantErr(t, attach(store.PrincipalUser, "AIDA1", admin, "AdministratorAccess", "/"), store.ErrConflict)

	list := func(prefix string) func(ctx context.Context, tx store.Txn, pg store.Page) ([]store.PolicyAttachment, bool, error) {
		return func(ctx context.Context, tx store.Txn, pg store.Page) ([]store.PolicyAttachment, bool, error) {
			return tx.ListAttachedPolicies(ctx, Account1, store.PrincipalUser, "AIDA1", prefix, pg)
		}
	}
	key := func(a store.PolicyAttachment) string { return store.PolicyKey(a.PolicyName, a.PolicyARN) }
	got := CollectPages(t, st, 1, list(""), key)
	if len(got) != 3 || got[0].PolicyName != "AdministratorAccess" || got[1].PolicyName != "AWSLambdaBasicExecutionRole" || got[2].PolicyName != "Mine" {
		t.Fatalf("ListAttachedPolicies = %+v", got)
	}
	if got[0].PolicyARN != admin || got[0].PolicyPath != "/" || !got[0].AttachedAt.Equal(T0) || got[0].AccountID != Account1 {
		t.Fatalf("attachment = %+v", got[0])
	}
	if got := CollectPages(t, st, 1, list("/service-role/"), key); len(got) != 1 || got[0].PolicyARN != lambda {
		t.Fatalf("prefix filter = %+v", got)
	}
	n, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountAttachedPolicies(ctx, Account1, store.PrincipalUser, "AIDA1")
	})
	if n != 3 {
		t.Fatalf("CountAttachedPolicies = %d", n)
	}
	docs, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.AttachedDocument, error) {
		return tx.ListAttachedPolicyDocuments(ctx, Account1, store.PrincipalUser, "AIDA1")
	})
	WantErr(t, err, nil)
	if len(docs) != 1 || docs[0].PolicyARN != p.ARN || docs[0].Document != "customer document" || docs[0].DefaultVersionID != "v1" || docs[0].PolicyID != p.ID {
		t.Fatalf("ListAttachedPolicyDocuments = %+v", docs)
	}

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.SetBoundaryUsage(ctx, Account1, store.PrincipalUser, "AIDA2", admin)
	})
	usage, err := Get(t, st, func(ctx context.Context, tx store.Txn) (map[string]store.PolicyUsage, error) {
		return tx.PolicyUsageByARN(ctx, Account1)
	})
	WantErr(t, err, nil)
	want := map[string]store.PolicyUsage{admin: {Attachments: 2, Boundaries: 1}, p.ARN: {Attachments: 2}, lambda: {Attachments: 1}}
	if fmt.Sprint(usage) != fmt.Sprint(want) {
		t.Fatalf("PolicyUsageByARN = %v, want %v", usage, want)
	}
	ents, err := Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.PolicyEntity, error) {
		return tx.ListPolicyEntities(ctx, Account1, admin, "", store.UsageAny)
	})
	WantErr(t, err, nil)
	if fmt.Sprint(ents) != "[{group AGPA1 permission} {user AIDA1 permission} {user AIDA2 boundary}]" {
		t.Fatalf("ListPolicyEntities = %v", ents)
	}
	ents, _ = Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.PolicyEntity, error) {
		return tx.ListPolicyEntities(ctx, Account1, admin, store.PrincipalUser, store.UsagePermission)
	})
	if fmt.Sprint(ents) != "[{user AIDA1 permission}]" {
		t.Fatalf("ListPolicyEntities(user, permission) = %v", ents)
	}
	// Replacing and clearing a boundary.
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.SetBoundaryUsage(ctx, Account1, store.PrincipalUser, "AIDA2", p.ARN)
	})
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.SetBoundaryUsage(ctx, Account1, store.PrincipalUser, "AIDA2", "")
	})
	ents, _ = Get(t, st, func(ctx context.Context, tx store.Txn) ([]store.PolicyEntity, error) {
		return tx.ListPolicyEntities(ctx, Account1, p.ARN, "", store.UsageBoundary)
	})
	if len(ents) != 0 {
		t.Fatalf("boundary usage left after clearing: %v", ents)
	}

	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.DetachPolicy(ctx, Account1, store.PrincipalUser, "AIDA1", admin)
	})
	WantErr(t, st.Tx(t.Context(), func(tx store.Txn) error {
		return tx.DetachPolicy(t.Context(), Account1, store.PrincipalUser, "AIDA1", admin)
	}), store.ErrNotFound)
	// Another account sees nothing.
	n, _ = Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountAttachedPolicies(ctx, Account2, store.PrincipalUser, "AIDA1")
	})
	if n != 0 {
		t.Fatalf("CountAttachedPolicies in another account = %d", n)
	}
}

func (s *Suite) TestPoliciesInline(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	put := func(kind, id, name, doc string) {
		t.Helper()
		ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
			return tx.PutInlinePolicy(ctx, store.InlinePolicy{AccountID: Account1, PrincipalKind: kind, PrincipalID: id, Name: name, Document: doc})
		})
	}
	for i, n := range []string{"b", "A", "c", "D"} {
		put(store.PrincipalUser, "AIDA1", n, fmt.Sprintf("doc %d", i))
	}
	put(store.PrincipalRole, "AIDA1", "other-kind", "x") // same ID, other kind: separate
	put(store.PrincipalUser, "AIDA1", "B", "replaced\n") // replaces "b", takes the new case

	all := CollectPages(t, st, 1, func(ctx context.Context, tx store.Txn, p store.Page) ([]store.InlinePolicy, bool, error) {
		return tx.ListInlinePolicies(ctx, Account1, store.PrincipalUser, "AIDA1", p)
	}, func(p store.InlinePolicy) string { return store.NameKey(p.Name) })
	inline := func(name, doc string) store.InlinePolicy {
		return store.InlinePolicy{AccountID: Account1, PrincipalKind: store.PrincipalUser, PrincipalID: "AIDA1", Name: name, Document: doc}
	}
	if fmt.Sprint(all) != fmt.Sprint([]store.InlinePolicy{
		inline("A", "doc 1"), inline("B", "replaced\n"), inline("c", "doc 2"), inline("D", "doc 3"),
	}) {
		t.Fatalf("ListInlinePolicies = %q", all)
	}
	got, err := Get(t, st, func(ctx context.Context, tx store.Txn) (store.InlinePolicy, error) {
		return tx.GetInlinePolicy(ctx, Account1, store.PrincipalUser, "AIDA1", "d")
	})
	WantErr(t, err, nil)
	if got.Name != "D" || got.Document != "doc 3" {
		t.Fatalf("GetInlinePolicy = %+v", got)
	}
	n, _ := Get(t, st, func(ctx context.Context, tx store.Txn) (int, error) {
		return tx.CountInlinePolicies(ctx, Account1, store.PrincipalUser, "AIDA1")
	})
	if n != 4 {
		t.Fatalf("CountInlinePolicies = %d", n)
	}
	ExpectBump(t, st, Account1, func(ctx context.Context, tx store.Txn) error {
		return tx.DeleteInlinePolicy(ctx, Account1, store.PrincipalUser, "AIDA1", "a")
	})
	WantErr(t, st.Tx(t.Context(), func(tx store.Txn) error {
		return tx.DeleteInlinePolicy(t.Context(), Account1, store.PrincipalUser, "AIDA1", "A")
	}), store.ErrNotFound)
	_, err = Get(t, st, func(ctx context.Context, tx store.Txn) (store.InlinePolicy, error) {
		return tx.GetInlinePolicy(ctx, Account1, store.PrincipalGroup, "AIDA1", "c")
	})
	WantErr(t, err, store.ErrNotFound)
}

// The attachment quota: count, compare, attach in one Tx holds under races.
func (s *Suite) TestPoliciesRaceAttachQuota(t *testing.T) {
	st := s.Store(t)
	NewAccount(t, st, Account1)
	const n, quota = 20, 10
	errFull := errors.New("full")
	won := race(t, st, n, func(i int, tx store.Txn) error {
		ctx := context.Background()
		c, err := tx.CountAttachedPolicies(ctx, Account1, store.PrincipalRole, "AROA1")
		if err != nil {
			return err
		}
		if c >= quota {
			return errFull
		}
		arn := fmt.Sprintf("arn:aws:iam::aws:policy/P%02d", i)
		return tx.AttachPolicy(ctx, store.PolicyAttachment{AccountID: Account1, PrincipalKind: store.PrincipalRole,
			PrincipalID: "AROA1", PolicyARN: arn, PolicyName: fmt.Sprintf("P%02d", i), PolicyPath: "/", AttachedAt: T0})
	}, errFull)
	if won != quota {
		t.Fatalf("%d attachments committed, want %d", won, quota)
	}
}
