package authz

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/api/query"
	"github.com/iamd/iamd/internal/api/stsshape"
	"github.com/iamd/iamd/internal/policy"
)

func ptr[T any](v T) *T { return &v }

// TestEveryOperationHasRule: every operation of the IAM and STS models has
// a row, every row is an operation of the models, and building the plan of
// a zero input works for each (no field name in the table is misspelt).
func TestEveryOperationHasRule(t *testing.T) {
	for _, set := range []struct {
		service string
		ops     []query.Operation
		rules   map[string]rule
	}{{"iam", iamshape.Operations(), iamRules}, {"sts", stsshape.Operations(), stsRules}} {
		seen := map[string]bool{}
		for _, op := range set.ops {
			seen[op.Name] = true
			r, ok := set.rules[op.Name]
			if !ok {
				t.Errorf("%s:%s has no authorization rule", set.service, op.Name)
				continue
			}
			// Every field the row names exists in the input struct.
			fields := []string{r.field, r.rename[0], r.rename[1], r.passRole}
			for _, k := range r.keys {
				fields = append(fields, k[1])
			}
			if r.create {
				if _, ok := op.Input.FieldByName("Path"); !ok && r.res != resOIDC && r.res != resSAML {
					t.Errorf("%s:%s creates without a Path field", set.service, op.Name)
				}
			}
			for _, f := range fields {
				if f == "" {
					continue
				}
				if _, ok := op.Input.FieldByName(f); !ok {
					t.Errorf("%s:%s: input %s has no field %q", set.service, op.Name, op.Input.Name(), f)
				}
			}
			in := reflect.New(op.Input)
			fillStrings(in.Elem())
			p, err := BuildPlan(t.Context(), nil, Self{AccountID: acct, ARN: "arn:aws:iam::" + acct + ":user/me", UserName: "me"}, set.service, op.Name, in.Interface())
			if err != nil {
				t.Errorf("%s:%s: %v", set.service, op.Name, err)
				continue
			}
			if p.Disposition == Evaluate && (len(p.Checks) == 0 || p.Checks[0].Action != set.service+":"+op.Name || p.Checks[0].Resource == "") {
				t.Errorf("%s:%s: plan %+v", set.service, op.Name, p)
			}
		}
		for name := range set.rules {
			if !seen[name] {
				t.Errorf("rule for %s:%s, which the model does not have", set.service, name)
			}
		}
	}
	if HasRule("iam", "NoSuchOperation") {
		t.Error("HasRule of an unknown operation")
	}
	if _, err := BuildPlan(t.Context(), nil, Self{}, "iam", "NoSuchOperation", nil); err == nil {
		t.Error("BuildPlan of an unknown operation succeeded")
	}
}

// fillStrings sets every required string field to a sample value, as the
// API layer's validation guarantees.
func fillStrings(v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.String {
			f.SetString("sample")
		}
	}
}

// fixture: bob at /eng/ with tags, a boundary; group devs; role app at
// /svc/; instance profile web at /prof/; access key AKIABOB owned by bob.
func tableFixture() *fakeIAM {
	f := newFake()
	bob := f.addUser("bob", "/eng/", "devs")
	f.change(func() {
		bob.tags = []policy.Tag{{Key: "team", Value: "core"}}
		bob.boundary = "arn:aws:iam::" + acct + ":policy/Boundary"
	})
	f.addGroup("devs")
	app := f.addRole("app", "/svc/")
	f.change(func() {
		app.tags = []policy.Tag{{Key: "env", Value: "prod"}}
		f.profiles["web"] = "/prof/"
		f.keys["AKIABOBBOBBOBBOB"] = "bob"
	})
	return f
}

