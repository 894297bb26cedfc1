package iam

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/iamd/iamd/internal/store"
)

const testPolicyDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

func newPolicyService(t *testing.T) serviceEnv {
	t.Helper()
	env := newTestService(t, masterKey(1))
	if err := env.svc.EnsureAccount(t.Context(), testAccount, "", ""); err != nil {
		t.Fatal(err)
	}
	return env
}

func wantErrMsg(t *testing.T, err error, code, msg string) {
	t.Helper()
	wantCode(t, err, code)
	if got := err.(*Error).Message; got != msg {
		t.Fatalf("message = %q, want %q", got, msg)
	}
}

func mustCreatePolicy(t *testing.T, svc *Service, name, path string) Policy {
	t.Helper()
	p, err := svc.CreatePolicy(t.Context(), testAccount, CreatePolicyInput{Name: name, Path: path, Document: testPolicyDoc})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCreateGetPolicy(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	p, err := env.svc.CreatePolicy(ctx, testAccount, CreatePolicyInput{
		Name: "ReadBucket", Path: "/team/", Description: "reads", Document: testPolicyDoc,
		Tags: []Tag{{Key: "env", Value: "prod"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:iam::" + testAccount + ":policy/team/ReadBucket"
	if p.ARN != wantARN || p.DefaultVersionID != "v1" || !strings.HasPrefix(p.ID, PrefixPolicy) || len(p.ID) != IDLength ||
		!p.IsAttachable || p.AttachmentCount != 0 || !p.CreateDate.Equal(testNow) || !p.UpdateDate.Equal(testNow) {
		t.Fatalf("CreatePolicy = %+v", p)
	}
	got, err := env.svc.GetPolicy(ctx, testAccount, wantARN)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.Description != "reads" || len(got.Tags) != 1 || got.Tags[0].Key != "env" || got.AWSManaged {
		t.Fatalf("GetPolicy = %+v", got)
	}

	tests := []struct {
		name, arn, code, msg string
	}{
		{"wrong case", "arn:aws:iam::" + testAccount + ":policy/team/readbucket", CodeNoSuchEntity,
			"Policy arn:aws:iam::" + testAccount + ":policy/team/readbucket was not found."},
		{"wrong path", "arn:aws:iam::" + testAccount + ":policy/ReadBucket", CodeNoSuchEntity,
			"Policy arn:aws:iam::" + testAccount + ":policy/ReadBucket was not found."},
		{"other account", "arn:aws:iam::210987654321:policy/team/ReadBucket", CodeNoSuchEntity,
			"Policy arn:aws:iam::210987654321:policy/team/ReadBucket was not found."},
		{"unknown AWS policy", "arn:aws:iam::aws:policy/NoSuchThing", CodeNoSuchEntity,
			"Policy arn:aws:iam::aws:policy/NoSuchThing was not found."},
		{"not an ARN", "not-an-arn-at-all-really", CodeInvalidInput, "ARN not-an-arn-at-all-really is not valid."},
		{"role ARN", "arn:aws:iam::" + testAccount + ":role/x", CodeInvalidInput, "ARN arn:aws:iam::" + testAccount + ":role/x is not valid."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.svc.GetPolicy(ctx, testAccount, tc.arn)
			wantErrMsg(t, err, tc.code, tc.msg)
		})
	}

	// Duplicate names, case-insensitively, whatever the path.
	_, err = env.svc.CreatePolicy(ctx, testAccount, CreatePolicyInput{Name: "readbucket", Document: testPolicyDoc})
	wantErrMsg(t, err, CodeEntityAlreadyExists, "A policy called readbucket already exists. Duplicate names are not allowed.")
}

func TestCreatePolicyValidation(t *testing.T) {
	env := newPolicyService(t)
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` +
		strings.Repeat("a", 6200) + `"}]}`
	tests := []struct {
		name string
		in   CreatePolicyInput
		code string
		msg  string
	}{
		{"no version", CreatePolicyInput{Name: "p", Document: `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`},
			CodeMalformedPolicyDocument, "Policy document must be version 2012-10-17 or greater."},
		{"syntax", CreatePolicyInput{Name: "p", Document: `{"Version":"2012-10-17",`}, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"principal in identity policy", CreatePolicyInput{Name: "p", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`},
			CodeMalformedPolicyDocument, "Policy document should not specify a principal."},
		{"too big", CreatePolicyInput{Name: "p", Document: big}, CodeLimitExceeded, "Cannot exceed quota for PolicySize: 6144"},
		{"bad path", CreatePolicyInput{Name: "p", Path: "/a b/", Document: testPolicyDoc}, CodeValidationError,
			"1 validation error detected: Value '/a b/' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: " + PatternPolicyPath},
		{"reserved tag", CreatePolicyInput{Name: "p", Document: testPolicyDoc, Tags: []Tag{{Key: "aws:x", Value: "y"}}}, CodeInvalidInput,
			"Tag key 'aws:x' is not valid: tag keys starting with 'aws:' are reserved for AWS use."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.svc.CreatePolicy(t.Context(), testAccount, tc.in)
			wantErrMsg(t, err, tc.code, tc.msg)
		})
	}
	n, _ := countPolicies(t, env)
	if n != 0 {
		t.Fatalf("%d policies created by failed calls", n)
	}
}

func countPolicies(t *testing.T, env serviceEnv) (int, error) {
	var n int
	err := env.store.View(t.Context(), func(tx store.Txn) error {
		var err error
		n, err = tx.CountPolicies(t.Context(), testAccount)
		return err
	})
	return n, err
}

func TestPoliciesPerAccountQuota(t *testing.T) {
	env := newPolicyService(t)
	env.svc.quotas.PoliciesPerAccount = 2
	mustCreatePolicy(t, env.svc, "a", "")
	mustCreatePolicy(t, env.svc, "b", "")
	_, err := env.svc.CreatePolicy(t.Context(), testAccount, CreatePolicyInput{Name: "c", Document: testPolicyDoc})
	wantErrMsg(t, err, CodeLimitExceeded, "Cannot exceed quota for PoliciesPerAccount: 2")
}

// Documents come back exactly as submitted: white space, key order,
// escapes and Latin-1 characters included.
func TestPolicyDocumentByteExact(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	docs := []string{
		"{\n  \"Version\" : \"2012-10-17\",\r\n\t\"Statement\": [ {\"Sid\": \"Caf\u00e9\\u00e9\\\"q\\\\\", \"Effect\":\"Allow\",\"Action\":[\"s3:Get*\"],\"Resource\":\"arn:aws:s3:::b/\u00fc ber/*\"} ]\n}\n\n",
		`{"Statement":[{"Resource":"*","Action":"iam:Get*","Effect":"Allow"}],"Version":"2012-10-17"}`,
	}
	p, err := env.svc.CreatePolicy(ctx, testAccount, CreatePolicyInput{Name: "exact", Document: docs[0]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.CreatePolicyVersion(ctx, testAccount, p.ARN, docs[1], false); err != nil {
		t.Fatal(err)
	}
	for i, want := range docs {
		v, err := env.svc.GetPolicyVersion(ctx, testAccount, p.ARN, fmt.Sprintf("v%d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		if v.Document != want {
			t.Errorf("v%d document = %q, want %q", i+1, v.Document, want)
		}
	}
}

func TestPolicyVersionsLifecycle(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	p := mustCreatePolicy(t, env.svc, "versioned", "")
	doc := func(i int) string {
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"S%d","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, i)
	}
	for i := 2; i <= 5; i++ {
		v, err := env.svc.CreatePolicyVersion(ctx, testAccount, p.ARN, doc(i), i == 3)
		if err != nil {
			t.Fatal(err)
		}
		if v.VersionID != fmt.Sprintf("v%d", i) || v.IsDefaultVersion != (i == 3) {
			t.Fatalf("CreatePolicyVersion = %+v", v)
		}
	}
	// The sixth version is over the limit of five.
	_, err := env.svc.CreatePolicyVersion(ctx, testAccount, p.ARN, doc(6), true)
	wantErrMsg(t, err, CodeLimitExceeded, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")

	got, _ := env.svc.GetPolicy(ctx, testAccount, p.ARN)
	if got.DefaultVersionID != "v3" {
		t.Fatalf("default = %s, want v3", got.DefaultVersionID)
	}
	vs, err := env.svc.ListPolicyVersions(ctx, testAccount, p.ARN)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, fmt.Sprintf("%s:%v", v.VersionID, v.IsDefaultVersion))
	}
	if strings.Join(ids, " ") != "v5:false v4:false v3:true v2:false v1:false" {
		t.Fatalf("ListPolicyVersions = %v", ids)
	}
	for i := 1; i < len(vs); i++ {
		if VersionSortKey(vs[i].VersionID) <= VersionSortKey(vs[i-1].VersionID) {
			t.Fatalf("sort keys do not grow along the list at %d", i)
		}
	}

	err = env.svc.DeletePolicyVersion(ctx, testAccount, p.ARN, "v3")
	wantErrMsg(t, err, CodeDeleteConflict, "Cannot delete the default version of a policy.")
	err = env.svc.DeletePolicyVersion(ctx, testAccount, p.ARN, "v9")
	wantErrMsg(t, err, CodeNoSuchEntity, "Policy "+p.ARN+" version v9 does not exist or is not attachable.")
	err = env.svc.SetDefaultPolicyVersion(ctx, testAccount, p.ARN, "v9")
	wantErrMsg(t, err, CodeNoSuchEntity, "Policy "+p.ARN+" version v9 does not exist or is not attachable.")

	// DeletePolicy refuses while non-default versions exist.
	err = env.svc.DeletePolicy(ctx, testAccount, p.ARN)
	wantErrMsg(t, err, CodeDeleteConflict, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")

	if err := env.svc.DeletePolicyVersion(ctx, testAccount, p.ARN, "v5"); err != nil {
		t.Fatal(err)
	}
	// Numbers are not reused: the next version is v6.
	v, err := env.svc.CreatePolicyVersion(ctx, testAccount, p.ARN, doc(6), false)
	if err != nil || v.VersionID != "v6" {
		t.Fatalf("CreatePolicyVersion after delete = %+v, %v", v, err)
	}
	if err := env.svc.SetDefaultPolicyVersion(ctx, testAccount, p.ARN, "v6"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"v1", "v2", "v3", "v4"} {
		if err := env.svc.DeletePolicyVersion(ctx, testAccount, p.ARN, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.svc.DeletePolicy(ctx, testAccount, p.ARN); err != nil {
		t.Fatal(err)
	}
	_, err = env.svc.GetPolicy(ctx, testAccount, p.ARN)
	wantCode(t, err, CodeNoSuchEntity)
	// The name is free again.
	mustCreatePolicy(t, env.svc, "versioned", "")
}

func TestAWSManagedPolicies(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	const arn = "arn:aws:iam::aws:policy/AdministratorAccess"
	p, err := env.svc.GetPolicy(ctx, testAccount, arn)
	if err != nil {
		t.Fatal(err)
	}
	if !p.AWSManaged || p.Name != "AdministratorAccess" || p.ID != "ANPAIWMBCKSKIEE64ZLYK" || !p.IsAttachable || p.DefaultVersionID == "" {
		t.Fatalf("GetPolicy(AdministratorAccess) = %+v", p)
	}
	v, err := env.svc.GetPolicyVersion(ctx, testAccount, arn, p.DefaultVersionID)
	if err != nil {
		t.Fatal(err)
	}
	mp, _ := ManagedPolicyByARN(arn)
	if v.Document != mp.Document || !v.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion = %+v", v)
	}
	_, err = env.svc.GetPolicyVersion(ctx, testAccount, arn, "v99")
	wantErrMsg(t, err, CodeNoSuchEntity, "Policy "+arn+" version v99 does not exist or is not attachable.")

	for name, f := range map[string]func() error{
		"CreatePolicyVersion": func() error {
			_, err := env.svc.CreatePolicyVersion(ctx, testAccount, arn, testPolicyDoc, true)
			return err
		},
		"DeletePolicy":            func() error { return env.svc.DeletePolicy(ctx, testAccount, arn) },
		"DeletePolicyVersion":     func() error { return env.svc.DeletePolicyVersion(ctx, testAccount, arn, "v1") },
		"SetDefaultPolicyVersion": func() error { return env.svc.SetDefaultPolicyVersion(ctx, testAccount, arn, "v1") },
		"TagPolicy":               func() error { return env.svc.TagPolicy(ctx, testAccount, arn, []Tag{{Key: "k", Value: "v"}}) },
		"UntagPolicy":             func() error { return env.svc.UntagPolicy(ctx, testAccount, arn, []string{"k"}) },
	} {
		wantErrMsg(t, f(), CodeAccessDenied, "User: arn:aws:iam::"+testAccount+":root is not authorized to perform: iam:"+name+" on resource: policy "+arn)
	}
	id := &Identity{ARN: "arn:aws:iam::" + testAccount + ":user/alice"}
	wantErrMsg(t, CheckPolicyModifiable(id, "DeletePolicy", arn), CodeAccessDenied,
		"User: arn:aws:iam::"+testAccount+":user/alice is not authorized to perform: iam:DeletePolicy on resource: policy "+arn)
	if err := CheckPolicyModifiable(id, "DeletePolicy", "arn:aws:iam::"+testAccount+":policy/x"); err != nil {
		t.Fatal(err)
	}
}

func TestListPoliciesScopesAndPages(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	// A customer policy named like an AWS managed one sorts next to it.
	for _, n := range []string{"AdministratorAccess", "zeta", "Alpha", "mid"} {
		path := "/"
		if n == "mid" {
			path = "/team/"
		}
		mustCreatePolicy(t, env.svc, n, path)
	}
	aws := ManagedPolicies()
	collect := func(in ListPoliciesInput, limit int) []Policy {
		t.Helper()
		var all []Policy
		p := store.Page{Limit: limit}
		for range 100 {
			page, more, err := env.svc.ListPolicies(ctx, testAccount, in, p)
			if err != nil {
				t.Fatal(err)
			}
			if limit > 0 && len(page) > limit {
				t.Fatalf("page of %d > %d", len(page), limit)
			}
			all = append(all, page...)
			if !more {
				return all
			}
			p.After = page[len(page)-1].SortKey()
		}
		t.Fatal("pagination does not end")
		return nil
	}
	for _, limit := range []int{0, 1, 2, 5} {
		all := collect(ListPoliciesInput{}, limit)
		if len(all) != len(aws)+4 {
			t.Fatalf("limit %d: %d policies, want %d", limit, len(all), len(aws)+4)
		}
		for i := 1; i < len(all); i++ {
			if all[i].SortKey() <= all[i-1].SortKey() {
				t.Fatalf("limit %d: not sorted at %d: %s after %s", limit, i, all[i].ARN, all[i-1].ARN)
			}
		}
		if all[0].Name != "AdministratorAccess" || all[0].AWSManaged || all[1].Name != "AdministratorAccess" || !all[1].AWSManaged {
			t.Fatalf("customer and AWS AdministratorAccess: %+v %+v", all[0], all[1])
		}
	}
	if local := collect(ListPoliciesInput{Scope: "Local"}, 1); len(local) != 4 {
		t.Fatalf("Scope Local: %d", len(local))
	}
	if got := collect(ListPoliciesInput{Scope: "AWS"}, 3); len(got) != len(aws) {
		t.Fatalf("Scope AWS: %d, want %d", len(got), len(aws))
	}
	if got := collect(ListPoliciesInput{PathPrefix: "/team/"}, 1); len(got) != 1 || got[0].Name != "mid" {
		t.Fatalf("PathPrefix /team/: %+v", got)
	}
	if got := collect(ListPoliciesInput{Scope: "AWS", PathPrefix: "/service-role/"}, 0); len(got) == 0 {
		t.Fatal("no AWS service-role policies listed")
	}
	if got := collect(ListPoliciesInput{OnlyAttached: true}, 0); len(got) != 0 {
		t.Fatalf("OnlyAttached with nothing attached: %d", len(got))
	}
}

// The version limit and the attachment quota hold under concurrent calls:
// each is read, checked and written in one serializable transaction.
func TestPolicyLimitsUnderRaces(t *testing.T) {
	env := newPolicyService(t)
	ctx := t.Context()
	principals(t, env, nil, nil, []string{"app"})
	p := mustCreatePolicy(t, env.svc, "raced", "")
	var arns []string
	for i := range 12 {
		arns = append(arns, mustCreatePolicy(t, env.svc, fmt.Sprintf("a%02d", i), "").ARN)
	}
	const n = 12
	var wg sync.WaitGroup
	versionErrs := make([]error, n)
	attachErrs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, versionErrs[i] = env.svc.CreatePolicyVersion(ctx, testAccount, p.ARN, testPolicyDoc, false)
		})
		wg.Go(func() {
			attachErrs[i] = env.svc.AttachPolicy(ctx, testAccount, store.PrincipalRole, "app", arns[i])
		})
	}
	wg.Wait()
	count := func(errs []error) (ok int) {
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantCode(t, err, CodeLimitExceeded)
			}
		}
		return ok
	}
	if ok := count(versionErrs); ok != 4 {
		t.Errorf("%d versions created concurrently, want 4 (5 with v1)", ok)
	}
	if ok := count(attachErrs); ok != 10 {
		t.Errorf("%d attachments made concurrently, want 10", ok)
	}
	vs, _ := env.svc.ListPolicyVersions(ctx, testAccount, p.ARN)
	if len(vs) != 5 {
		t.Errorf("%d versions stored", len(vs))
	}
}
