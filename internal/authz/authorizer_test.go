package authz

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/api/query"
	"github.com/iamd/iamd/internal/api/stsshape"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	f     *fakeIAM
	clk   *clock
	a     *Authorizer
	log   *bytes.Buffer
	alice *fakeEntity
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{f: newFake(), clk: &clock{t: t0}, log: &bytes.Buffer{}}
	a, err := New(Config{Policies: e.f, Resolver: e.f, Revisions: e.f, Now: e.clk.Now,
		Logger: slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	e.alice = e.f.addUser("alice", "/", "devs")
	e.f.addGroup("devs")
	return e
}

func userIdentity(name string, keyCreated time.Time) *iam.Identity {
	return &iam.Identity{Kind: iam.IdentityUser, AccountID: acct, ARN: iam.UserARN(acct, "/", name),
		UserID: "AIDA" + strings.ToUpper(name), UserName: name, AccessKey: "AKIA" + strings.ToUpper(name),
		Credential: iam.Credential{AccessKeyID: "AKIA" + strings.ToUpper(name), AccountID: acct, UserID: "AIDA" + strings.ToUpper(name), Active: true, CreatedAt: keyCreated}}
}

func rootIdentity() *iam.Identity {
	return &iam.Identity{Kind: iam.IdentityRoot, AccountID: acct, ARN: iam.RootARN(acct), UserID: acct, AccessKey: "AKIAROOT",
		Credential: iam.Credential{AccessKeyID: "AKIAROOT", AccountID: acct, Active: true, CreatedAt: t0.AddDate(-1, 0, 0)}}
}

func iamOp(name string) query.Operation {
	for _, o := range iamshape.Operations() {
		if o.Name == name {
			return o
		}
	}
	panic("no operation " + name)
}

func (e *env) authorize(t *testing.T, c api.Caller, op string, in any) error {
	t.Helper()
	return e.a.Authorize(t.Context(), api.AuthzRequest{Caller: c, Operation: iamOp(op), Input: in,
		Request: &api.RequestInfo{Service: "iam", Operation: op, RemoteAddr: "192.0.2.10:5555", UserAgent: "test", Secure: false}})
}

func wantDenied(t *testing.T, err error, msg string) {
	t.Helper()
	var ie *iam.Error
	if !errors.As(err, &ie) || ie.Code != iam.CodeAccessDenied {
		t.Fatalf("error %v, want AccessDenied", err)
	}
	if ie.Message != msg {
		t.Fatalf("message\n got %s\nwant %s", ie.Message, msg)
	}
}

func TestRootIsAllowedEverything(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		op string
		in any
	}{
		{"CreateUser", &iamshape.CreateUserInput{UserName: "x", Tags: []iamshape.Tag{{Key: "a", Value: "b"}}}},
		{"DeleteAccountPasswordPolicy", &iamshape.DeleteAccountPasswordPolicyInput{}},
		{"AddRoleToInstanceProfile", &iamshape.AddRoleToInstanceProfileInput{InstanceProfileName: "p", RoleName: "r"}},
	} {
		if err := e.authorize(t, rootIdentity(), tc.op, tc.in); err != nil {
			t.Errorf("root %s: %v", tc.op, err)
		}
	}
	if e.f.gathers != 0 {
		t.Errorf("root gathered policies %d times", e.f.gathers)
	}
}

