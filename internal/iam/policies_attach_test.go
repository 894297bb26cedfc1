package iam

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iamd/iamd/internal/store"
)

// principals creates users, groups and roles directly in the store (their
// operations belong to other areas).
func principals(t *testing.T, env serviceEnv, users, groups, roles []string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	err := env.store.Tx(t.Context(), func(tx store.Txn) error {
		ctx := t.Context()
		for i, n := range users {
			id := fmt.Sprintf("AIDAUSER%013d", i)
			path := "/"
			if strings.HasPrefix(n, "eng-") {
				path = "/eng/"
			}
			if err := tx.CreateUser(ctx, store.User{ID: id, AccountID: testAccount, Name: n, Path: path, CreatedAt: testNow}); err != nil {
				return err
			}
			ids["user/"+n] = id
		}
		for i, n := range groups {
			id := fmt.Sprintf("AGPAGROUP%012d", i)
			if err := tx.CreateGroup(ctx, store.Group{ID: id, AccountID: testAccount, Name: n, Path: "/", CreatedAt: testNow}); err != nil {
				return err
			}
			ids["group/"+n] = id
		}
		for i, n := range roles {
			id := fmt.Sprintf("AROAROLE%013d", i)
			if err := tx.CreateRole(ctx, store.Role{ID: id, AccountID: testAccount, Name: n, Path: "/",
				AssumeRolePolicy: `{"Version":"2012-10-17","Statement":[]}`, MaxSessionDuration: 3600, CreatedAt: testNow}); err != nil {
				return err
			}
			ids["role/"+n] = id
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestAttachDetachPolicies(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	ids := principals(t, env, []string{"alice", "eng-bob"}, []string{"admins"}, []string{"app"})
	mine := mustCreatePolicy(t, env.svc, "Mine", "/team/")
	const admin = "arn:aws:iam::aws:policy/AdministratorAccess"

	for _, tc := range []struct{ kind, name string }{
		{store.PrincipalUser, "alice"}, {store.PrincipalUser, "eng-bob"}, {store.PrincipalGroup, "admins"}, {store.PrincipalRole, "app"},
	} {
		if err := env.svc.AttachPolicy(ctx, testAccount, tc.kind, tc.name, mine.ARN); err != nil {
			t.Fatalf("attach to %s %s: %v", tc.kind, tc.name, err)
		}
	}
	if err := env.svc.AttachPolicy(ctx, testAccount, store.PrincipalUser, "ALICE", admin); err != nil {
		t.Fatal(err)
	}
	// Attaching twice is a no-op that does not even write.
	rev, _ := env.svc.Revision(ctx, testAccount)
	if err := env.svc.AttachPolicy(ctx, testAccount, store.PrincipalUser, "alice", admin); err != nil {
		t.Fatal(err)
	}
	if rev2, _ := env.svc.Revision(ctx, testAccount); rev2 != rev {
		t.Fatalf("second attach changed the revision %d -> %d", rev, rev2)
	}

	got, more, err := env.svc.ListAttachedPolicies(ctx, testAccount, store.PrincipalUser, "alice", "", store.Page{Limit: 1})
	if err != nil || !more || len(got) != 1 || got[0].PolicyARN != admin {
		t.Fatalf("first page = %+v, %v, %v", got, more, err)
	}
	got, more, err = env.svc.ListAttachedPolicies(ctx, testAccount, store.PrincipalUser, "alice", "", store.Page{After: got[0].SortKey(), Limit: 1})
	if err != nil || more || len(got) != 1 || got[0].PolicyARN != mine.ARN || got[0].PolicyName != "Mine" {
		t.Fatalf("second page = %+v, %v, %v", got, more, err)
	}
	got, _, _ = env.svc.ListAttachedPolicies(ctx, testAccount, store.PrincipalUser, "alice", "/team/", store.Page{})
	if len(got) != 1 || got[0].PolicyARN != mine.ARN {
		t.Fatalf("PathPrefix /team/ = %+v", got)
	}

	p, _ := env.svc.GetPolicy(ctx, testAccount, mine.ARN)
	if p.AttachmentCount != 4 {
		t.Fatalf("AttachmentCount = %d, want 4", p.AttachmentCount)
	}
	a, _ := env.svc.GetPolicy(ctx, testAccount, admin)
	if a.AttachmentCount != 1 {
		t.Fatalf("AWS managed AttachmentCount = %d, want 1", a.AttachmentCount)
	}
	err = env.svc.DeletePolicy(ctx, testAccount, mine.ARN)
	wantErrMsg(t, err, CodeDeleteConflict, "Cannot delete a policy attached to entities.")

	// OnlyAttached lists the attached ones, AWS managed included.
	all, _, err := env.svc.ListPolicies(ctx, testAccount, ListPoliciesInput{OnlyAttached: true}, store.Page{})
	if err != nil || len(all) != 2 || all[0].ARN != admin || all[1].ARN != mine.ARN {
		t.Fatalf("OnlyAttached = %+v, %v", all, err)
	}

	// Entities, with filters and pages.
	ents, _, err := env.svc.ListEntitiesForPolicy(ctx, testAccount, mine.ARN, "", "", "", store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Kind+":"+e.Name+":"+e.ID)
	}
	want := []string{"group:admins:" + ids["group/admins"], "role:app:" + ids["role/app"], "user:alice:" + ids["user/alice"], "user:eng-bob:" + ids["user/eng-bob"]}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("ListEntitiesForPolicy = %v, want %v", names, want)
	}
	var paged []PolicyEntity
	pg := store.Page{Limit: 1}
	for range 10 {
		page, more, err := env.svc.ListEntitiesForPolicy(ctx, testAccount, mine.ARN, "", "", "", pg)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if !more {
			break
		}
		pg.After = page[len(page)-1].SortKey()
	}
	if len(paged) != 4 {
		t.Fatalf("paged entities: %d", len(paged))
	}
	ents, _, _ = env.svc.ListEntitiesForPolicy(ctx, testAccount, mine.ARN, EntityUser, "/eng/", "", store.Page{})
	if len(ents) != 1 || ents[0].Name != "eng-bob" {
		t.Fatalf("User + /eng/ = %+v", ents)
	}
	ents, _, _ = env.svc.ListEntitiesForPolicy(ctx, testAccount, mine.ARN, "", "", UsagePermissionsBoundary, store.Page{})
	if len(ents) != 0 {
		t.Fatalf("boundary usage = %+v", ents)
	}
	ents, _, _ = env.svc.ListEntitiesForPolicy(ctx, testAccount, mine.ARN, EntityAWSManagedPolicy, "", "", store.Page{})
	if len(ents) != 0 {
		t.Fatalf("AWSManagedPolicy filter on a customer policy = %+v", ents)
	}

	// Errors.
	err = env.svc.AttachPolicy(ctx, testAccount, store.PrincipalUser, "nobody", admin)
	wantErrMsg(t, err, CodeNoSuchEntity, "The user with name nobody cannot be found.")
	err = env.svc.AttachPolicy(ctx, testAccount, store.PrincipalGroup, "nogroup", admin)
	wantErrMsg(t, err, CodeNoSuchEntity, "The group with name nogroup cannot be found.")
	err = env.svc.AttachPolicy(ctx, testAccount, store.PrincipalRole, "norole", admin)
	wantErrMsg(t, err, CodeNoSuchEntity, "The role with name norole cannot be found.")
	missing := "arn:aws:iam::" + testAccount + ":policy/Missing"
	err = env.svc.AttachPolicy(ctx, testAccount, store.PrincipalUser, "alice", missing)
	wantErrMsg(t, err, CodeNoSuchEntity, "Policy "+missing+" does not exist or is not attachable.")
	err = env.svc.DetachPolicy(ctx, testAccount, store.PrincipalRole, "app", admin)
	wantErrMsg(t, err, CodeNoSuchEntity, "Policy "+admin+" was not found.")

	for _, tc := range []struct{ kind, name string }{
		{store.PrincipalUser, "alice"}, {store.PrincipalUser, "eng-bob"}, {store.PrincipalGroup, "admins"}, {store.PrincipalRole, "app"},
	} {
		if err := env.svc.DetachPolicy(ctx, testAccount, tc.kind, tc.name, mine.ARN); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.svc.DeletePolicy(ctx, testAccount, mine.ARN); err != nil {
		t.Fatal(err)
	}
}

func TestAttachQuotaAndBoundaryUsage(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	ids := principals(t, env, []string{"alice"}, nil, []string{"app"})
	env.svc.quotas.AttachedPoliciesPerRole = 2
	var arns []string
	for i := range 3 {
		arns = append(arns, mustCreatePolicy(t, env.svc, fmt.Sprintf("p%d", i), "").ARN)
	}
	for _, arn := range arns[:2] {
		if err := env.svc.AttachPolicy(ctx, testAccount, store.PrincipalRole, "app", arn); err != nil {
			t.Fatal(err)
		}
	}
	err := env.svc.AttachPolicy(ctx, testAccount, store.PrincipalRole, "app", arns[2])
	wantErrMsg(t, err, CodeLimitExceeded, "Cannot exceed quota for PoliciesPerRole: 2")
	// Re-attaching an attached policy at the quota is still a no-op.
	if err := env.svc.AttachPolicy(ctx, testAccount, store.PrincipalRole, "app", arns[0]); err != nil {
		t.Fatal(err)
	}

	// A boundary recorded by the users area counts as a usage.
	err = env.store.Tx(ctx, func(tx store.Txn) error {
		if err := env.svc.requireManagedPolicy(ctx, tx, testAccount, arns[2]); err != nil {
			return err
		}
		return tx.SetBoundaryUsage(ctx, testAccount, store.PrincipalUser, ids["user/alice"], arns[2])
	})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := env.svc.GetPolicy(ctx, testAccount, arns[2])
	if p.PermissionsBoundaryUsageCount != 1 || p.AttachmentCount != 0 {
		t.Fatalf("counts = %d/%d", p.AttachmentCount, p.PermissionsBoundaryUsageCount)
	}
	err = env.svc.DeletePolicy(ctx, testAccount, arns[2])
	wantErrMsg(t, err, CodeDeleteConflict, "Cannot delete a policy attached to entities.")
	ents, _, _ := env.svc.ListEntitiesForPolicy(ctx, testAccount, arns[2], "", "", UsagePermissionsBoundary, store.Page{})
	if len(ents) != 1 || ents[0].Name != "alice" {
		t.Fatalf("boundary entities = %+v", ents)
	}
	got, _, _ := env.svc.ListPolicies(ctx, testAccount, ListPoliciesInput{UsageFilter: UsagePermissionsBoundary}, store.Page{})
	if len(got) != 1 || got[0].ARN != arns[2] {
		t.Fatalf("ListPolicies PermissionsBoundary = %+v", got)
	}

	// requireManagedPolicy's errors.
	err = env.store.View(ctx, func(tx store.Txn) error {
		return env.svc.requireManagedPolicy(ctx, tx, testAccount, "arn:aws:iam::aws:policy/Nope")
	})
	wantErrMsg(t, err, CodeNoSuchEntity, "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.")
	err = env.store.View(ctx, func(tx store.Txn) error {
		return env.svc.requireManagedPolicy(ctx, tx, testAccount, "arn:aws:iam::"+testAccount+":user/alice")
	})
	wantErrMsg(t, err, CodeInvalidInput, "ARN arn:aws:iam::"+testAccount+":user/alice is not valid.")
}

func TestInlinePolicies(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	principals(t, env, []string{"alice"}, []string{"devs"}, []string{"app"})
	doc := "{ \"Statement\": [{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}] }\n"
	if err := env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalUser, "ALICE", "s3", doc); err != nil {
		t.Fatal(err)
	}
	p, err := env.svc.GetInlinePolicy(ctx, testAccount, store.PrincipalUser, "alice", "S3")
	if err != nil {
		t.Fatal(err)
	}
	if p.Document != doc || p.PrincipalName != "alice" || p.PolicyName != "s3" {
		t.Fatalf("GetInlinePolicy = %+v", p)
	}
	for _, n := range []string{"b", "a", "c"} {
		if err := env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalUser, "alice", n, doc); err != nil {
			t.Fatal(err)
		}
	}
	names, more, err := env.svc.ListInlinePolicyNames(ctx, testAccount, store.PrincipalUser, "alice", store.Page{Limit: 3})
	if err != nil || !more || fmt.Sprint(names) != "[a b c]" {
		t.Fatalf("page 1 = %v %v %v", names, more, err)
	}
	names, more, _ = env.svc.ListInlinePolicyNames(ctx, testAccount, store.PrincipalUser, "alice", store.Page{After: "c", Limit: 3})
	if more || fmt.Sprint(names) != "[s3]" {
		t.Fatalf("page 2 = %v %v", names, more)
	}

	// Aggregate size: the user's 2048 characters are shared by its policies;
	// replacing a policy counts the new document only.
	big := func(n int) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` +
			strings.Repeat("x", n) + `"}]}`
	}
	err = env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalUser, "alice", "big", big(1800))
	wantErrMsg(t, err, CodeLimitExceeded, "Maximum policy size of 2048 bytes exceeded for user alice")
	if err := env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalRole, "app", "big", big(9000)); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalRole, "app", "BIG", big(9500)); err != nil {
		t.Fatalf("replacement counted twice: %v", err)
	}
	err = env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalRole, "app", "more", big(1200))
	wantErrMsg(t, err, CodeLimitExceeded, "Maximum policy size of 10240 bytes exceeded for role app")
	err = env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalGroup, "devs", "g", big(5100))
	wantErrMsg(t, err, CodeLimitExceeded, "Maximum policy size of 5120 bytes exceeded for group devs")

	err = env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalUser, "alice", "bad", `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`)
	wantErrMsg(t, err, CodeMalformedPolicyDocument, "Policy statement must contain actions.")
	err = env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalUser, "nobody", "p", doc)
	wantErrMsg(t, err, CodeNoSuchEntity, "The user with name nobody cannot be found.")
	_, err = env.svc.GetInlinePolicy(ctx, testAccount, store.PrincipalGroup, "devs", "none")
	wantErrMsg(t, err, CodeNoSuchEntity, "The group policy with name none cannot be found.")
	err = env.svc.DeleteInlinePolicy(ctx, testAccount, store.PrincipalRole, "app", "none")
	wantErrMsg(t, err, CodeNoSuchEntity, "The role policy with name none cannot be found.")
	if err := env.svc.DeleteInlinePolicy(ctx, testAccount, store.PrincipalRole, "app", "big"); err != nil {
		t.Fatal(err)
	}
}

