package iam

import (
	"testing"

	"github.com/iamd/iamd/internal/store"
)

func TestGetAccountAuthorizationDetails(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	ids := principals(t, env, []string{"bob", "alice"}, []string{"devs"}, []string{"app"})
	err := env.store.Tx(ctx, func(tx store.Txn) error {
		if err := tx.AddUserToGroup(ctx, testAccount, ids["group/devs"], ids["user/alice"]); err != nil {
			return err
		}
		if err := tx.CreateInstanceProfile(ctx, store.InstanceProfile{ID: "AIPAPROFILE0000000001", AccountID: testAccount,
			Name: "web", Path: "/", CreatedAt: testNow, RoleID: ids["role/app"]}); err != nil {
			return err
		}
		return tx.PutTags(ctx, testAccount, store.TagKindUser, ids["user/alice"], []store.Tag{{Key: "team", Value: "a"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	mine := mustCreatePolicy(t, env.svc, "Mine", "")
	v2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`
	if _, err := env.svc.CreatePolicyVersion(ctx, testAccount, mine.ARN, v2, false); err != nil {
		t.Fatal(err)
	}
	const ro = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(env.svc.AttachPolicy(ctx, testAccount, store.PrincipalUser, "alice", mine.ARN))
	must(env.svc.AttachPolicy(ctx, testAccount, store.PrincipalRole, "app", ro))
	must(env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalGroup, "devs", "g", testPolicyDoc))
	must(env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalRole, "app", "r", testPolicyDoc))

	all, err := env.svc.GetAccountAuthorizationDetails(ctx, testAccount, nil, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if all.More || len(all.Users) != 2 || len(all.Groups) != 1 || len(all.Roles) != 1 || len(all.Policies) != 2 {
		t.Fatalf("counts: %d users %d groups %d roles %d policies more=%v", len(all.Users), len(all.Groups), len(all.Roles), len(all.Policies), all.More)
	}
	alice := all.Users[0]
	if alice.User.Name != "alice" || len(alice.Groups) != 1 || alice.Groups[0] != "devs" || len(alice.Attached) != 1 ||
		alice.Attached[0].PolicyARN != mine.ARN || len(alice.Tags) != 1 || alice.ARN != UserARN(testAccount, "/", "alice") {
		t.Fatalf("alice = %+v", alice)
	}
	if g := all.Groups[0]; len(g.Inline) != 1 || g.Inline[0].Document != testPolicyDoc {
		t.Fatalf("group = %+v", g)
	}
	r := all.Roles[0]
	if len(r.InstanceProfiles) != 1 || len(r.InstanceProfiles[0].Roles) != 1 || r.InstanceProfiles[0].Roles[0].Name != "app" ||
		len(r.Inline) != 1 || len(r.Attached) != 1 || r.Attached[0].PolicyARN != ro {
		t.Fatalf("role = %+v", r)
	}
	// Customer policies with every version; AWS managed ones only when used.
	if p := all.Policies[0]; p.Policy.ARN != mine.ARN || len(p.Versions) != 2 || p.Versions[0].Document != v2 || p.Policy.AttachmentCount != 1 {
		t.Fatalf("customer policy = %+v", p)
	}
	if p := all.Policies[1]; p.Policy.ARN != ro || !p.Policy.AWSManaged || len(p.Versions) != 1 || !p.Versions[0].IsDefaultVersion {
		t.Fatalf("AWS policy = %+v", p)
	}

	// Filters.
	only, err := env.svc.GetAccountAuthorizationDetails(ctx, testAccount, []string{DetailRole, DetailAWSManagedPolicy}, store.Page{})
	if err != nil || len(only.Users)+len(only.Groups) != 0 || len(only.Roles) != 1 || len(only.Policies) != 1 {
		t.Fatalf("filtered = %+v, %v", only, err)
	}
	_, err = env.svc.GetAccountAuthorizationDetails(ctx, testAccount, []string{"Nope"}, store.Page{})
	wantCode(t, err, CodeInvalidInput)

	// Pages of one entry walk the same list.
	var n int
	p := store.Page{Limit: 1}
	for range 20 {
		page, err := env.svc.GetAccountAuthorizationDetails(ctx, testAccount, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		got := len(page.Users) + len(page.Groups) + len(page.Roles) + len(page.Policies)
		if got != 1 {
			t.Fatalf("page of %d entries", got)
		}
		n++
		if !page.More {
			break
		}
		p.After = page.LastKey
	}
	if n != 6 {
		t.Fatalf("%d pages, want 6", n)
	}
}