func TestUserWithoutPoliciesIsDenied(t *testing.T) {
	e := newEnv(t)
	err := e.authorize(t, userIdentity("alice", t0), "CreateUser", &iamshape.CreateUserInput{UserName: "carol", Path: ptr("/ops/")})
	wantDenied(t, err, "User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+acct+":user/ops/carol because no identity-based policy allows the iam:CreateUser action")
}

func TestGroupPolicyAllowsAndChangesAreSeen(t *testing.T) {
	e := newEnv(t)
	devs := e.f.groups["devs"]
	e.f.change(func() {
		devs.inline["users"] = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*User","Resource":"arn:aws:iam::*:user/ops/*"}}`
	})
	alice := userIdentity("alice", t0)
	in := &iamshape.CreateUserInput{UserName: "carol", Path: ptr("/ops/")}
	if err := e.authorize(t, alice, "CreateUser", in); err != nil {
		t.Fatalf("group grant: %v", err)
	}
	// Cached: the same revision does not gather again.
	before := e.f.gathers
	if err := e.authorize(t, alice, "GetUser", &iamshape.GetUserInput{UserName: ptr("carol")}); err == nil {
		t.Fatal("carol is at /, outside the grant") // resolved path of a missing user is "/"
	}
	if e.f.gathers != before {
		t.Fatalf("gathered again at the same revision")
	}
	// The group's policy changes: the member's next request is decided anew.
	e.f.change(func() {
		devs.inline["users"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*User","Resource":"*"},{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}`
	})
	err := e.authorize(t, alice, "CreateUser", in)
	wantDenied(t, err, "User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+acct+":user/ops/carol with an explicit deny in an identity-based policy")
	if e.f.gathers != before+1 {
		t.Fatalf("gathers %d, want %d", e.f.gathers, before+1)
	}
	if !strings.Contains(e.log.String(), "access denied") || !strings.Contains(e.log.String(), "identity users#1 Deny") {
		t.Errorf("log does not name the deciding statement:\n%s", e.log.String())
	}
	// Leaving the group removes its permissions.
	e.f.change(func() { e.alice.groups = nil })
	wantDenied(t, e.authorize(t, alice, "GetUser", &iamshape.GetUserInput{}),
		"User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:GetUser on resource: arn:aws:iam::"+acct+":user/alice because no identity-based policy allows the iam:GetUser action")
}

func TestPermissionsBoundary(t *testing.T) {
	e := newEnv(t)
	const b = "arn:aws:iam::" + acct + ":policy/OnlyRead"
	e.f.change(func() {
		e.f.managed["arn:aws:iam::aws:policy/IAMFullAccess"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`
		e.f.managed[b] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}`
		e.alice.attached = []string{"arn:aws:iam::aws:policy/IAMFullAccess"}
		e.alice.boundary = b
	})
	alice := userIdentity("alice", t0)
	if err := e.authorize(t, alice, "ListUsers", &iamshape.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	wantDenied(t, e.authorize(t, alice, "CreateGroup", &iamshape.CreateGroupInput{GroupName: "g"}),
		"User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:CreateGroup on resource: arn:aws:iam::"+acct+":group/g because no permissions boundary allows the iam:CreateGroup action")
	wantDenied(t, e.authorize(t, alice, "DeleteUser", &iamshape.DeleteUserInput{UserName: "alice"}),
		"User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::"+acct+":user/alice with an explicit deny in a permissions boundary")
}

// TestSubChecks: the extra checks of a request must be allowed too, and the
// denial names the failing one.
func TestSubChecks(t *testing.T) {
	e := newEnv(t)
	e.f.addRole("app", "/svc/")
	e.f.change(func() {
		e.f.profiles["web"] = "/"
		e.alice.inline["p"] = `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["iam:CreateUser","iam:AddRoleToInstanceProfile","iam:UpdateUser"],"Resource":"*"},
			{"Effect":"Allow","Action":"iam:TagUser","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"core"}}},
			{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/svc/*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}},
			{"Effect":"Deny","Action":"iam:UpdateUser","Resource":"arn:aws:iam::*:user/admin*"}]}`
	})
	alice := userIdentity("alice", t0)
	if err := e.authorize(t, alice, "CreateUser", &iamshape.CreateUserInput{UserName: "c", Tags: []iamshape.Tag{{Key: "team", Value: "core"}}}); err != nil {
		t.Fatalf("tagged create: %v", err)
	}
	wantDenied(t, e.authorize(t, alice, "CreateUser", &iamshape.CreateUserInput{UserName: "c", Tags: []iamshape.Tag{{Key: "team", Value: "other"}}}),
		"User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:TagUser on resource: arn:aws:iam::"+acct+":user/c because no identity-based policy allows the iam:TagUser action")
	if err := e.authorize(t, alice, "AddRoleToInstanceProfile", &iamshape.AddRoleToInstanceProfileInput{InstanceProfileName: "web", RoleName: "app"}); err != nil {
		t.Fatalf("PassRole on /svc/: %v", err)
	}
	e.f.addRole("admin", "/")
	wantDenied(t, e.authorize(t, alice, "AddRoleToInstanceProfile", &iamshape.AddRoleToInstanceProfileInput{InstanceProfileName: "web", RoleName: "admin"}),
		"User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:PassRole on resource: arn:aws:iam::"+acct+":role/admin because no identity-based policy allows the iam:PassRole action")
	wantDenied(t, e.authorize(t, alice, "UpdateUser", &iamshape.UpdateUserInput{UserName: "alice", NewUserName: ptr("admin2")}),
		"User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:UpdateUser on resource: arn:aws:iam::"+acct+":user/admin2 with an explicit deny in an identity-based policy")
}

// TestAccessKeyAgeRule: a rotation rule written as a policy.
func TestAccessKeyAgeRule(t *testing.T) {
	e := newEnv(t)
	e.f.change(func() {
		e.f.managed["arn:aws:iam::"+acct+":policy/KeyRotation"] = `{"Version":"2012-10-17","Statement":[{"Sid":"Rotate","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NumericGreaterThan":{"iamd:AccessKeyAgeDays":"90"}}}]}`
		e.alice.inline["all"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`
		e.f.groups["devs"].attached = []string{"arn:aws:iam::" + acct + ":policy/KeyRotation"}
	})
	key := t0.Add(-90 * 24 * time.Hour) // exactly 90 days old: allowed
	alice := userIdentity("alice", key)
	if err := e.authorize(t, alice, "ListUsers", &iamshape.ListUsersInput{}); err != nil {
		t.Fatalf("90-day-old key: %v", err)
	}
	e.clk.Advance(23 * time.Hour) // still 90 whole days
	if err := e.authorize(t, alice, "ListUsers", &iamshape.ListUsersInput{}); err != nil {
		t.Fatalf("90 days 23 hours: %v", err)
	}
	e.clk.Advance(time.Hour) // 91 days
	wantDenied(t, e.authorize(t, alice, "ListUsers", &iamshape.ListUsersInput{}),
		"User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:ListUsers on resource: * with an explicit deny in an identity-based policy")
	// A fresh key of the same user works: rotation without downtime.
	if err := e.authorize(t, userIdentity("alice", e.clk.Now().Add(-time.Minute)), "ListUsers", &iamshape.ListUsersInput{}); err != nil {
		t.Fatalf("new key: %v", err)
	}
	if got := AccessKeyAgeDays(t0, t0.Add(-time.Hour)); got != 0 {
		t.Errorf("future key age %d", got)
	}
}

// TestGlobalContextKeys: the request facts and the principal reach the
// conditions.
func TestGlobalContextKeys(t *testing.T) {
	e := newEnv(t)
	e.f.change(func() {
		e.alice.tags = []policy.Tag{{Key: "Dept", Value: "eng"}}
		e.alice.inline["ctx"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}","Condition":{
			"IpAddress":{"aws:SourceIp":"192.0.2.0/24"},
			"Bool":{"aws:SecureTransport":"false","aws:ViaAWSService":"false"},
			"StringEquals":{"aws:PrincipalTag/dept":"eng","aws:PrincipalType":"User","aws:userid":"AIDAALICE","aws:PrincipalAccount":"` + acct + `","aws:RequestedRegion":"us-east-1","aws:ResourceAccount":"` + acct + `","aws:UserAgent":"test"},
			"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::` + acct + `:user/alice"},
			"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"},
			"NumericEquals":{"iamd:AccessKeyAgeDays":"0"},
			"Null":{"aws:MultiFactorAuthPresent":"true","aws:TokenIssueTime":"true"}}}]}`
	})
	alice := userIdentity("alice", t0)
	if err := e.authorize(t, alice, "GetUser", &iamshape.GetUserInput{}); err != nil {
		t.Fatalf("context: %v", err)
	}
	// Another source address fails the IpAddress condition.
	err := e.a.Authorize(t.Context(), api.AuthzRequest{Caller: alice, Operation: iamOp("GetUser"), Input: &iamshape.GetUserInput{},
		Request: &api.RequestInfo{Service: "iam", RemoteAddr: "[2001:db8::1]:443", UserAgent: "test"}})
	if err == nil {
		t.Fatal("IPv6 source allowed by an IPv4 range")
	}
}

// TestResourceTags: iam:ResourceTag of the target user.
func TestResourceTags(t *testing.T) {
	e := newEnv(t)
	bob := e.f.addUser("bob", "/eng/")
	e.f.change(func() {
		bob.tags = []policy.Tag{{Key: "owner", Value: "alice"}}
		e.alice.inline["mine"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"StringEquals":{"iam:ResourceTag/owner":"${aws:username}"}}}]}`
	})
	alice := userIdentity("alice", t0)
	if err := e.authorize(t, alice, "DeleteUser", &iamshape.DeleteUserInput{UserName: "bob"}); err != nil {
		t.Fatalf("owned user: %v", err)
	}
	wantDenied(t, e.authorize(t, alice, "DeleteUser", &iamshape.DeleteUserInput{UserName: "alice"}),
		"User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::"+acct+":user/alice because no identity-based policy allows the iam:DeleteUser action")
}

// TestRoleSession: a role session gets the role's policies, its boundary and
// the session policies.
func TestRoleSession(t *testing.T) {
	e := newEnv(t)
	r := e.f.addRole("app", "/svc/")
	e.f.change(func() {
		r.tags = []policy.Tag{{Key: "tier", Value: "web"}}
		r.inline["rp"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/tier":"web"}}}]}`
	})
	id := &iam.Identity{Kind: iam.IdentityAssumedRole, AccountID: acct, ARN: iam.AssumedRoleARN(acct, "app", "s1"), UserID: "AROAAPP:s1", AccessKey: "ASIATEMP"}
	if err := e.authorize(t, id, "ListUsers", &iamshape.ListUsersInput{}); err != nil {
		t.Fatalf("role session: %v", err)
	}
	wantDenied(t, e.authorize(t, id, "GetUser", &iamshape.GetUserInput{UserName: ptr("alice")}),
		"User: arn:aws:sts::"+acct+":assumed-role/app/s1 is not authorized to perform: iam:GetUser on resource: arn:aws:iam::"+acct+":user/alice because no identity-based policy allows the iam:GetUser action")
	// Session policies limit (inline and managed); session tags override
	// role tags.
	e.f.change(func() {
		e.f.managed["arn:aws:iam::"+acct+":policy/SessRoles"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`
	})
	sid := *id
	sid.Temporary, sid.RoleName, sid.RoleARN, sid.AccessKey = true, "app", iam.RoleARN(acct, "/svc/", "app"), "ASIASESSION1"
	sid.TokenIssueTime = t0
	sid.SessionPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListPolicies","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"},"DateEquals":{"aws:TokenIssueTime":"2026-03-01T12:00:00Z"}}}]}`
	sid.SessionPolicyARNs = []string{"arn:aws:iam::" + acct + ":policy/SessRoles", "arn:aws:iam::" + acct + ":policy/Gone"}
	for _, action := range []string{"iam:ListRoles", "iam:ListPolicies"} {
		d, err := e.a.Decide(t.Context(), Query{Caller: &sid, Checks: []Check{{Action: action, Resource: "*"}}})
		if err != nil || !d.Allowed {
			t.Fatalf("session allows %s: %v %s", action, err, d.Message())
		}
	}
	d, _ := e.a.Decide(t.Context(), Query{Caller: &sid, Checks: []Check{{Action: "iam:ListUsers", Resource: "*"}}})
	if d.Allowed || d.Message() != "User: arn:aws:sts::"+acct+":assumed-role/app/s1 is not authorized to perform: iam:ListUsers on resource: * because no session policy allows the iam:ListUsers action" {
		t.Fatalf("session policy limit: %s", d.Message())
	}
	// The STS side: the caller's set carries the session policies.
	pr, set, err := e.a.CallerPolicySet(t.Context(), &sid)
	if err != nil || pr.RoleARN != iam.RoleARN(acct, "/svc/", "app") || !set.HasSession || len(set.Session) != 2 || len(set.Identity) != 1 {
		t.Fatalf("CallerPolicySet: %+v %+v %v", pr, set, err)
	}
	tagged := *id
	tagged.Temporary, tagged.AccessKey = true, "ASIASESSION2"
	tagged.SessionTags = []iam.Tag{{Key: "TIER", Value: "db"}}
	d, _ = e.a.Decide(t.Context(), Query{Caller: &tagged, Checks: []Check{{Action: "iam:ListUsers", Resource: "*"}}})
	if d.Allowed {
		t.Fatal("session tag did not override the role tag")
	}
}

// TestUserSessionWithoutMFA: GetSessionToken credentials without MFA cannot
// call IAM; with MFA they have the user's permissions.
func TestUserSessionWithoutMFA(t *testing.T) {
	e := newEnv(t)
	e.f.change(func() {
		e.alice.inline["all"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	})
	s := userIdentity("alice", time.Time{})
	s.Temporary, s.AccessKey, s.TokenIssueTime = true, "ASIAUSER", t0
	err := e.authorize(t, s, "ListUsers", &iamshape.ListUsersInput{})
	var ie *iam.Error
	if !errors.As(err, &ie) || ie.Code != "InvalidClientTokenId" {
		t.Fatalf("session without MFA: %v", err)
	}
	s.MFAPresent, s.MFAAuthTime = true, t0
	if err := e.authorize(t, s, "ListUsers", &iamshape.ListUsersInput{}); err != nil {
		t.Fatalf("session with MFA: %v", err)
	}
	// In STS such a session may only assume roles and ask who it is.
	getInfo := api.AuthzRequest{Caller: s, Operation: stsOperation(t, "GetAccessKeyInfo"), Input: &stsshape.GetAccessKeyInfoInput{AccessKeyId: "AKIAX"}}
	err = e.a.Authorize(t.Context(), getInfo)
	if !errors.As(err, &ie) || ie.Code != iam.CodeAccessDenied || ie.Message != "Cannot call GetAccessKeyInfo with session credentials" {
		t.Fatalf("session in STS: %v", err)
	}
	// The long-term key has no aws:MultiFactorAuthPresent: denied.
	if err := e.authorize(t, userIdentity("alice", t0), "ListUsers", &iamshape.ListUsersInput{}); err == nil {
		t.Fatal("long-term key satisfied an MFA condition")
	}
}

// TestTrustPolicyQuery: an operation deciding with a resource policy (the
// STS use of Decide).
func TestTrustPolicyQuery(t *testing.T) {
	e := newEnv(t)
	trust, err := policy.Parse(policy.KindTrust, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:user/alice"},"Action":"sts:AssumeRole"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := policy.Compile("trust", policy.KindTrust, trust)
	q := Query{Caller: userIdentity("alice", t0), Resource: c, Checks: []Check{{Action: "sts:AssumeRole", Resource: "arn:aws:iam::" + acct + ":role/app"}}}
	d, err := e.a.Decide(t.Context(), q)
	if err != nil || !d.Allowed {
		t.Fatalf("trust naming the user: %v %+v", err, d.Result)
	}
	q.Caller = userIdentity("bob", t0)
	e.f.addUser("bob", "/")
	d, _ = e.a.Decide(t.Context(), q)
	if d.Allowed {
		t.Fatal("trust policy silent about bob allowed")
	}
}

func stsOperation(t *testing.T, name string) query.Operation {
	t.Helper()
	for _, o := range stsshape.Operations() {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("no sts op %s", name)
	return query.Operation{}
}

func TestDispositions(t *testing.T) {
	e := newEnv(t)
	stsOp := func(name string) query.Operation { return stsOperation(t, name) }
	alice := userIdentity("alice", t0)
	for _, op := range []string{"GetCallerIdentity", "GetSessionToken", "AssumeRole"} {
		if err := e.a.Authorize(t.Context(), api.AuthzRequest{Caller: alice, Operation: stsOp(op), Input: &stsshape.AssumeRoleInput{RoleArn: "arn:aws:iam::" + acct + ":role/x"}}); err != nil {
			t.Errorf("%s: %v", op, err)
		}
	}
	if err := e.a.Authorize(t.Context(), api.AuthzRequest{Caller: api.Anonymous{}, Operation: stsOp("AssumeRoleWithWebIdentity"), Input: &stsshape.AssumeRoleWithWebIdentityInput{}}); err != nil {
		t.Errorf("unsigned: %v", err)
	}
	if err := e.a.Authorize(t.Context(), api.AuthzRequest{Caller: alice, Operation: stsOp("GetAccessKeyInfo"), Input: &stsshape.GetAccessKeyInfoInput{AccessKeyId: "AKIAX"}}); err == nil {
		t.Error("GetAccessKeyInfo without permission allowed")
	}
}

// TestDeletedPrincipal: a user deleted after its key authenticated has no
// permissions.
func TestDeletedPrincipal(t *testing.T) {
	e := newEnv(t)
	if err := e.authorize(t, userIdentity("ghost", t0), "ListUsers", &iamshape.ListUsersInput{}); err == nil {
		t.Fatal("unknown user allowed")
	}
}

func TestCacheBounded(t *testing.T) {
	f := newFake()
	a, err := New(Config{Policies: f, Revisions: f, Now: func() time.Time { return t0 }, CacheSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"u1", "u2", "u3", "u4", "u5"} {
		f.addUser(n, "/")
	}
	for _, n := range []string{"u1", "u2", "u3", "u4", "u5"} {
		if _, err := a.Decide(context.Background(), Query{Caller: userIdentity(n, t0), Checks: []Check{{Action: "iam:ListUsers", Resource: "*"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.cache.len(); n != 3 {
		t.Fatalf("cache holds %d, want 3", n)
	}
	// u5 is cached, u1 was evicted.
	g := f.gathers
	a.Decide(context.Background(), Query{Caller: userIdentity("u5", t0), Checks: []Check{{Action: "iam:ListUsers", Resource: "*"}}})
	if f.gathers != g {
		t.Fatal("recent entry was evicted")
	}
	a.Decide(context.Background(), Query{Caller: userIdentity("u1", t0), Checks: []Check{{Action: "iam:ListUsers", Resource: "*"}}})
	if f.gathers != g+1 {
		t.Fatal("oldest entry was kept")
	}
	if _, err := New(Config{Now: time.Now}); err == nil {
		t.Error("New without a PolicySource")
	}
}

type fixedAge time.Duration

func (f fixedAge) MaxAccessKeyAge(ctx context.Context, accountID string) (time.Duration, error) {
	return time.Duration(f), nil
}

// TestMaxKeyAgeSetting: the account-level limit refuses old long-term keys,
// the root's too, except the calls that rotate the caller's own keys.
func TestMaxKeyAgeSetting(t *testing.T) {
	e := newEnv(t)
	e.a.ages = fixedAge(30 * 24 * time.Hour)
	e.f.change(func() {
		e.alice.inline["all"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`
	})
	alice := userIdentity("alice", t0.Add(-30*24*time.Hour))
	reads := e.f.revReads
	if err := e.authorize(t, alice, "ListUsers", &iamshape.ListUsersInput{}); err != nil {
		t.Fatalf("30 days: %v", err)
	}
	if n := e.f.revReads - reads; n != 1 {
		t.Errorf("%d revision reads for one request, want 1", n)
	}
	e.clk.Advance(24 * time.Hour)
	wantDenied(t, e.authorize(t, alice, "ListUsers", &iamshape.ListUsersInput{}),
		"User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: iam:ListUsers on resource: * because the access key AKIAALICE is 31 days old and the account allows at most 30; create a new access key and delete this one")
	for op, in := range map[string]any{
		"CreateAccessKey": &iamshape.CreateAccessKeyInput{},
		"DeleteAccessKey": &iamshape.DeleteAccessKeyInput{AccessKeyId: "AKIAALICE"},
		"GetUser":         &iamshape.GetUserInput{UserName: ptr("alice")},
	} {
		if err := e.authorize(t, alice, op, in); err != nil {
			t.Errorf("rotation %s: %v", op, err)
		}
	}
	if err := e.authorize(t, alice, "CreateAccessKey", &iamshape.CreateAccessKeyInput{UserName: ptr("bob")}); err == nil {
		t.Error("an old key created another user's key")
	}
	root := rootIdentity() // its key is a year old
	if err := e.authorize(t, root, "ListUsers", &iamshape.ListUsersInput{}); err == nil {
		t.Error("old root key allowed")
	}
	if err := e.authorize(t, root, "CreateAccessKey", &iamshape.CreateAccessKeyInput{}); err != nil {
		t.Errorf("root rotation: %v", err)
	}
	// Sessions are not long-term keys.
	s := userIdentity("alice", time.Time{})
	s.Temporary, s.MFAPresent = true, true
	if err := e.authorize(t, s, "ListUsers", &iamshape.ListUsersInput{}); err != nil {
		t.Errorf("session: %v", err)
	}
}
