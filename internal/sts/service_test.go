package sts

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/sigv4"
	"github.com/iamd/iamd/internal/store"
)

const (
	acct1 = "123456789012"
	acct2 = "210987654321"
)

type env struct {
	t     *testing.T
	clock *fakeClock
	st    store.Store
	iam   *iam.Service
	sts   *Service
	// grants holds the identity policies of newEnv(t, nil)'s callers.
	grants grants
}

func newEnv(t *testing.T, policies CallerPolicies) *env {
	t.Helper()
	st := openStore(t)
	clock := newClock()
	sealer := newSealer(t, masterKey(7))
	isvc := iam.New(iam.Config{Store: st, Sealer: sealer, Now: clock.Now, Rand: rand.Reader})
	for _, a := range []string{acct1, acct2} {
		if err := isvc.EnsureAccount(t.Context(), a, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	g := grants{}
	if policies == nil {
		policies = g
	}
	s, err := New(Config{Store: st, Sealer: sealer, IAM: isvc, Now: clock.Now, Rand: rand.Reader, CallerPolicies: policies})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, clock: clock, st: st, iam: isvc, sts: s, grants: g}
}

// grants is a CallerPolicies that gives the identities registered in it by
// ARN their own identity policy, and everyone else none.
type grants map[string]*policy.Compiled

func (g grants) CallerPolicySet(_ context.Context, id *iam.Identity) (policy.Principal, policy.Set, error) {
	set := policy.Set{HasSession: id.HasSessionPolicy()}
	if c := g[id.ARN]; c != nil {
		set.Identity = []*policy.Compiled{c}
	}
	return policy.Principal{}, set, nil
}

// admin creates the user "admin" in account, allowed everything by its
// identity policy (with newEnv(t, nil)): the root may not assume roles, so
// tests about the role session assume it as this user.
func (e *env) admin(account string) *iam.Identity {
	e.t.Helper()
	u := e.user(account, "admin")
	e.grants[u.ARN] = compiled(e.t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	return u
}

func rootOf(account string) *iam.Identity {
	return &iam.Identity{Kind: iam.IdentityRoot, AccountID: account, ARN: iam.RootARN(account), UserID: account, AccessKey: "AKIAROOT"}
}

func (e *env) user(account, name string) *iam.Identity {
	e.t.Helper()
	u, err := e.iam.CreateUser(e.t.Context(), account, iam.CreateUserInput{Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return &iam.Identity{Kind: iam.IdentityUser, AccountID: account, ARN: u.ARN, UserID: u.ID, UserName: u.Name, Path: "/", AccessKey: "AKIAUSER"}
}

func (e *env) role(account, name, trust string, maxSession int) iam.Role {
	e.t.Helper()
	r, err := e.iam.CreateRole(e.t.Context(), account, iam.CreateRoleInput{Name: name, AssumeRolePolicy: trust, MaxSessionDuration: maxSession})
	if err != nil {
		e.t.Fatalf("CreateRole %s: %v", name, err)
	}
	return r
}

// session opens credentials as the SigV4 lookup does and returns the
// session's identity.
func (e *env) session(c Credentials) *iam.Identity {
	e.t.Helper()
	sec, err := e.sts.LookupAccessKey(e.t.Context(), c.AccessKeyID, c.SessionToken)
	if err != nil {
		e.t.Fatalf("LookupAccessKey: %v", err)
	}
	if sec.SecretAccessKey != c.SecretAccessKey {
		e.t.Fatal("lookup returned another secret")
	}
	return sec.Principal.(*iam.Identity)
}

// selfTrusting creates a role whose trust policy names the role itself
// (which must exist before a trust policy may name it).
func (e *env) selfTrusting(account, name, trust string, maxSession int) iam.Role {
	e.t.Helper()
	e.role(account, name, trustDoc(account, `"sts:AssumeRole"`, ""), maxSession)
	if err := e.iam.UpdateAssumeRolePolicy(e.t.Context(), account, name, trust); err != nil {
		e.t.Fatal(err)
	}
	r, err := e.iam.GetRole(e.t.Context(), account, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// wantExact is wantCode for a message that must match exactly.
func wantExact(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *iam.Error
	if !errors.As(err, &e) || e.Code != code || e.Message != msg {
		t.Fatalf("err = %v, want %s: %q", err, code, msg)
	}
}

func wantCode(t *testing.T, err error, code, msgPart string) {
	t.Helper()
	var e *iam.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if e.Code != code || !strings.Contains(e.Message, msgPart) {
		t.Fatalf("err = %s: %q, want %s containing %q", e.Code, e.Message, code, msgPart)
	}
}

func trustDoc(principal string, actions string, condition string) string {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":` + actions
	if condition != "" {
		doc += `,"Condition":` + condition
	}
	return doc + `}]}`
}

func TestGetSessionTokenAndLookup(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	alice := e.user(acct1, "alice")

	c, err := e.sts.GetSessionToken(ctx, alice, GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || len(c.AccessKeyID) != 20 || len(c.SecretAccessKey) != 40 {
		t.Fatalf("credentials %q / secret of %d chars", c.AccessKeyID, len(c.SecretAccessKey))
	}
	if got := c.Expiration.Sub(e.clock.Now()); got != DefaultSessionTokenDuration {
		t.Fatalf("default duration %v, want %v", got, DefaultSessionTokenDuration)
	}
	if acct, err := e.sts.GetAccessKeyInfo(ctx, c.AccessKeyID); err != nil || acct != acct1 {
		t.Fatalf("GetAccessKeyInfo = %q, %v", acct, err)
	}
	id := e.session(c)
	if id.Kind != iam.IdentityUser || id.ARN != alice.ARN || id.UserID != alice.UserID || !id.Temporary || id.MFAPresent ||
		id.AccessKeyID() != c.AccessKeyID || !id.TokenIssueTime.Equal(e.clock.Now()) {
		t.Fatalf("session identity = %+v", id)
	}
	if ci := e.sts.GetCallerIdentity(id); ci.ARN != alice.ARN || ci.UserID != alice.UserID || ci.Account != acct1 {
		t.Fatalf("GetCallerIdentity = %+v", ci)
	}

	// Session credentials cannot get another session token.
	_, err = e.sts.GetSessionToken(ctx, id, GetSessionTokenInput{})
	wantCode(t, err, iam.CodeAccessDenied, "Cannot call GetSessionToken with session credentials")

	// Lookup failures map to the verifier's sentinels. The other key ID
	// differs from the session's in its last character, whatever that is.
	otherKeyID := "ASIA" + c.AccessKeyID[4:19] + "Q"
	if otherKeyID == c.AccessKeyID {
		otherKeyID = "ASIA" + c.AccessKeyID[4:19] + "R"
	}
	for name, tc := range map[string]struct {
		akid, token string
		want        error
	}{
		"no token":       {c.AccessKeyID, "", sigv4.ErrInvalidSessionToken},
		"garbage":        {c.AccessKeyID, "abc", sigv4.ErrInvalidSessionToken},
		"other key id":   {otherKeyID, c.SessionToken, sigv4.ErrInvalidSessionToken},
		"long-term key":  {"AKIA" + c.AccessKeyID[4:], c.SessionToken, sigv4.ErrUnknownAccessKey},
		"tampered token": {c.AccessKeyID, c.SessionToken[:30] + string("AB"[boolInt(c.SessionToken[30] == 'A')]) + c.SessionToken[31:], sigv4.ErrInvalidSessionToken},
	} {
		if _, err := e.sts.LookupAccessKey(ctx, tc.akid, tc.token); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
	e.clock.Advance(DefaultSessionTokenDuration)
	if _, err := e.sts.LookupAccessKey(ctx, c.AccessKeyID, c.SessionToken); !errors.Is(err, sigv4.ErrExpiredSessionToken) {
		t.Fatalf("expired: err = %v", err)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestGetSessionTokenDurations(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.user(acct1, "alice")
	for _, tc := range []struct {
		name   string
		caller *iam.Identity
		in     time.Duration
		want   time.Duration
		err    string
	}{
		{"user default", alice, 0, 12 * time.Hour, ""},
		{"user max", alice, 129600 * time.Second, 36 * time.Hour, ""},
		{"user min", alice, 900 * time.Second, 15 * time.Minute, ""},
		{"too short", alice, 899 * time.Second, 0, "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"too long", alice, 129601 * time.Second, 0, "Member must have value less than or equal to 129600"},
		{"root default is one hour", rootOf(acct1), 0, time.Hour, ""},
		{"root capped at one hour", rootOf(acct1), 7200 * time.Second, time.Hour, ""},
		{"root short", rootOf(acct1), 900 * time.Second, 15 * time.Minute, ""},
	} {
		c, err := e.sts.GetSessionToken(t.Context(), tc.caller, GetSessionTokenInput{Duration: tc.in})
		if tc.err != "" {
			wantCode(t, err, iam.CodeValidationError, tc.err)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := c.Expiration.Sub(e.clock.Now()); got != tc.want {
			t.Errorf("%s: duration %v, want %v", tc.name, got, tc.want)
		}
	}
	root := e.session(mustCreds(e.sts.GetSessionToken(t.Context(), rootOf(acct1), GetSessionTokenInput{})))
	if root.Kind != iam.IdentityRoot || root.ARN != iam.RootARN(acct1) || root.UserID != acct1 {
		t.Fatalf("root session = %+v", root)
	}
}

func mustCreds(c Credentials, err error) Credentials {
	if err != nil {
		panic(err)
	}
	return c
}

func TestGetSessionTokenMFA(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	alice := e.user(acct1, "alice")
	dev, err := e.iam.CreateVirtualMFADevice(ctx, acct1, "/", "alice-phone", nil)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := iam.ParseBase32Seed(dev.Base32StringSeed)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	if err := e.iam.EnableMFADevice(ctx, acct1, "alice", dev.SerialNumber, iam.TOTPCode(seed, now.Add(-30*time.Second)), iam.TOTPCode(seed, now)); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	code := iam.TOTPCode(seed, e.clock.Now())

	_, err = e.sts.GetSessionToken(ctx, alice, GetSessionTokenInput{SerialNumber: dev.SerialNumber, TokenCode: "000000"})
	if code != "000000" {
		wantCode(t, err, iam.CodeAccessDenied, msgMFAInvalid)
	}
	_, err = e.sts.GetSessionToken(ctx, alice, GetSessionTokenInput{SerialNumber: dev.SerialNumber})
	wantCode(t, err, iam.CodeAccessDenied, msgMFAMissing)

	c, err := e.sts.GetSessionToken(ctx, alice, GetSessionTokenInput{SerialNumber: dev.SerialNumber, TokenCode: code})
	if err != nil {
		t.Fatal(err)
	}
	id := e.session(c)
	if !id.MFAPresent || !id.MFAAuthTime.Equal(e.clock.Now()) {
		t.Fatalf("MFA session = %+v", id)
	}
	// The same code is not accepted twice.
	_, err = e.sts.GetSessionToken(ctx, alice, GetSessionTokenInput{SerialNumber: dev.SerialNumber, TokenCode: code})
	wantCode(t, err, iam.CodeAccessDenied, msgMFAInvalid)
	// Another user cannot use alice's device.
	bob := e.user(acct1, "bob")
	e.clock.Advance(time.Minute)
	_, err = e.sts.GetSessionToken(ctx, bob, GetSessionTokenInput{SerialNumber: dev.SerialNumber, TokenCode: iam.TOTPCode(seed, e.clock.Now())})
	wantCode(t, err, iam.CodeAccessDenied, msgMFAInvalid)
}

func TestGetAccessKeyInfo(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	// A configured bootstrap key does not encode its account: the store
	// knows it.
	if err := e.iam.EnsureAccount(ctx, acct2, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"); err != nil {
		t.Fatal(err)
	}
	if got, err := e.sts.GetAccessKeyInfo(ctx, "AKIAIOSFODNN7EXAMPLE"); err != nil || got != acct2 {
		t.Fatalf("stored key: %q, %v", got, err)
	}
	// Keys that do not exist: decoded from the ID, as AWS does.
	id, err := iam.NewAccessKeyID(rand.Reader, iam.PrefixAccessKey, "000011112222")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.sts.GetAccessKeyInfo(ctx, id); err != nil || got != "000011112222" {
		t.Fatalf("unknown key: %q, %v", got, err)
	}
	_, err = e.sts.GetAccessKeyInfo(ctx, "ASIA!!")
	wantCode(t, err, CodeInvalidParameterValue, "is not valid")
}

// staticPolicies is a CallerPolicies that gives every non-root caller the
// same identity policy.
type staticPolicies struct{ c *policy.Compiled }

func (s staticPolicies) CallerPolicySet(_ context.Context, id *iam.Identity) (policy.Principal, policy.Set, error) {
	return policy.Principal{}, policy.Set{Identity: []*policy.Compiled{s.c}}, nil
}

func compiled(t *testing.T, doc string) *policy.Compiled {
	t.Helper()
	p, err := policy.Parse(policy.KindIdentity, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	c, err := policy.Compile("test", policy.KindIdentity, p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAssumeRoleTrust(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	alice := e.user(acct1, "alice")
	bob := e.user(acct1, "bob")
	other := e.user(acct2, "carol")
	admin, admin2 := e.admin(acct1), e.admin(acct2)
	byAccount := e.role(acct1, "by-account", trustDoc(acct1, `"sts:AssumeRole"`, ""), 0)
	byAlice := e.role(acct1, "by-alice", trustDoc(alice.ARN, `"sts:AssumeRole"`, ""), 0)
	byAccount2 := e.role(acct1, "by-account2", trustDoc("arn:aws:iam::"+acct2+":root", `"sts:AssumeRole"`, ""), 0)
	denyBob := e.role(acct1, "deny-bob", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"`+acct1+`"},"Action":"sts:AssumeRole"},
		{"Effect":"Deny","Principal":{"AWS":"`+bob.ARN+`"},"Action":"sts:AssumeRole"}]}`, 0)

	for _, tc := range []struct {
		name   string
		caller *iam.Identity
		role   iam.Role
		ok     bool
	}{
		{"allowed user, trust names the account", admin, byAccount, true},
		{"user named by the trust policy", alice, byAlice, true},
		{"user not named", bob, byAlice, false},
		{"user, trust names only the account, no identity policy", alice, byAccount, false},
		{"allowed user of the trusted other account", admin2, byAccount2, true},
		{"user of the trusted other account without identity policy", other, byAccount2, false},
		{"allowed user of an untrusted account", admin2, byAccount, false},
		{"explicit deny", bob, denyBob, false},
	} {
		res, err := e.sts.AssumeRole(ctx, tc.caller, AssumeRoleInput{RoleARN: tc.role.ARN, RoleSessionName: "s1"})
		if !tc.ok {
			wantCode(t, err, iam.CodeAccessDenied, "User: "+tc.caller.ARN+" is not authorized to perform: sts:AssumeRole on resource: "+tc.role.ARN)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.ARN != "arn:aws:sts::"+acct1+":assumed-role/"+tc.role.Name+"/s1" || res.AssumedRoleID != tc.role.ID+":s1" {
			t.Fatalf("%s: result %+v", tc.name, res)
		}
		id := e.session(res.Credentials)
		if id.Kind != iam.IdentityAssumedRole || id.ARN != res.ARN || id.UserID != res.AssumedRoleID || id.AccountID != acct1 ||
			id.RoleARN != tc.role.ARN || id.RoleName != tc.role.Name || id.SessionName != "s1" || id.Chained {
			t.Fatalf("%s: session %+v", tc.name, id)
		}
		if got := res.Credentials.Expiration.Sub(e.clock.Now()); got != time.Hour {
			t.Fatalf("%s: default duration %v", tc.name, got)
		}
		if acct, _ := e.sts.GetAccessKeyInfo(ctx, res.Credentials.AccessKeyID); acct != acct1 {
			t.Fatalf("%s: session key of account %s", tc.name, acct)
		}
	}

	// A role that does not exist is refused like one that does.
	missing := iam.RoleARN(acct1, "/", "nope")
	_, err := e.sts.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: missing, RoleSessionName: "s1"})
	wantCode(t, err, iam.CodeAccessDenied, "on resource: "+missing)
	_, err = e.sts.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: "arn:aws:iam::123456789012:user/alice", RoleSessionName: "s1"})
	wantCode(t, err, iam.CodeValidationError, "roleArn")
	_, err = e.sts.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: byAlice.ARN, RoleSessionName: "a:b"})
	wantCode(t, err, iam.CodeValidationError, "roleSessionName")

	// The role's last use is recorded.
	r, err := e.iam.GetRole(ctx, acct1, "by-alice")
	if err != nil {
		t.Fatal(err)
	}
	if !r.LastUsedAt.Equal(e.clock.Now()) || r.LastUsedRegion != "us-east-1" {
		t.Fatalf("RoleLastUsed = %v %q", r.LastUsedAt, r.LastUsedRegion)
	}
}

func TestAssumeRoleWithCallerPolicies(t *testing.T) {
	allow := compiled(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	e := newEnv(t, staticPolicies{allow})
	ctx := t.Context()
	alice := e.user(acct1, "alice")
	carol := e.user(acct2, "carol")
	byAccount := e.role(acct1, "by-account", trustDoc(acct1, `"sts:AssumeRole"`, ""), 0)
	byAccount2 := e.role(acct1, "by-account2", trustDoc(acct2, `"sts:AssumeRole"`, ""), 0)
	for _, tc := range []struct {
		caller *iam.Identity
		role   iam.Role
		ok     bool
	}{
		{alice, byAccount, true},   // account delegation + identity allow
		{carol, byAccount2, true},  // cross-account: both sides allow
		{carol, byAccount, false},  // trust silent about acct2
		{alice, byAccount2, false}, // trust silent about acct1
	} {
		_, err := e.sts.AssumeRole(ctx, tc.caller, AssumeRoleInput{RoleARN: tc.role.ARN, RoleSessionName: "ss"})
		if tc.ok && err != nil {
			t.Fatalf("%s → %s: %v", tc.caller.ARN, tc.role.Name, err)
		}
		if !tc.ok {
			wantCode(t, err, iam.CodeAccessDenied, "sts:AssumeRole")
		}
	}
}

func TestAssumeRoleExternalID(t *testing.T) {
	e := newEnv(t, nil)
	r := e.role(acct1, "vendor", trustDoc(acct1, `"sts:AssumeRole"`, `{"StringEquals":{"sts:ExternalId":"ext-123"}}`), 0)
	admin := e.admin(acct1)
	for _, tc := range []struct {
		ext string
		ok  bool
	}{{"", false}, {"ext-124", false}, {"ext-123", true}} {
		_, err := e.sts.AssumeRole(t.Context(), admin, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss", ExternalID: tc.ext})
		if tc.ok != (err == nil) {
			t.Fatalf("ExternalId %q: err = %v", tc.ext, err)
		}
	}
}

func TestAssumeRoleDurationsAndChaining(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	r := e.role(acct1, "long", trustDoc(acct1, `"sts:AssumeRole"`, ""), 7200)
	admin := e.admin(acct1)
	res, err := e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss", Duration: 7200 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Credentials.Expiration.Sub(e.clock.Now()); got != 2*time.Hour {
		t.Fatalf("duration %v", got)
	}
	_, err = e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss", Duration: 7201 * time.Second})
	wantExact(t, err, iam.CodeValidationError, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")

	// Role chaining: the role trusts itself; its session may assume it
	// again for at most one hour.
	self := e.selfTrusting(acct1, "self", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+acct1+`"},"Action":"sts:AssumeRole"},
		{"Effect":"Allow","Principal":{"AWS":"`+iam.RoleARN(acct1, "/", "self")+`"},"Action":"sts:AssumeRole"}]}`, 43200)
	first, err := e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: self.ARN, RoleSessionName: "one"})
	if err != nil {
		t.Fatal(err)
	}
	sess := e.session(first.Credentials)
	_, err = e.sts.AssumeRole(ctx, sess, AssumeRoleInput{RoleARN: self.ARN, RoleSessionName: "two", Duration: 3601 * time.Second})
	wantExact(t, err, iam.CodeValidationError, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	second, err := e.sts.AssumeRole(ctx, sess, AssumeRoleInput{RoleARN: self.ARN, RoleSessionName: "two", Duration: 3600 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if id := e.session(second.Credentials); !id.Chained || id.SessionName != "two" {
		t.Fatalf("chained session %+v", id)
	}

	// Once the role is deleted its sessions cannot chain any more.
	other := e.role(acct1, "other", trustDoc(acct1, `"sts:AssumeRole"`, ""), 0)
	if err := e.iam.UpdateAssumeRolePolicy(ctx, acct1, "other", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+sess.ARN+`"},"Action":"sts:AssumeRole"}]}`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sts.AssumeRole(ctx, sess, AssumeRoleInput{RoleARN: other.ARN, RoleSessionName: "three"}); err != nil {
		t.Fatalf("session named by the trust policy: %v", err)
	}
	if err := e.iam.DeleteRole(ctx, acct1, "self"); err != nil {
		t.Fatal(err)
	}
	_, err = e.sts.AssumeRole(ctx, sess, AssumeRoleInput{RoleARN: other.ARN, RoleSessionName: "three"})
	wantCode(t, err, iam.CodeAccessDenied, "sts:AssumeRole")
}

func TestAssumeRoleTagsAndSourceIdentity(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	admin := e.admin(acct1)
	plain := e.role(acct1, "plain", trustDoc(acct1, `"sts:AssumeRole"`, ""), 0)
	full := e.selfTrusting(acct1, "full", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"`+acct1+`"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]},
		{"Effect":"Allow","Principal":{"AWS":"`+iam.RoleARN(acct1, "/", "full")+`"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`, 0)
	tags := []iam.Tag{{Key: "team", Value: "ops"}, {Key: "env", Value: "dev"}}

	_, err := e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: plain.ARN, RoleSessionName: "ss", Tags: tags})
	wantCode(t, err, iam.CodeAccessDenied, "sts:TagSession")
	_, err = e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: plain.ARN, RoleSessionName: "ss", SourceIdentity: "alice"})
	wantCode(t, err, iam.CodeAccessDenied, "sts:SetSourceIdentity")
	_, err = e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: full.ARN, RoleSessionName: "ss", Tags: tags, TransitiveTagKeys: []string{"nope"}})
	wantCode(t, err, CodeInvalidParameterValue, "nope")
	_, err = e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: full.ARN, RoleSessionName: "ss", Tags: []iam.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}})
	wantCode(t, err, CodeInvalidParameterValue, "Duplicate tag keys")

	res, err := e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: full.ARN, RoleSessionName: "ss", Tags: tags,
		TransitiveTagKeys: []string{"team"}, SourceIdentity: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.HasPackedPolicy || res.PackedPolicy < 1 || res.SourceIdentity != "alice" {
		t.Fatalf("result %+v", res)
	}
	s1 := e.session(res.Credentials)
	if len(s1.SessionTags) != 2 || s1.SourceIdentity != "alice" || len(s1.TransitiveTagKeys) != 1 {
		t.Fatalf("session %+v", s1)
	}
	// Chaining: the transitive tag and the source identity pass on; the
	// transitive tag cannot be overridden, the source identity not changed.
	_, err = e.sts.AssumeRole(ctx, s1, AssumeRoleInput{RoleARN: full.ARN, RoleSessionName: "s2", Tags: []iam.Tag{{Key: "TEAM", Value: "x"}}})
	wantCode(t, err, CodeInvalidParameterValue, "cannot be overridden")
	_, err = e.sts.AssumeRole(ctx, s1, AssumeRoleInput{RoleARN: full.ARN, RoleSessionName: "s2", SourceIdentity: "bob"})
	wantCode(t, err, iam.CodeAccessDenied, "source identity")
	res2, err := e.sts.AssumeRole(ctx, s1, AssumeRoleInput{RoleARN: full.ARN, RoleSessionName: "s2"})
	if err != nil {
		t.Fatal(err)
	}
	s2 := e.session(res2.Credentials)
	if len(s2.SessionTags) != 1 || s2.SessionTags[0] != (iam.Tag{Key: "team", Value: "ops"}) || s2.SourceIdentity != "alice" ||
		len(s2.TransitiveTagKeys) != 1 {
		t.Fatalf("chained session %+v", s2)
	}
}

func TestAssumeRoleSessionPolicies(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	r := e.role(acct1, "r", trustDoc(acct1, `"sts:AssumeRole"`, ""), 0)
	admin := e.admin(acct1)
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`
	arns := []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}
	res, err := e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss", Policy: pol, PolicyARNs: arns})
	if err != nil {
		t.Fatal(err)
	}
	id := e.session(res.Credentials)
	if id.SessionPolicy != pol || len(id.SessionPolicyARNs) != 1 || !id.HasSessionPolicy() {
		t.Fatalf("session %+v", id)
	}
	_, err = e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss", Policy: `{"Statement":[]`})
	wantCode(t, err, iam.CodeMalformedPolicyDocument, "")
	_, err = e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss", Policy: strings.Repeat(" ", 2049)})
	wantCode(t, err, iam.CodeValidationError, "2048")
	many := make([]string, 11)
	for i := range many {
		many[i] = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	}
	_, err = e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss", PolicyARNs: many})
	wantCode(t, err, iam.CodeValidationError, "less than or equal to 10")
	_, err = e.sts.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss", PolicyARNs: []string{"arn:aws:s3:::bucket"}})
	wantCode(t, err, CodeInvalidParameterValue, "arn:aws:s3:::bucket")
}

func TestAssumeRoleMFA(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	alice := e.user(acct1, "alice")
	r := e.role(acct1, "mfa", trustDoc(alice.ARN, `"sts:AssumeRole"`, `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`), 0)
	dev, err := e.iam.CreateVirtualMFADevice(ctx, acct1, "/", "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := iam.ParseBase32Seed(dev.Base32StringSeed)
	now := e.clock.Now()
	if err := e.iam.EnableMFADevice(ctx, acct1, "alice", dev.SerialNumber, iam.TOTPCode(seed, now.Add(-30*time.Second)), iam.TOTPCode(seed, now)); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	_, err = e.sts.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss"})
	wantCode(t, err, iam.CodeAccessDenied, "sts:AssumeRole")
	res, err := e.sts.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss",
		SerialNumber: dev.SerialNumber, TokenCode: iam.TOTPCode(seed, e.clock.Now())})
	if err != nil {
		t.Fatal(err)
	}
	if !e.session(res.Credentials).MFAPresent {
		t.Fatal("session assumed with MFA does not carry it")
	}
	// An MFA session from GetSessionToken satisfies the condition too.
	e.clock.Advance(time.Minute)
	st, err := e.sts.GetSessionToken(ctx, alice, GetSessionTokenInput{SerialNumber: dev.SerialNumber, TokenCode: iam.TOTPCode(seed, e.clock.Now())})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sts.AssumeRole(ctx, e.session(st), AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "ss"}); err != nil {
		t.Fatalf("AssumeRole from an MFA session: %v", err)
	}
}

// The packed-policy budget bounds what a token carries: a session at the
// limit still seals into a token below MaxTokenLength, one byte more is
// PackedPolicyTooLarge.
func TestAssumeRolePackedPolicyLimit(t *testing.T) {
	e := newEnv(t, nil)
	r := e.selfTrusting(acct1, "tags", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+acct1+`"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`, 0)
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 1900) + `"}]}`
	size := len(pol) // no white space: Size is the length
	var tags []iam.Tag
	for i := 0; size < packedLimit; i++ {
		k := fmt.Sprintf("k%02d", i)
		v := strings.Repeat("v", min(256, packedLimit-size-len(k)))
		tags = append(tags, iam.Tag{Key: k, Value: v})
		size += len(k) + len(v)
	}
	in := AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "big", Policy: pol, Tags: tags}
	admin := e.admin(acct1)
	res, err := e.sts.AssumeRole(t.Context(), admin, in)
	if err != nil {
		t.Fatalf("at the limit (%d bytes, %d tags): %v", size, len(tags), err)
	}
	if res.PackedPolicy != 100 || len(res.Credentials.SessionToken) >= MaxTokenLength {
		t.Fatalf("packed %d%%, token of %d characters", res.PackedPolicy, len(res.Credentials.SessionToken))
	}
	e.session(res.Credentials)
	in.Tags = append(in.Tags, iam.Tag{Key: "z", Value: ""})
	_, err = e.sts.AssumeRole(t.Context(), admin, in)
	wantCode(t, err, CodePackedPolicyTooLarge, "Packed policy consumes 101% of allotted space")
}

// The root may not assume a role, neither with its long-term key nor from
// a GetSessionToken session (whose principal is the root too), even when
// the trust policy names the account; a GetFederationToken session may
// call no STS operation but GetCallerIdentity.
func TestAssumeRoleRefusesRootAndFederatedUsers(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	r := e.role(acct1, "by-account", trustDoc(acct1, `"sts:AssumeRole"`, ""), 0)
	rootSession := e.session(mustCreds(e.sts.GetSessionToken(ctx, rootOf(acct1), GetSessionTokenInput{})))
	fed, err := e.sts.GetFederationToken(ctx, e.admin(acct1), GetFederationTokenInput{Name: "fed",
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	fedSession := e.session(fed.Credentials)
	for _, tc := range []struct {
		name   string
		caller *iam.Identity
		msg    string
	}{
		{"root key", rootOf(acct1), "Roles may not be assumed by root accounts."},
		{"root session", rootSession, "Roles may not be assumed by root accounts."},
		{"federated user", fedSession, "User: " + fedSession.ARN + " is not authorized to perform: sts:AssumeRole on resource: " + r.ARN},
	} {
		_, err := e.sts.AssumeRole(ctx, tc.caller, AssumeRoleInput{RoleARN: r.ARN, RoleSessionName: "s1"})
		wantExact(t, err, iam.CodeAccessDenied, tc.msg)
	}
	if r, err := e.iam.GetRole(ctx, acct1, "by-account"); err != nil || !r.LastUsedAt.IsZero() {
		t.Fatalf("refused calls recorded a last use: %v %v", r.LastUsedAt, err)
	}
}
