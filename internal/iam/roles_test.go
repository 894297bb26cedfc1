package iam

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

const ec2Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func newRolesService(t *testing.T) serviceEnv {
	t.Helper()
	env := newTestService(t, masterKey(1))
	if err := env.svc.EnsureAccount(t.Context(), testAccount, "", ""); err != nil {
		t.Fatal(err)
	}
	return env
}

// wantAWS checks an error's code and, when message is not empty, its exact
// message.
func wantAWS(t *testing.T, err error, code, message string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if e.Code != code || (message != "" && e.Message != message) {
		t.Fatalf("error = %s: %q, want %s: %q", e.Code, e.Message, code, message)
	}
}

func mustCreateRole(t *testing.T, svc *Service, in CreateRoleInput) Role {
	t.Helper()
	if in.AssumeRolePolicy == "" {
		in.AssumeRolePolicy = ec2Trust
	}
	r, err := svc.CreateRole(t.Context(), testAccount, in)
	if err != nil {
		t.Fatalf("CreateRole(%s): %v", in.Name, err)
	}
	return r
}

func TestRoleCreateGetRoundTrip(t *testing.T) {
	env := newRolesService(t)
	ctx := t.Context()
	// Odd but valid formatting must come back byte for byte.
	doc := "{\n  \"Version\" : \"2012-10-17\",\r\n\t\"Statement\": [ {\"Effect\":\"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"},\n \"Action\": [\"sts:AssumeRole\", \"sts:TagSession\"], \"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"a b+c%d&e\"}}}]}\n"
	created := mustCreateRole(t, env.svc, CreateRoleInput{
		Name: "Deployer", Path: "/ci/", AssumeRolePolicy: doc, Description: "Deploys. ¡Olé!",
		MaxSessionDuration: 7200, Tags: []Tag{{"team", "infra"}, {"Env", ""}},
	})
	if !strings.HasPrefix(created.ID, PrefixRole) || len(created.ID) != IDLength {
		t.Fatalf("role ID %q", created.ID)
	}
	if created.ARN != "arn:aws:iam::123456789012:role/ci/Deployer" || !created.CreatedAt.Equal(testNow) {
		t.Fatalf("created = %+v", created)
	}
	got, err := env.svc.GetRole(ctx, testAccount, "deployer")
	if err != nil {
		t.Fatal(err)
	}
	if got.AssumeRolePolicy != doc {
		t.Fatalf("trust document changed:\n%q\nwant\n%q", got.AssumeRolePolicy, doc)
	}
	if got.Name != "Deployer" || got.Path != "/ci/" || got.Description != "Deploys. ¡Olé!" || got.MaxSessionDuration != 7200 ||
		got.ID != created.ID || !got.LastUsedAt.IsZero() {
		t.Fatalf("GetRole = %+v", got)
	}
	if fmt.Sprint(got.Tags) != "[{Env } {team infra}]" {
		t.Fatalf("tags = %v", got.Tags)
	}
	byID, err := env.svc.RoleByID(ctx, testAccount, created.ID)
	if err != nil || byID.Name != "Deployer" {
		t.Fatalf("RoleByID = %+v, %v", byID, err)
	}
	byARN, err := env.svc.RoleByARN(ctx, "arn:aws:iam::123456789012:role/ci/deployer")
	if err != nil || byARN.ID != created.ID {
		t.Fatalf("RoleByARN = %+v, %v", byARN, err)
	}
	_, err = env.svc.RoleByARN(ctx, "arn:aws:iam::123456789012:role/Deployer")
	wantAWS(t, err, CodeNoSuchEntity, "The role with name Deployer cannot be found.")

	// Defaults.
	def := mustCreateRole(t, env.svc, CreateRoleInput{Name: "plain"})
	if def.Path != "/" || def.MaxSessionDuration != 3600 || def.Tags != nil || def.ARN != "arn:aws:iam::123456789012:role/plain" {
		t.Fatalf("defaults = %+v", def)
	}

	_, err = env.svc.CreateRole(ctx, testAccount, CreateRoleInput{Name: "DEPLOYER", AssumeRolePolicy: ec2Trust})
	wantAWS(t, err, CodeEntityAlreadyExists, "Role with name DEPLOYER already exists.")
	_, err = env.svc.GetRole(ctx, testAccount, "nobody")
	wantAWS(t, err, CodeNoSuchEntity, "The role with name nobody cannot be found.")
}