func TestPrincipalPoliciesForAuthorization(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	ids := principals(t, env, []string{"alice"}, []string{"devs"}, nil)
	err := env.store.Tx(ctx, func(tx store.Txn) error {
		return tx.AddUserToGroup(ctx, testAccount, ids["group/devs"], ids["user/alice"])
	})
	if err != nil {
		t.Fatal(err)
	}
	mine := mustCreatePolicy(t, env.svc, "Mine", "")
	v2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`
	if _, err := env.svc.CreatePolicyVersion(ctx, testAccount, mine.ARN, v2, true); err != nil {
		t.Fatal(err)
	}
	const ro = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
	for _, arn := range []string{mine.ARN, ro} {
		if err := env.svc.AttachPolicy(ctx, testAccount, store.PrincipalUser, "alice", arn); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.svc.AttachPolicy(ctx, testAccount, store.PrincipalGroup, "devs", ro); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalGroup, "devs", "g", testPolicyDoc); err != nil {
		t.Fatal(err)
	}
	user, groups, err := env.svc.UserPolicies(ctx, testAccount, ids["user/alice"])
	if err != nil {
		t.Fatal(err)
	}
	mp, _ := ManagedPolicyByARN(ro)
	if len(user.Managed) != 2 || user.Managed[0].ARN != ro || user.Managed[0].Document != mp.Document || !user.Managed[0].AWSManaged ||
		user.Managed[1].ARN != mine.ARN || user.Managed[1].Document != v2 || user.Managed[1].VersionID != "v2" || len(user.Inline) != 0 {
		t.Fatalf("user policies = %+v", user)
	}
	g := groups[ids["group/devs"]]
	if len(groups) != 1 || len(g.Managed) != 1 || len(g.Inline) != 1 || g.Inline[0].Name != "g" || g.Inline[0].Document != testPolicyDoc {
		t.Fatalf("group policies = %+v", groups)
	}
	d, err := env.svc.ManagedPolicyDocument(ctx, testAccount, mine.ARN)
	if err != nil || d.Document != v2 {
		t.Fatalf("ManagedPolicyDocument = %+v, %v", d, err)
	}
}