// TestPlanResources pins the resource of operations against
// operations.md: entity paths from the Resolver, requested paths for
// Create*, the caller's user where UserName is optional, "*" without a
// resource type.
func TestPlanResources(t *testing.T) {
	f := tableFixture()
	const (
		userBob  = "arn:aws:iam::" + acct + ":user/eng/bob"
		me       = "arn:aws:iam::" + acct + ":user/me"
		grp      = "arn:aws:iam::" + acct + ":group/devs"
		roleApp  = "arn:aws:iam::" + acct + ":role/svc/app"
		polARN   = "arn:aws:iam::" + acct + ":policy/team/P"
		profWeb  = "arn:aws:iam::" + acct + ":instance-profile/prof/web"
		mfaSer   = "arn:aws:iam::" + acct + ":mfa/bob-phone"
		oidcARN  = "arn:aws:iam::" + acct + ":oidc-provider/token.actions.githubusercontent.com"
		samlARN  = "arn:aws:iam::" + acct + ":saml-provider/corp"
		rootARN  = "arn:aws:iam::" + acct + ":root"
		awsAdmin = "arn:aws:iam::aws:policy/AdministratorAccess"
	)
	self := Self{AccountID: acct, ARN: me, UserName: "me"}
	tests := []struct {
		svc, op string
		in      any
		self    *Self
		want    string // resource of the main check
	}{
		{"iam", "CreateUser", &iamshape.CreateUserInput{UserName: "carol", Path: ptr("/ops/")}, nil, "arn:aws:iam::" + acct + ":user/ops/carol"},
		{"iam", "CreateUser", &iamshape.CreateUserInput{UserName: "carol"}, nil, "arn:aws:iam::" + acct + ":user/carol"},
		{"iam", "GetUser", &iamshape.GetUserInput{UserName: ptr("bob")}, nil, userBob},
		{"iam", "GetUser", &iamshape.GetUserInput{UserName: ptr("BOB")}, nil, userBob},
		{"iam", "GetUser", &iamshape.GetUserInput{}, nil, me},
		{"iam", "GetUser", &iamshape.GetUserInput{}, &Self{AccountID: acct, ARN: rootARN}, rootARN},
		{"iam", "GetUser", &iamshape.GetUserInput{UserName: ptr("ghost")}, nil, "arn:aws:iam::" + acct + ":user/ghost"},
		{"iam", "ListUsers", &iamshape.ListUsersInput{PathPrefix: ptr("/eng/")}, nil, "*"},
		{"iam", "DeleteUser", &iamshape.DeleteUserInput{UserName: "bob"}, nil, userBob},
		{"iam", "UpdateUser", &iamshape.UpdateUserInput{UserName: "bob", NewUserName: ptr("robert")}, nil, userBob},
		{"iam", "TagUser", &iamshape.TagUserInput{UserName: "bob"}, nil, userBob},
		{"iam", "ListGroupsForUser", &iamshape.ListGroupsForUserInput{UserName: "bob"}, nil, userBob},
		{"iam", "CreateAccessKey", &iamshape.CreateAccessKeyInput{}, nil, me},
		{"iam", "CreateAccessKey", &iamshape.CreateAccessKeyInput{UserName: ptr("bob")}, nil, userBob},
		{"iam", "UpdateAccessKey", &iamshape.UpdateAccessKeyInput{AccessKeyId: "AKIAXXXXXXXXXXXXXXXX", Status: "Inactive"}, nil, me},
		{"iam", "GetAccessKeyLastUsed", &iamshape.GetAccessKeyLastUsedInput{AccessKeyId: "AKIABOBBOBBOBBOB"}, nil, userBob},
		{"iam", "GetAccessKeyLastUsed", &iamshape.GetAccessKeyLastUsedInput{AccessKeyId: "AKIANOBODYNOBODY"}, nil, me},
		{"iam", "ChangePassword", &iamshape.ChangePasswordInput{OldPassword: "a", NewPassword: "b"}, nil, me},
		{"iam", "CreateLoginProfile", &iamshape.CreateLoginProfileInput{UserName: ptr("bob")}, nil, userBob},
		{"iam", "ListMFADevices", &iamshape.ListMFADevicesInput{}, nil, me},
		{"iam", "EnableMFADevice", &iamshape.EnableMFADeviceInput{UserName: "bob", SerialNumber: mfaSer}, nil, userBob},
		{"iam", "CreateVirtualMFADevice", &iamshape.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "bob-phone"}, nil, mfaSer},
		{"iam", "DeleteVirtualMFADevice", &iamshape.DeleteVirtualMFADeviceInput{SerialNumber: mfaSer}, nil, mfaSer},
		{"iam", "CreateGroup", &iamshape.CreateGroupInput{GroupName: "ops", Path: ptr("/x/")}, nil, "arn:aws:iam::" + acct + ":group/x/ops"},
		{"iam", "AddUserToGroup", &iamshape.AddUserToGroupInput{GroupName: "devs", UserName: "bob"}, nil, grp},
		{"iam", "PutGroupPolicy", &iamshape.PutGroupPolicyInput{GroupName: "devs", PolicyName: "p", PolicyDocument: "{}"}, nil, grp},
		{"iam", "CreateRole", &iamshape.CreateRoleInput{RoleName: "r", Path: ptr("/a/b/")}, nil, "arn:aws:iam::" + acct + ":role/a/b/r"},
		{"iam", "GetRole", &iamshape.GetRoleInput{RoleName: "app"}, nil, roleApp},
		{"iam", "AttachRolePolicy", &iamshape.AttachRolePolicyInput{RoleName: "app", PolicyArn: awsAdmin}, nil, roleApp},
		{"iam", "ListInstanceProfilesForRole", &iamshape.ListInstanceProfilesForRoleInput{RoleName: "app"}, nil, roleApp},
		{"iam", "CreatePolicy", &iamshape.CreatePolicyInput{PolicyName: "P", Path: ptr("/team/"), PolicyDocument: "{}"}, nil, polARN},
		{"iam", "GetPolicy", &iamshape.GetPolicyInput{PolicyArn: polARN}, nil, polARN},
		{"iam", "CreatePolicyVersion", &iamshape.CreatePolicyVersionInput{PolicyArn: awsAdmin}, nil, awsAdmin},
		{"iam", "ListPolicies", &iamshape.ListPoliciesInput{}, nil, "*"},
		{"iam", "AttachUserPolicy", &iamshape.AttachUserPolicyInput{UserName: "bob", PolicyArn: polARN}, nil, userBob},
		{"iam", "AttachGroupPolicy", &iamshape.AttachGroupPolicyInput{GroupName: "devs", PolicyArn: polARN}, nil, grp},
		{"iam", "CreateInstanceProfile", &iamshape.CreateInstanceProfileInput{InstanceProfileName: "web2"}, nil, "arn:aws:iam::" + acct + ":instance-profile/web2"},
		{"iam", "AddRoleToInstanceProfile", &iamshape.AddRoleToInstanceProfileInput{InstanceProfileName: "web", RoleName: "app"}, nil, profWeb},
		{"iam", "CreateOpenIDConnectProvider", &iamshape.CreateOpenIDConnectProviderInput{Url: "https://token.actions.githubusercontent.com"}, nil, oidcARN},
		{"iam", "GetOpenIDConnectProvider", &iamshape.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: oidcARN}, nil, oidcARN},
		{"iam", "CreateSAMLProvider", &iamshape.CreateSAMLProviderInput{Name: "corp"}, nil, samlARN},
		{"iam", "GetAccountSummary", &iamshape.GetAccountSummaryInput{}, nil, "*"},
		{"iam", "CreateAccountAlias", &iamshape.CreateAccountAliasInput{AccountAlias: "x"}, nil, "*"},
		{"iam", "UpdateAccountPasswordPolicy", &iamshape.UpdateAccountPasswordPolicyInput{}, nil, "*"},
		{"iam", "GetCredentialReport", &iamshape.GetCredentialReportInput{}, nil, "*"},
		{"iam", "UploadServerCertificate", &iamshape.UploadServerCertificateInput{ServerCertificateName: "c", Path: ptr("/cloudfront/")}, nil, "arn:aws:iam::" + acct + ":server-certificate/cloudfront/c"},
		{"iam", "SimulateCustomPolicy", &iamshape.SimulateCustomPolicyInput{}, nil, "*"},
		{"iam", "SimulatePrincipalPolicy", &iamshape.SimulatePrincipalPolicyInput{PolicySourceArn: userBob}, nil, userBob},
		{"iam", "UploadSSHPublicKey", &iamshape.UploadSSHPublicKeyInput{UserName: "bob"}, nil, userBob},
		{"iam", "ListSigningCertificates", &iamshape.ListSigningCertificatesInput{}, nil, me},
		{"iam", "CreateServiceLinkedRole", &iamshape.CreateServiceLinkedRoleInput{AWSServiceName: "elasticbeanstalk.amazonaws.com"}, nil, "arn:aws:iam::" + acct + ":role/aws-service-role/elasticbeanstalk.amazonaws.com/*"},
		{"iam", "GetServiceLinkedRoleDeletionStatus", &iamshape.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: "task/aws-service-role/lex.amazonaws.com/AWSServiceRoleForLexBots/ec720f7a-c0ba-4838-be33-f72e1873dd52"}, nil, "arn:aws:iam::" + acct + ":role/aws-service-role/lex.amazonaws.com/AWSServiceRoleForLexBots"},
		{"sts", "GetFederationToken", &stsshape.GetFederationTokenInput{Name: "fed"}, nil, "arn:aws:sts::" + acct + ":federated-user/fed"},
		{"sts", "GetAccessKeyInfo", &stsshape.GetAccessKeyInfoInput{AccessKeyId: "AKIAXXXXXXXXXXXXXXXX"}, nil, "*"},
		{"sts", "AssumeRole", &stsshape.AssumeRoleInput{RoleArn: roleApp, RoleSessionName: "s"}, nil, roleApp},
	}
	for _, tc := range tests {
		s := self
		if tc.self != nil {
			s = *tc.self
		}
		p, err := BuildPlan(t.Context(), f, s, tc.svc, tc.op, tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.op, err)
			continue
		}
		if got := p.Checks[0].Resource; got != tc.want {
			t.Errorf("%s %+v: resource %s, want %s", tc.op, tc.in, got, tc.want)
		}
		if got := p.Checks[0].Action; got != tc.svc+":"+tc.op {
			t.Errorf("%s: action %s", tc.op, got)
		}
	}
}