func TestRoleTrustPolicyValidation(t *testing.T) {
	env := newRolesService(t)
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "existing", Path: "/p/"})
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` +
		strings.Repeat("x", 2000) + `"}}}]}`
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	tests := []struct {
		name, doc, code, msg string
	}{
		{"bad JSON", `{"Version":"2012-10-17","Statement":[`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"no principal", stmt(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), CodeMalformedPolicyDocument, "Missing required field Principal"},
		{"identity policy as trust", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), CodeMalformedPolicyDocument, ""},
		{"resource in trust", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}`), CodeMalformedPolicyDocument, "Has prohibited field Resource."},
		{"non-sts action", stmt(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"s3:GetObject"}`), CodeMalformedPolicyDocument, "AssumeRole policy may only specify STS AssumeRole actions."},
		{"wildcard user", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/*"},"Action":"sts:AssumeRole"}`), CodeMalformedPolicyDocument, `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/*"`},
		{"missing role", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ghost"},"Action":"sts:AssumeRole"}`), CodeMalformedPolicyDocument, `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/ghost"`},
		{"role at wrong path", stmt(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:role/existing"]},"Action":"sts:AssumeRole"}`), CodeMalformedPolicyDocument, `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/existing"`},
		{"missing user", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/ghost"},"Action":"sts:AssumeRole"}`), CodeMalformedPolicyDocument, `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/ghost"`},
		{"missing OIDC provider", stmt(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/ghost.example.com"},"Action":"sts:AssumeRoleWithWebIdentity"}`), CodeMalformedPolicyDocument, `Invalid principal in policy: "Federated":"arn:aws:iam::123456789012:oidc-provider/ghost.example.com"`},
		{"not an ARN", stmt(`{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}`), CodeMalformedPolicyDocument, `Invalid principal in policy: "AWS":"bob"`},
		{"too large", big, CodeLimitExceeded, "Cannot exceed quota for ACLSizePerRole: 2048"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.svc.CreateRole(t.Context(), testAccount, CreateRoleInput{Name: "r", AssumeRolePolicy: tc.doc})
			wantAWS(t, err, tc.code, tc.msg)
			err = env.svc.UpdateAssumeRolePolicy(t.Context(), testAccount, "existing", tc.doc)
			wantAWS(t, err, tc.code, tc.msg)
		})
	}
	// Valid principals: an existing role (name case-insensitive), another
	// account iamd does not hold, a service, an existing OIDC provider.
	if _, err := env.svc.CreateOpenIDConnectProvider(t.Context(), testAccount, "https://token.actions.githubusercontent.com", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	ok := stmt(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:role/p/EXISTING","arn:aws:iam::999999999999:user/x","123456789012"],"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},` +
		`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}`)
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "ok", AssumeRolePolicy: ok})
	if err := env.svc.UpdateAssumeRolePolicy(t.Context(), testAccount, "existing", ok); err != nil {
		t.Fatal(err)
	}
	got, _ := env.svc.GetRole(t.Context(), testAccount, "existing")
	if got.AssumeRolePolicy != ok {
		t.Fatalf("trust policy not replaced: %s", got.AssumeRolePolicy)
	}
	// Nothing was created by the failures.
	roles, _, _ := env.svc.ListRoles(t.Context(), testAccount, "", store.Page{})
	if len(roles) != 2 {
		t.Fatalf("%d roles, want 2", len(roles))
	}
}

func TestRoleInputValidation(t *testing.T) {
	env := newRolesService(t)
	tests := []struct {
		name string
		in   CreateRoleInput
		code string
		msg  string
	}{
		{"session too short", CreateRoleInput{Name: "r", MaxSessionDuration: 100}, CodeValidationError,
			"1 validation error detected: Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"},
		{"session too long", CreateRoleInput{Name: "r", MaxSessionDuration: 43201}, CodeValidationError, ""},
		{"bad name", CreateRoleInput{Name: "a b"}, CodeValidationError, ""},
		{"long name", CreateRoleInput{Name: strings.Repeat("a", 65)}, CodeValidationError, ""},
		{"bad path", CreateRoleInput{Name: "r", Path: "noslash"}, CodeValidationError, pathInvalidMessage},
		{"reserved tag", CreateRoleInput{Name: "r", Tags: []Tag{{"aws:x", "y"}}}, CodeInvalidInput, ""},
		{"boundary not a policy", CreateRoleInput{Name: "r", PermissionsBoundary: "arn:aws:iam::123456789012:role/x"}, CodeInvalidInput, "ARN arn:aws:iam::123456789012:role/x is not valid."},
		{"boundary missing", CreateRoleInput{Name: "r", PermissionsBoundary: "arn:aws:iam::aws:policy/NoSuchPolicy"}, CodeNoSuchEntity, "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.AssumeRolePolicy = ec2Trust
			_, err := env.svc.CreateRole(t.Context(), testAccount, tc.in)
			wantAWS(t, err, tc.code, tc.msg)
		})
	}
}

func TestRoleQuota(t *testing.T) {
	env := newRolesService(t)
	q := DefaultQuotas()
	q.RolesPerAccount = 2
	env.svc.quotas = q
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "a"})
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "b"})
	_, err := env.svc.CreateRole(t.Context(), testAccount, CreateRoleInput{Name: "c", AssumeRolePolicy: ec2Trust})
	wantAWS(t, err, CodeLimitExceeded, "Cannot exceed quota for RolesPerAccount: 2")
}

func TestRoleListPagination(t *testing.T) {
	env := newRolesService(t)
	for i := range 7 {
		path := "/"
		if i%2 == 1 {
			path = "/odd/"
		}
		mustCreateRole(t, env.svc, CreateRoleInput{Name: fmt.Sprintf("Role%d", 6-i), Path: path, PermissionsBoundary: "arn:aws:iam::aws:policy/AdministratorAccess"})
	}
	var names []string
	p := store.Page{Limit: 3}
	for pages := 0; ; pages++ {
		rs, more, err := env.svc.ListRoles(t.Context(), testAccount, "", p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.PermissionsBoundaryARN != "" || r.Tags != nil {
				t.Fatalf("ListRoles shows boundary or tags: %+v", r)
			}
			names = append(names, r.Name)
		}
		if !more {
			break
		}
		p.After = store.NameKey(rs[len(rs)-1].Name)
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if fmt.Sprint(names) != "[Role0 Role1 Role2 Role3 Role4 Role5 Role6]" {
		t.Fatalf("names = %v", names)
	}
	odd, _, err := env.svc.ListRoles(t.Context(), testAccount, "/odd", store.Page{})
	if err != nil || len(odd) != 3 {
		t.Fatalf("prefix /odd: %v %v", odd, err)
	}
	_, _, err = env.svc.ListRoles(t.Context(), testAccount, "odd", store.Page{})
	wantAWS(t, err, CodeValidationError, "")
}

func TestRoleUpdates(t *testing.T) {
	env := newRolesService(t)
	ctx := t.Context()
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "app", Description: "old"})
	d, m := "new", 43200
	if err := env.svc.UpdateRole(ctx, testAccount, "APP", &d, &m); err != nil {
		t.Fatal(err)
	}
	got, _ := env.svc.GetRole(ctx, testAccount, "app")
	if got.Description != "new" || got.MaxSessionDuration != 43200 {
		t.Fatalf("after UpdateRole: %+v", got)
	}
	// Omitted fields are unchanged.
	if err := env.svc.UpdateRole(ctx, testAccount, "app", nil, nil); err != nil {
		t.Fatal(err)
	}
	got, _ = env.svc.GetRole(ctx, testAccount, "app")
	if got.Description != "new" || got.MaxSessionDuration != 43200 {
		t.Fatalf("after empty UpdateRole: %+v", got)
	}
	bad := 3599
	wantAWS(t, env.svc.UpdateRole(ctx, testAccount, "app", nil, &bad), CodeValidationError, "")
	wantAWS(t, env.svc.UpdateRole(ctx, testAccount, "ghost", &d, nil), CodeNoSuchEntity, "The role with name ghost cannot be found.")

	r, err := env.svc.UpdateRoleDescription(ctx, testAccount, "app", "described")
	if err != nil || r.Description != "described" || r.Name != "app" {
		t.Fatalf("UpdateRoleDescription = %+v, %v", r, err)
	}

	// Permissions boundary.
	const admin = "arn:aws:iam::aws:policy/AdministratorAccess"
	wantAWS(t, env.svc.DeleteRolePermissionsBoundary(ctx, testAccount, "app"), CodeNoSuchEntity, "")
	if err := env.svc.PutRolePermissionsBoundary(ctx, testAccount, "app", admin); err != nil {
		t.Fatal(err)
	}
	got, _ = env.svc.GetRole(ctx, testAccount, "app")
	if got.PermissionsBoundaryARN != admin {
		t.Fatalf("boundary = %q", got.PermissionsBoundaryARN)
	}
	wantAWS(t, env.svc.PutRolePermissionsBoundary(ctx, testAccount, "app", "not-an-arn"), CodeInvalidInput, "ARN not-an-arn is not valid.")
	wantAWS(t, env.svc.PutRolePermissionsBoundary(ctx, testAccount, "app", "arn:aws:iam::aws:policy/Nope"), CodeNoSuchEntity, "")
	if err := env.svc.DeleteRolePermissionsBoundary(ctx, testAccount, "app"); err != nil {
		t.Fatal(err)
	}
	got, _ = env.svc.GetRole(ctx, testAccount, "app")
	if got.PermissionsBoundaryARN != "" {
		t.Fatalf("boundary not removed: %q", got.PermissionsBoundaryARN)
	}
}

func TestRoleTags(t *testing.T) {
	env := newRolesService(t)
	ctx := t.Context()
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "app", Tags: []Tag{{"a", "1"}}})
	if err := env.svc.TagRole(ctx, testAccount, "app", []Tag{{"A", "2"}, {"b", "3"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := env.svc.ListRoleTags(ctx, testAccount, "app")
	if err != nil || fmt.Sprint(tags) != "[{A 2} {b 3}]" {
		t.Fatalf("tags = %v, %v", tags, err)
	}
	if err := env.svc.UntagRole(ctx, testAccount, "app", []string{"a", "missing"}); err != nil {
		t.Fatal(err)
	}
	tags, _ = env.svc.ListRoleTags(ctx, testAccount, "app")
	if fmt.Sprint(tags) != "[{b 3}]" {
		t.Fatalf("after untag: %v", tags)
	}
	var many []Tag
	for i := range 50 {
		many = append(many, Tag{fmt.Sprintf("k%d", i), "v"})
	}
	wantAWS(t, env.svc.TagRole(ctx, testAccount, "app", many), CodeLimitExceeded, "The number of tags has reached the maximum limit.")
	wantAWS(t, env.svc.TagRole(ctx, testAccount, "ghost", []Tag{{"a", "b"}}), CodeNoSuchEntity, "")
}

func TestRoleDeleteConflicts(t *testing.T) {
	env := newRolesService(t)
	ctx := t.Context()
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "app", Tags: []Tag{{"k", "v"}}})
	if _, err := env.svc.CreateInstanceProfile(ctx, testAccount, "web", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.AddRoleToInstanceProfile(ctx, testAccount, "web", "app"); err != nil {
		t.Fatal(err)
	}
	wantAWS(t, env.svc.DeleteRole(ctx, testAccount, "app"), CodeDeleteConflict, "Cannot delete entity, must remove roles from instance profile first.")
	wantAWS(t, env.svc.DeleteInstanceProfile(ctx, testAccount, "web"), CodeDeleteConflict, "Cannot delete entity, must remove roles from instance profile first.")
	if err := env.svc.RemoveRoleFromInstanceProfile(ctx, testAccount, "web", "app"); err != nil {
		t.Fatal(err)
	}
	role, _ := env.svc.GetRole(ctx, testAccount, "app")
	if err := env.svc.DeleteRole(ctx, testAccount, "app"); err != nil {
		t.Fatal(err)
	}
	_, err := env.svc.GetRole(ctx, testAccount, "app")
	wantAWS(t, err, CodeNoSuchEntity, "The role with name app cannot be found.")
	wantAWS(t, env.svc.DeleteRole(ctx, testAccount, "app"), CodeNoSuchEntity, "")
	// Its tags went with it.
	err = env.store.View(ctx, func(tx store.Txn) error {
		tags, err := tx.ListTags(ctx, testAccount, store.TagKindRole, role.ID)
		if err == nil && len(tags) != 0 {
			return fmt.Errorf("tags left behind: %v", tags)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.svc.DeleteInstanceProfile(ctx, testAccount, "web"); err != nil {
		t.Fatal(err)
	}
}

func TestInstanceProfileLifecycle(t *testing.T) {
	env := newRolesService(t)
	ctx := t.Context()
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "app", Path: "/svc/"})
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "other"})
	ip, err := env.svc.CreateInstanceProfile(ctx, testAccount, "Web", "/web/", []Tag{{"t", "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ip.ID, PrefixInstanceProfile) || ip.ARN != "arn:aws:iam::123456789012:instance-profile/web/Web" || len(ip.Roles) != 0 {
		t.Fatalf("created %+v", ip)
	}
	_, err = env.svc.CreateInstanceProfile(ctx, testAccount, "WEB", "", nil)
	wantAWS(t, err, CodeEntityAlreadyExists, "Instance Profile WEB already exists.")
	_, err = env.svc.GetInstanceProfile(ctx, testAccount, "nope")
	wantAWS(t, err, CodeNoSuchEntity, "Instance Profile nope cannot be found.")

	if err := env.svc.AddRoleToInstanceProfile(ctx, testAccount, "web", "APP"); err != nil {
		t.Fatal(err)
	}
	// One role per profile: another role, or the same again.
	wantAWS(t, env.svc.AddRoleToInstanceProfile(ctx, testAccount, "web", "other"), CodeLimitExceeded, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	wantAWS(t, env.svc.AddRoleToInstanceProfile(ctx, testAccount, "web", "app"), CodeLimitExceeded, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	wantAWS(t, env.svc.AddRoleToInstanceProfile(ctx, testAccount, "web", "ghost"), CodeNoSuchEntity, "The role with name ghost cannot be found.")
	wantAWS(t, env.svc.RemoveRoleFromInstanceProfile(ctx, testAccount, "web", "other"), CodeNoSuchEntity, "")

	got, err := env.svc.GetInstanceProfile(ctx, testAccount, "web")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Roles) != 1 || got.Roles[0].Name != "app" || got.Roles[0].ARN != "arn:aws:iam::123456789012:role/svc/app" ||
		got.Roles[0].AssumeRolePolicy != ec2Trust || fmt.Sprint(got.Tags) != "[{t 1}]" {
		t.Fatalf("GetInstanceProfile = %+v", got)
	}
	// A second profile can hold the same role.
	if _, err := env.svc.CreateInstanceProfile(ctx, testAccount, "api", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.AddRoleToInstanceProfile(ctx, testAccount, "api", "app"); err != nil {
		t.Fatal(err)
	}
	forRole, more, err := env.svc.ListInstanceProfilesForRole(ctx, testAccount, "app", store.Page{Limit: 1})
	if err != nil || !more || len(forRole) != 1 || forRole[0].Name != "api" {
		t.Fatalf("ListInstanceProfilesForRole page 1 = %+v %v %v", forRole, more, err)
	}
	forRole, more, _ = env.svc.ListInstanceProfilesForRole(ctx, testAccount, "app", store.Page{Limit: 1, After: "api"})
	if more || len(forRole) != 1 || forRole[0].Name != "Web" || len(forRole[0].Roles) != 1 {
		t.Fatalf("ListInstanceProfilesForRole page 2 = %+v %v", forRole, more)
	}
	all, _, err := env.svc.ListInstanceProfiles(ctx, testAccount, "/web/", store.Page{})
	if err != nil || len(all) != 1 || all[0].Name != "Web" || all[0].Tags != nil {
		t.Fatalf("ListInstanceProfiles(/web/) = %+v, %v", all, err)
	}

	if err := env.svc.TagInstanceProfile(ctx, testAccount, "web", []Tag{{"u", "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.UntagInstanceProfile(ctx, testAccount, "web", []string{"T"}); err != nil {
		t.Fatal(err)
	}
	tags, _ := env.svc.ListInstanceProfileTags(ctx, testAccount, "web")
	if fmt.Sprint(tags) != "[{u 2}]" {
		t.Fatalf("profile tags = %v", tags)
	}
}

func TestOIDCProviderLifecycle(t *testing.T) {
	env := newRolesService(t)
	ctx := t.Context()
	const url = "https://token.actions.githubusercontent.com"
	const arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	p, err := env.svc.CreateOpenIDConnectProvider(ctx, testAccount, url, []string{"sts.amazonaws.com"}, nil, []Tag{{"k", "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.ARN != arn || p.URL != "token.actions.githubusercontent.com" {
		t.Fatalf("created %+v", p)
	}
	_, err = env.svc.CreateOpenIDConnectProvider(ctx, testAccount, url, nil, nil, nil)
	wantAWS(t, err, CodeEntityAlreadyExists, "Provider with url https://token.actions.githubusercontent.com already exists.")
	for _, bad := range []string{"http://example.com", "https://", "https://x.example.com/?q=1", "example.com"} {
		_, err = env.svc.CreateOpenIDConnectProvider(ctx, testAccount, bad, nil, nil, nil)
		wantAWS(t, err, CodeValidationError, "")
	}
	_, err = env.svc.CreateOpenIDConnectProvider(ctx, testAccount, "https://a.example.com", nil, []string{"short"}, nil)
	wantAWS(t, err, CodeValidationError, "")
	six := []string{}
	for i := range 6 {
		six = append(six, fmt.Sprintf("%040x", i))
	}
	_, err = env.svc.CreateOpenIDConnectProvider(ctx, testAccount, "https://a.example.com", nil, six, nil)
	wantAWS(t, err, CodeLimitExceeded, "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5")

	eks, err := env.svc.CreateOpenIDConnectProvider(ctx, testAccount, "https://oidc.eks.us-east-1.amazonaws.com/id/ABC", []string{"sts.amazonaws.com"},
		[]string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if eks.ARN != "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC" {
		t.Fatalf("eks ARN %s", eks.ARN)
	}
	arns, err := env.svc.ListOpenIDConnectProviders(ctx, testAccount)
	if err != nil || len(arns) != 2 {
		t.Fatalf("list = %v, %v", arns, err)
	}

	// Client IDs: add is idempotent, remove of an absent one succeeds.
	for _, id := range []string{"a", "a", "b"} {
		if err := env.svc.AddClientIDToOpenIDConnectProvider(ctx, testAccount, arn, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.svc.RemoveClientIDFromOpenIDConnectProvider(ctx, testAccount, arn, "sts.amazonaws.com"); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.RemoveClientIDFromOpenIDConnectProvider(ctx, testAccount, arn, "absent"); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.UpdateOpenIDConnectProviderThumbprint(ctx, testAccount, arn, []string{"6938fd4d98bab03faadb97b34396831e3780aea1"}); err != nil {
		t.Fatal(err)
	}
	got, err := env.svc.GetOpenIDConnectProvider(ctx, testAccount, arn)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.ClientIDs) != "[a b]" || fmt.Sprint(got.Thumbprints) != "[6938fd4d98bab03faadb97b34396831e3780aea1]" ||
		fmt.Sprint(got.Tags) != "[{k v}]" || !got.CreatedAt.Equal(testNow) {
		t.Fatalf("GetOpenIDConnectProvider = %+v", got)
	}

	// STS lookup by issuer, with or without a trailing slash.
	for _, iss := range []string{url, url + "/"} {
		f, err := env.svc.OIDCProviderForIssuer(ctx, testAccount, iss)
		if err != nil || f.ARN != arn {
			t.Fatalf("OIDCProviderForIssuer(%s) = %+v, %v", iss, f, err)
		}
	}
	_, err = env.svc.OIDCProviderForIssuer(ctx, testAccount, "https://accounts.google.com")
	wantAWS(t, err, CodeNoSuchEntity, "No OpenIDConnect provider found in your account for https://accounts.google.com")

	const missing = "arn:aws:iam::123456789012:oidc-provider/nope.example.com"
	_, err = env.svc.GetOpenIDConnectProvider(ctx, testAccount, missing)
	wantAWS(t, err, CodeNoSuchEntity, "OpenIDConnect Provider not found for arn "+missing)
	_, err = env.svc.GetOpenIDConnectProvider(ctx, testAccount, "arn:aws:iam::123456789012:role/x")
	wantAWS(t, err, CodeInvalidInput, "")

	if err := env.svc.DeleteOpenIDConnectProvider(ctx, testAccount, arn); err != nil {
		t.Fatal(err)
	}
	wantAWS(t, env.svc.DeleteOpenIDConnectProvider(ctx, testAccount, arn), CodeNoSuchEntity, "")
	// The URL is free again.
	if _, err := env.svc.CreateOpenIDConnectProvider(ctx, testAccount, url, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	tags, _ := env.svc.ListOpenIDConnectProviderTags(ctx, testAccount, arn)
	if len(tags) != 0 {
		t.Fatalf("tags survived the delete: %v", tags)
	}
}

func TestRecordRoleUse(t *testing.T) {
	env := newRolesService(t)
	ctx := t.Context()
	r := mustCreateRole(t, env.svc, CreateRoleInput{Name: "app"})
	before, _ := env.svc.Revision(ctx, testAccount)
	if err := env.svc.RecordRoleUse(ctx, testAccount, r, "us-east-1"); err != nil {
		t.Fatal(err)
	}
	if after, _ := env.svc.Revision(ctx, testAccount); after != before {
		t.Fatalf("RecordRoleUse bumped the revision %d -> %d", before, after)
	}
	got, _ := env.svc.GetRole(ctx, testAccount, "app")
	if !got.LastUsedAt.Equal(testNow) || got.LastUsedRegion != "us-east-1" {
		t.Fatalf("last used = %v %q", got.LastUsedAt, got.LastUsedRegion)
	}
	// Within the granularity and in the same region nothing is written.
	env.svc.now = func() time.Time { return testNow.Add(5 * time.Minute) }
	if err := env.svc.RecordRoleUse(ctx, testAccount, got, "us-east-1"); err != nil {
		t.Fatal(err)
	}
	if again, _ := env.svc.GetRole(ctx, testAccount, "app"); !again.LastUsedAt.Equal(testNow) {
		t.Fatalf("recorded within the granularity: %v", again.LastUsedAt)
	}
	// Another region, or later, is written.
	if err := env.svc.RecordRoleUse(ctx, testAccount, got, "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	if again, _ := env.svc.GetRole(ctx, testAccount, "app"); !again.LastUsedAt.Equal(testNow.Add(5*time.Minute)) || again.LastUsedRegion != "eu-west-1" {
		t.Fatalf("new region not recorded: %v %q", again.LastUsedAt, again.LastUsedRegion)
	}
	gone := r
	gone.ID = "AROAGONE0000000000000"
	if err := env.svc.RecordRoleUse(ctx, testAccount, gone, "us-east-1"); err != nil {
		t.Fatalf("use of a deleted role: %v", err)
	}
}

// Racing AddRoleToInstanceProfile calls with different roles: the
// profile ends up with exactly one role and every other call is
// LimitExceeded (the check and the write share one serializable Tx).
func TestInstanceProfileOneRoleRace(t *testing.T) {
	env := newRolesService(t)
	ctx := t.Context()
	const racers = 12
	for i := range racers {
		mustCreateRole(t, env.svc, CreateRoleInput{Name: fmt.Sprintf("r%d", i)})
	}
	if _, err := env.svc.CreateInstanceProfile(ctx, testAccount, "p", "", nil); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, racers)
	for i := range racers {
		go func() { errs <- env.svc.AddRoleToInstanceProfile(ctx, testAccount, "p", fmt.Sprintf("r%d", i)) }()
	}
	ok := 0
	for range racers {
		err := <-errs
		if err == nil {
			ok++
			continue
		}
		wantAWS(t, err, CodeLimitExceeded, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	}
	ip, err := env.svc.GetInstanceProfile(ctx, testAccount, "p")
	if err != nil {
		t.Fatal(err)
	}
	if ok != 1 || len(ip.Roles) != 1 {
		t.Fatalf("%d adds succeeded, profile holds %d roles; want 1 and 1", ok, len(ip.Roles))
	}
}

func TestRoleDeleteConflictsWithPolicies(t *testing.T) {
	env := newRolesService(t)
	ctx := t.Context()
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "app"})
	pol, err := env.svc.CreatePolicy(ctx, testAccount, CreatePolicyInput{Name: "Boundary", Path: "/b/",
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	// A customer managed boundary: must exist at its exact ARN.
	wantAWS(t, env.svc.PutRolePermissionsBoundary(ctx, testAccount, "app", "arn:aws:iam::123456789012:policy/Boundary"),
		CodeNoSuchEntity, "Policy arn:aws:iam::123456789012:policy/Boundary does not exist or is not attachable.")
	if err := env.svc.PutRolePermissionsBoundary(ctx, testAccount, "app", pol.ARN); err != nil {
		t.Fatal(err)
	}
	// The policy now counts a boundary usage: it cannot be deleted.
	wantAWS(t, env.svc.DeletePolicy(ctx, testAccount, pol.ARN), CodeDeleteConflict, "")

	if err := env.svc.AttachPolicy(ctx, testAccount, store.PrincipalRole, "app", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}
	wantAWS(t, env.svc.DeleteRole(ctx, testAccount, "app"), CodeDeleteConflict, "Cannot delete entity, must detach all policies first.")
	if err := env.svc.DetachPolicy(ctx, testAccount, store.PrincipalRole, "app", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.PutInlinePolicy(ctx, testAccount, store.PrincipalRole, "app", "inline",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	wantAWS(t, env.svc.DeleteRole(ctx, testAccount, "app"), CodeDeleteConflict, "Cannot delete entity, must delete policies first.")
	if err := env.svc.DeleteInlinePolicy(ctx, testAccount, store.PrincipalRole, "app", "inline"); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.DeleteRole(ctx, testAccount, "app"); err != nil {
		t.Fatal(err)
	}
	// Deleting the role released its boundary usage.
	if err := env.svc.DeletePolicy(ctx, testAccount, pol.ARN); err != nil {
		t.Fatalf("DeletePolicy after the role is gone: %v", err)
	}
}

// A trust policy trusts the users and roles it names as they were when it
// was saved: deleted (or re-created) ones show as their old unique ID, a
// renamed user under its new ARN; only those principal strings change.
func TestRoleTrustPrincipalsPinnedToUniqueIDs(t *testing.T) {
	env := newRolesService(t)
	ctx := t.Context()
	trusted := mustCreateRole(t, env.svc, CreateRoleInput{Name: "trusted", Path: "/p/"})
	if _, err := env.svc.CreateUser(ctx, testAccount, CreateUserInput{Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	const roleARN = "arn:aws:iam::123456789012:role/p/trusted"
	const userARN = "arn:aws:iam::123456789012:user/alice"
	doc := "{\"Version\":\"2012-10-17\",\n \"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[ \"" + roleARN + "\",\n\t\"" + userARN + "\" ]},\n" +
		"  \"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringLike\":{\"aws:PrincipalArn\":\"" + roleARN + "\"}}}]}"
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "app", AssumeRolePolicy: doc})
	trustOf := func() string {
		t.Helper()
		r, err := env.svc.GetRole(ctx, testAccount, "app")
		if err != nil {
			t.Fatal(err)
		}
		rs, _, err := env.svc.ListRoles(ctx, testAccount, "", store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range rs {
			if l.Name == "app" && l.AssumeRolePolicy != r.AssumeRolePolicy {
				t.Fatalf("ListRoles shows\n%s\nGetRole\n%s", l.AssumeRolePolicy, r.AssumeRolePolicy)
			}
		}
		return r.AssumeRolePolicy
	}
	if got := trustOf(); got != doc {
		t.Fatalf("trust policy changed while its principals exist:\n%s", got)
	}

	// The trusted role is deleted and re-created: the policy shows the old
	// role's ID (the condition, a name, is left alone).
	if err := env.svc.DeleteRole(ctx, testAccount, "trusted"); err != nil {
		t.Fatal(err)
	}
	wantGone := strings.Replace(doc, `[ "`+roleARN+`"`, `[ "`+trusted.ID+`"`, 1)
	if got := trustOf(); got != wantGone {
		t.Fatalf("after deleting the trusted role:\n%s\nwant\n%s", got, wantGone)
	}
	mustCreateRole(t, env.svc, CreateRoleInput{Name: "trusted", Path: "/p/"})
	if got := trustOf(); got != wantGone {
		t.Fatalf("a re-created role is trusted:\n%s", got)
	}

	// A renamed user is shown under its new ARN.
	newName, newPath := "alicia", "/x/"
	if err := env.svc.UpdateUser(ctx, testAccount, "alice", &newName, &newPath); err != nil {
		t.Fatal(err)
	}
	wantRenamed := strings.Replace(wantGone, `"`+userARN+`"`, `"arn:aws:iam::123456789012:user/x/alicia"`, 1)
	if got := trustOf(); got != wantRenamed {
		t.Fatalf("after renaming the user:\n%s\nwant\n%s", got, wantRenamed)
	}
	if err := env.svc.UpdateUser(ctx, testAccount, "alicia", nil, nil); err != nil {
		t.Fatal(err)
	}
	// Saving the policy again trusts the entities that exist now.
	fresh := strings.Replace(doc, userARN, "arn:aws:iam::123456789012:user/x/alicia", 1)
	if err := env.svc.UpdateAssumeRolePolicy(ctx, testAccount, "app", fresh); err != nil {
		t.Fatal(err)
	}
	if got := trustOf(); got != fresh {
		t.Fatalf("after re-saving:\n%s\nwant\n%s", got, fresh)
	}
}
