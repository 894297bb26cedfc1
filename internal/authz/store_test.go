package authz

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/api/query"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/sqlite"
	"github.com/iamd/iamd/internal/sts"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "iamd.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func mustTx(t *testing.T, st store.Store, fn func(tx store.Txn) error) {
	t.Helper()
	if err := st.Tx(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
}

// TestStoreSource gathers from a real store: inline and attached (customer
// and AWS managed) policies of the user and its groups, the boundary,
// tags; and a change to a group's policy reaches the member's next request
// through the revision.
func TestStoreSource(t *testing.T) {
	st := openStore(t)
	ctx := t.Context()
	const custARN = "arn:aws:iam::" + acct + ":policy/team/Custom"
	const boundARN = "arn:aws:iam::" + acct + ":policy/Bound"
	const roARN = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
	if _, ok := iam.ManagedPolicyByARN(roARN); !ok {
		t.Skip("IAMReadOnlyAccess is not shipped")
	}
	mustTx(t, st, func(tx store.Txn) error {
		if err := tx.CreateAccount(ctx, store.Account{ID: acct, CreatedAt: t0}); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, store.User{ID: "AIDAALICE0000000000", AccountID: acct, Name: "alice", Path: "/eng/", PermissionsBoundaryARN: boundARN, CreatedAt: t0}); err != nil {
			return err
		}
		if err := tx.PutTags(ctx, acct, store.TagKindUser, "AIDAALICE0000000000", []store.Tag{{Key: "team", Value: "core"}}); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, store.Group{ID: "AGPADEVS00000000000", AccountID: acct, Name: "devs", Path: "/", CreatedAt: t0}); err != nil {
			return err
		}
		if err := tx.AddUserToGroup(ctx, acct, "AGPADEVS00000000000", "AIDAALICE0000000000"); err != nil {
			return err
		}
		for _, p := range []struct{ id, name, path, arn, doc string }{
			{"ANPACUSTOM000000000", "Custom", "/team/", custARN, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:CreateGroup","Resource":"*"}}`},
			{"ANPABOUND000000000A", "Bound", "/", boundARN, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:Get*","iam:List*","iam:CreateGroup","iam:DeleteUser"],"Resource":"*"}}`},
		} {
			if err := tx.CreatePolicy(ctx, store.ManagedPolicy{AccountID: acct, ID: p.id, Name: p.name, Path: p.path, ARN: p.arn, DefaultVersionID: "v1", LastVersion: 1, CreatedAt: t0, UpdatedAt: t0},
				store.PolicyVersion{AccountID: acct, PolicyID: p.id, VersionID: "v1", Document: p.doc, CreatedAt: t0}); err != nil {
				return err
			}
		}
		if err := tx.AttachPolicy(ctx, store.PolicyAttachment{AccountID: acct, PrincipalKind: store.PrincipalGroup, PrincipalID: "AGPADEVS00000000000", PolicyARN: custARN, PolicyName: "Custom", PolicyPath: "/team/", AttachedAt: t0}); err != nil {
			return err
		}
		if err := tx.AttachPolicy(ctx, store.PolicyAttachment{AccountID: acct, PrincipalKind: store.PrincipalUser, PrincipalID: "AIDAALICE0000000000", PolicyARN: roARN, PolicyName: "IAMReadOnlyAccess", PolicyPath: "/", AttachedAt: t0}); err != nil {
			return err
		}
		return tx.PutInlinePolicy(ctx, store.InlinePolicy{AccountID: acct, PrincipalKind: store.PrincipalGroup, PrincipalID: "AGPADEVS00000000000", Name: "del",
			Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:DeleteUser","Resource":"*"}}`})
	})
	src := NewStoreSource(st)
	p, err := src.Policies(ctx, Subject{AccountID: acct, Kind: store.PrincipalUser, Name: "ALICE"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range p.Identity {
		ids = append(ids, string(d.Type)+":"+d.ID)
	}
	slices.Sort(ids)
	if want := []string{"aws-managed:" + roARN, "group:del", "user-managed:" + custARN}; !slices.Equal(ids, want) {
		t.Errorf("identity %v, want %v", ids, want)
	}
	if p.ARN != "arn:aws:iam::"+acct+":user/eng/alice" || p.Boundary == nil || p.Boundary.ID != boundARN || len(p.Tags) != 1 || !slices.Equal(p.Groups, []string{"devs"}) {
		t.Errorf("gathered %+v", p)
	}
	if _, err := src.Policies(ctx, Subject{AccountID: acct, Kind: store.PrincipalRole, Name: "nope"}); err == nil {
		t.Error("missing role gathered")
	}
	e, ok, err := src.Entity(ctx, acct, EntityUser, "alice")
	if err != nil || !ok || e.ARN != "arn:aws:iam::"+acct+":user/eng/alice" || e.PermissionsBoundary != boundARN || len(e.Tags) != 1 {
		t.Errorf("entity %+v %v %v", e, ok, err)
	}
	if e, ok, _ := src.Entity(ctx, acct, EntityPolicy, custARN); !ok || e.ARN != custARN {
		t.Errorf("policy entity %+v %v", e, ok)
	}
	if _, ok, _ := src.Entity(ctx, acct, EntityPolicy, "arn:aws:iam::"+acct+":policy/other/Custom"); ok {
		t.Error("policy found under another path")
	}

	a, err := New(Config{Policies: src, Resolver: src, Revisions: src, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	alice := &iam.Identity{Kind: iam.IdentityUser, AccountID: acct, ARN: "arn:aws:iam::" + acct + ":user/eng/alice", UserID: "AIDAALICE0000000000", UserName: "alice"}
	decide := func(op string, in any) error {
		t.Helper()
		plan, err := BuildPlan(ctx, src, Self{AccountID: acct, ARN: alice.ARN, UserName: "alice"}, "iam", op, in)
		if err != nil {
			t.Fatal(err)
		}
		d, err := a.Decide(ctx, Query{Caller: alice, Checks: plan.Checks})
		if err != nil {
			t.Fatal(err)
		}
		return d.Err()
	}
	for op, in := range map[string]any{
		"GetUser":     &iamshape.GetUserInput{},                   // AWS managed, bounded
		"CreateGroup": &iamshape.CreateGroupInput{GroupName: "g"}, // group-attached customer policy
		"DeleteUser":  &iamshape.DeleteUserInput{UserName: "x"},   // group inline
	} {
		if err := decide(op, in); err != nil {
			t.Errorf("%s: %v", op, err)
		}
	}
	if err := decide("CreateUser", &iamshape.CreateUserInput{UserName: "x"}); err == nil {
		t.Error("CreateUser allowed")
	}
	// Replace the group's inline policy: the next request sees it.
	mustTx(t, st, func(tx store.Txn) error {
		return tx.PutInlinePolicy(ctx, store.InlinePolicy{AccountID: acct, PrincipalKind: store.PrincipalGroup, PrincipalID: "AGPADEVS00000000000", Name: "del",
			Document: `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}}`})
	})
	if err := decide("DeleteUser", &iamshape.DeleteUserInput{UserName: "x"}); err == nil {
		t.Error("DeleteUser still allowed after the group's policy changed")
	}
}

// The STS service takes the Authorizer as its source of the caller's side.
var _ sts.CallerPolicies = (*Authorizer)(nil)

// BenchmarkAuthorizeStore: a user request against SQLite with a warm
// cache: the target lookup, the revision probe and the evaluation.
func BenchmarkAuthorizeStore(b *testing.B) {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "iamd.db"), sqlite.Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	ctx := b.Context()
	if err := st.Tx(ctx, func(tx store.Txn) error {
		if err := tx.CreateAccount(ctx, store.Account{ID: acct, CreatedAt: t0}); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, store.User{ID: "AIDAALICE0000000000", AccountID: acct, Name: "alice", Path: "/", CreatedAt: t0}); err != nil {
			return err
		}
		return tx.PutInlinePolicy(ctx, store.InlinePolicy{AccountID: acct, PrincipalKind: store.PrincipalUser, PrincipalID: "AIDAALICE0000000000", Name: "self",
			Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}}`})
	}); err != nil {
		b.Fatal(err)
	}
	src := NewStoreSource(st)
	a, err := New(Config{Policies: src, Resolver: src, Revisions: src, KeyAges: src, Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	id := &iam.Identity{Kind: iam.IdentityUser, AccountID: acct, ARN: "arn:aws:iam::" + acct + ":user/alice", UserID: "AIDAALICE0000000000", UserName: "alice",
		Credential: iam.Credential{CreatedAt: t0}}
	op := query.Operation{}
	for _, o := range iamshape.Operations() {
		if o.Name == "GetUser" {
			op = o
		}
	}
	req := api.AuthzRequest{Caller: id, Operation: op, Input: &iamshape.GetUserInput{}}
	for b.Loop() {
		if err := a.Authorize(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