func keyMap(c Check) map[string][]string {
	m := map[string][]string{}
	for _, k := range c.Keys {
		m[strings.ToLower(k.Name)] = k.Values
	}
	return m
}

// TestPlanKeysAndSubChecks: the request-supplied condition keys and the
// extra checks (tags on create, renames, PassRole).
func TestPlanKeysAndSubChecks(t *testing.T) {
	f := tableFixture()
	self := Self{AccountID: acct, ARN: "arn:aws:iam::" + acct + ":user/me", UserName: "me"}
	plan := func(svc, op string, in any) Plan {
		t.Helper()
		p, err := BuildPlan(t.Context(), f, self, svc, op, in)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		return p
	}
	type chk struct {
		action, resource string
		keys             map[string][]string // nil: not checked
	}
	tests := []struct {
		name string
		p    Plan
		want []chk
	}{
		{"create user with tags and boundary", plan("iam", "CreateUser", &iamshape.CreateUserInput{UserName: "carol", Path: ptr("/ops/"),
			PermissionsBoundary: ptr("arn:aws:iam::" + acct + ":policy/B"), Tags: []iamshape.Tag{{Key: "team", Value: "a"}, {Key: "cc", Value: "42"}}}),
			[]chk{
				{"iam:CreateUser", "arn:aws:iam::" + acct + ":user/ops/carol", map[string][]string{
					"aws:requesttag/team": {"a"}, "aws:requesttag/cc": {"42"}, "aws:tagkeys": {"team", "cc"},
					"iam:permissionsboundary": {"arn:aws:iam::" + acct + ":policy/B"}}},
				{"iam:TagUser", "arn:aws:iam::" + acct + ":user/ops/carol", map[string][]string{
					"aws:requesttag/team": {"a"}, "aws:requesttag/cc": {"42"}, "aws:tagkeys": {"team", "cc"}}},
			}},
		{"create user without tags: no TagUser", plan("iam", "CreateUser", &iamshape.CreateUserInput{UserName: "carol"}),
			[]chk{{"iam:CreateUser", "arn:aws:iam::" + acct + ":user/carol", map[string][]string{}}}},
		{"rename user: old and new ARN", plan("iam", "UpdateUser", &iamshape.UpdateUserInput{UserName: "bob", NewUserName: ptr("robert")}),
			[]chk{{"iam:UpdateUser", "arn:aws:iam::" + acct + ":user/eng/bob", nil}, {"iam:UpdateUser", "arn:aws:iam::" + acct + ":user/eng/robert", nil}}},
		{"move group", plan("iam", "UpdateGroup", &iamshape.UpdateGroupInput{GroupName: "devs", NewPath: ptr("/x/")}),
			[]chk{{"iam:UpdateGroup", "arn:aws:iam::" + acct + ":group/devs", nil}, {"iam:UpdateGroup", "arn:aws:iam::" + acct + ":group/x/devs", nil}}},
		{"PassRole on AddRoleToInstanceProfile", plan("iam", "AddRoleToInstanceProfile", &iamshape.AddRoleToInstanceProfileInput{InstanceProfileName: "web", RoleName: "app"}),
			[]chk{{"iam:AddRoleToInstanceProfile", "arn:aws:iam::" + acct + ":instance-profile/prof/web", map[string][]string{}},
				{"iam:PassRole", "arn:aws:iam::" + acct + ":role/svc/app", map[string][]string{"iam:passedtoservice": {"ec2.amazonaws.com"}}}}},
		{"attach user policy: policy ARN, current boundary, resource tags", plan("iam", "AttachUserPolicy", &iamshape.AttachUserPolicyInput{UserName: "bob", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
			[]chk{{"iam:AttachUserPolicy", "arn:aws:iam::" + acct + ":user/eng/bob", map[string][]string{
				"iam:policyarn": {"arn:aws:iam::aws:policy/ReadOnlyAccess"}, "iam:permissionsboundary": {"arn:aws:iam::" + acct + ":policy/Boundary"},
				"aws:resourcetag/team": {"core"}, "iam:resourcetag/team": {"core"}}}}},
		{"group policy: iam:PolicyARN, no resource tags", plan("iam", "DetachGroupPolicy", &iamshape.DetachGroupPolicyInput{GroupName: "devs", PolicyArn: "arn:aws:iam::aws:policy/X"}),
			[]chk{{"iam:DetachGroupPolicy", "arn:aws:iam::" + acct + ":group/devs", map[string][]string{"iam:policyarn": {"arn:aws:iam::aws:policy/X"}}}}},
		{"untag role: tag keys and role tags", plan("iam", "UntagRole", &iamshape.UntagRoleInput{RoleName: "app", TagKeys: []string{"env"}}),
			[]chk{{"iam:UntagRole", "arn:aws:iam::" + acct + ":role/svc/app", map[string][]string{"aws:tagkeys": {"env"}, "aws:resourcetag/env": {"prod"}, "iam:resourcetag/env": {"prod"}}}}},
		{"put role boundary: requested", plan("iam", "PutRolePermissionsBoundary", &iamshape.PutRolePermissionsBoundaryInput{RoleName: "app", PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess"}),
			[]chk{{"iam:PutRolePermissionsBoundary", "arn:aws:iam::" + acct + ":role/svc/app", map[string][]string{"iam:permissionsboundary": {"arn:aws:iam::aws:policy/PowerUserAccess"}, "aws:resourcetag/env": {"prod"}, "iam:resourcetag/env": {"prod"}}}}},
		{"delete user boundary: current", plan("iam", "DeleteUserPermissionsBoundary", &iamshape.DeleteUserPermissionsBoundaryInput{UserName: "bob"}),
			[]chk{{"iam:DeleteUserPermissionsBoundary", "arn:aws:iam::" + acct + ":user/eng/bob", map[string][]string{"iam:permissionsboundary": {"arn:aws:iam::" + acct + ":policy/Boundary"}, "aws:resourcetag/team": {"core"}, "iam:resourcetag/team": {"core"}}}}},
		{"create policy with tags: TagPolicy", plan("iam", "CreatePolicy", &iamshape.CreatePolicyInput{PolicyName: "P", PolicyDocument: "{}", Tags: []iamshape.Tag{{Key: "k", Value: "v"}}}),
			[]chk{{"iam:CreatePolicy", "arn:aws:iam::" + acct + ":policy/P", nil}, {"iam:TagPolicy", "arn:aws:iam::" + acct + ":policy/P", nil}}},
		{"service-linked role", plan("iam", "CreateServiceLinkedRole", &iamshape.CreateServiceLinkedRoleInput{AWSServiceName: "lex.amazonaws.com"}),
			[]chk{{"iam:CreateServiceLinkedRole", "arn:aws:iam::" + acct + ":role/aws-service-role/lex.amazonaws.com/*", map[string][]string{"iam:awsservicename": {"lex.amazonaws.com"}}}}},
		{"federation token with tags: TagSession", plan("sts", "GetFederationToken", &stsshape.GetFederationTokenInput{Name: "fed", Tags: []stsshape.Tag{{Key: "p", Value: "q"}}}),
			[]chk{{"sts:GetFederationToken", "arn:aws:sts::" + acct + ":federated-user/fed", map[string][]string{"aws:requesttag/p": {"q"}, "aws:tagkeys": {"p"}}},
				{"sts:TagSession", "arn:aws:sts::" + acct + ":federated-user/fed", nil}}},
		{"assume role keys", plan("sts", "AssumeRole", &stsshape.AssumeRoleInput{RoleArn: "arn:aws:iam::" + acct + ":role/svc/app", RoleSessionName: "s", ExternalId: ptr("x-1"), TransitiveTagKeys: []string{"a"}}),
			[]chk{{"sts:AssumeRole", "arn:aws:iam::" + acct + ":role/svc/app", map[string][]string{"sts:externalid": {"x-1"}, "sts:rolesessionname": {"s"}, "sts:transitivetagkeys": {"a"}, "aws:resourcetag/env": {"prod"}, "iam:resourcetag/env": {"prod"}}}}},
	}
	for _, tc := range tests {
		if len(tc.p.Checks) != len(tc.want) {
			t.Errorf("%s: %d checks %+v, want %d", tc.name, len(tc.p.Checks), tc.p.Checks, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			c := tc.p.Checks[i]
			if c.Action != w.action || c.Resource != w.resource {
				t.Errorf("%s: check %d = %s on %s, want %s on %s", tc.name, i, c.Action, c.Resource, w.action, w.resource)
			}
			if w.keys != nil && !reflect.DeepEqual(keyMap(c), w.keys) {
				t.Errorf("%s: check %d keys %v, want %v", tc.name, i, keyMap(c), w.keys)
			}
		}
	}
	// A role of another account is not looked up in this one (no tags of
	// the local role of the same name).
	p0 := plan("sts", "AssumeRole", &stsshape.AssumeRoleInput{RoleArn: "arn:aws:iam::999999999999:role/svc/app", RoleSessionName: "s"})
	if got := keyMap(p0.Checks[0]); got["aws:resourcetag/env"] != nil {
		t.Errorf("cross-account role took the local role's tags: %v", got)
	}
	// Multivalued keys are flagged as sets.
	p := plan("iam", "UntagUser", &iamshape.UntagUserInput{UserName: "bob", TagKeys: []string{"one"}})
	if i := slices.IndexFunc(p.Checks[0].Keys, func(k Key) bool { return k.Name == "aws:TagKeys" }); i < 0 || !p.Checks[0].Keys[i].Multi {
		t.Errorf("aws:TagKeys not a set: %+v", p.Checks[0].Keys)
	}
	// Dispositions.
	for op, want := range map[string]Disposition{"GetCallerIdentity": AlwaysAllowed, "GetSessionToken": AlwaysAllowed,
		"AssumeRole": ByOperation, "AssumeRoleWithWebIdentity": ByOperation, "AssumeRoleWithSAML": ByOperation, "GetAccessKeyInfo": Evaluate} {
		if got := stsRules[op].disp; got != want {
			t.Errorf("sts:%s: %v, want %v", op, got, want)
		}
	}
}
