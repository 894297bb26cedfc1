package iam

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/store"
)

// newUsersEnv is a service with testAccount (root key testKeyID) created.
func newUsersEnv(t *testing.T) serviceEnv {
	t.Helper()
	env := newTestService(t, masterKey(1))
	if err := env.svc.EnsureAccount(t.Context(), testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	return env
}

func mustUser(t *testing.T, svc *Service, name, path string) User {
	t.Helper()
	u, err := svc.CreateUser(t.Context(), testAccount, CreateUserInput{Name: name, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func wantMessage(t *testing.T, err error, code, msg string) {
	t.Helper()
	wantCode(t, err, code)
	if e := err.(*Error); e.Message != msg {
		t.Fatalf("message = %q, want %q", e.Message, msg)
	}
}

func TestCreateUserValidation(t *testing.T) {
	env := newUsersEnv(t)
	tests := []struct {
		name string
		in   CreateUserInput
		code string
		msg  string
	}{
		{"bad name", CreateUserInput{Name: "a b"}, CodeValidationError,
			`1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"long name", CreateUserInput{Name: strings.Repeat("a", 65)}, CodeValidationError,
			"1 validation error detected: Value '" + strings.Repeat("a", 65) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"bad path", CreateUserInput{Name: "a", Path: "/x"}, CodeValidationError, pathInvalidMessage},
		{"reserved tag", CreateUserInput{Name: "a", Tags: []Tag{{Key: "aws:x", Value: "v"}}}, CodeInvalidInput,
			"Tag key 'aws:x' is not valid: tag keys starting with 'aws:' are reserved for AWS use."},
		{"duplicate tags", CreateUserInput{Name: "a", Tags: []Tag{{Key: "K", Value: "1"}, {Key: "k", Value: "2"}}}, CodeInvalidInput,
			"Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{"boundary not an ARN", CreateUserInput{Name: "a", PermissionsBoundary: "not-an-arn-at-all-really"}, CodeInvalidInput,
			"ARN not-an-arn-at-all-really is not valid."},
		{"boundary of another account", CreateUserInput{Name: "a", PermissionsBoundary: "arn:aws:iam::999999999999:policy/P"}, CodeNoSuchEntity,
			"Policy arn:aws:iam::999999999999:policy/P does not exist or is not attachable."},
		{"boundary is a role", CreateUserInput{Name: "a", PermissionsBoundary: "arn:aws:iam::" + testAccount + ":role/R"}, CodeInvalidInput,
			"ARN arn:aws:iam::" + testAccount + ":role/R is not valid."},
		{"boundary policy missing", CreateUserInput{Name: "a", PermissionsBoundary: "arn:aws:iam::" + testAccount + ":policy/Nope"}, CodeNoSuchEntity,
			"Policy arn:aws:iam::" + testAccount + ":policy/Nope does not exist or is not attachable."},
		{"unknown AWS managed boundary", CreateUserInput{Name: "a", PermissionsBoundary: "arn:aws:iam::aws:policy/NoSuchManagedPolicy"}, CodeNoSuchEntity,
			"Policy arn:aws:iam::aws:policy/NoSuchManagedPolicy does not exist or is not attachable."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.svc.CreateUser(t.Context(), testAccount, tt.in)
			wantMessage(t, err, tt.code, tt.msg)
		})
	}
	// Nothing was created by the failed calls.
	users, _, err := env.svc.ListUsers(t.Context(), testAccount, "", store.Page{})
	if err != nil || len(users) != 0 {
		t.Fatalf("users after failures: %v, %v", users, err)
	}
}

func TestCreateUserWithBoundaryAndTags(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	const boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
	u, err := env.svc.CreateUser(ctx, testAccount, CreateUserInput{Name: "Alice", Path: "/eng/", PermissionsBoundary: boundary,
		Tags: []Tag{{Key: "team", Value: "core"}}})
	if err != nil {
		t.Fatal(err)
	}
	if u.ARN != "arn:aws:iam::"+testAccount+":user/eng/Alice" || !strings.HasPrefix(u.ID, PrefixUser) || len(u.ID) != IDLength ||
		!u.CreatedAt.Equal(testNow) || u.PermissionsBoundaryARN != boundary {
		t.Fatalf("created %+v", u)
	}
	got, err := env.svc.GetUser(ctx, testAccount, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Alice" || got.PermissionsBoundaryARN != boundary || fmt.Sprint(got.Tags) != "[{team core}]" {
		t.Fatalf("GetUser = %+v", got)
	}
	// The boundary is recorded as a usage of the policy.
	var entities []store.PolicyEntity
	err = env.store.View(ctx, func(tx store.Txn) error {
		var err error
		entities, err = tx.ListPolicyEntities(ctx, testAccount, boundary, store.PrincipalUser, store.UsageBoundary)
		return err
	})
	if err != nil || len(entities) != 1 || entities[0].PrincipalID != u.ID {
		t.Fatalf("boundary usages = %+v, %v", entities, err)
	}
	if err := env.svc.DeleteUserPermissionsBoundary(ctx, testAccount, "alice"); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.DeleteUserPermissionsBoundary(ctx, testAccount, "alice"), CodeNoSuchEntity,
		"The user with name alice does not have a permissions boundary.")
	err = env.store.View(ctx, func(tx store.Txn) error {
		var err error
		entities, err = tx.ListPolicyEntities(ctx, testAccount, boundary, store.PrincipalUser, store.UsageBoundary)
		return err
	})
	if err != nil || len(entities) != 0 {
		t.Fatalf("boundary usages after delete = %+v, %v", entities, err)
	}
}

func TestUsersQuota(t *testing.T) {
	env := newUsersEnv(t)
	q := DefaultQuotas()
	q.UsersPerAccount, q.GroupsPerAccount, q.GroupsPerUser = 2, 2, 1
	env.svc.quotas = q
	ctx := t.Context()
	mustUser(t, env.svc, "a", "/")
	mustUser(t, env.svc, "b", "/")
	_, err := env.svc.CreateUser(ctx, testAccount, CreateUserInput{Name: "c"})
	wantMessage(t, err, CodeLimitExceeded, "Cannot exceed quota for UsersPerAccount: 2")
	for _, g := range []string{"g1", "g2"} {
		if _, err := env.svc.CreateGroup(ctx, testAccount, g, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, err = env.svc.CreateGroup(ctx, testAccount, "g3", "")
	wantMessage(t, err, CodeLimitExceeded, "Cannot exceed quota for GroupsPerAccount: 2")
	if err := env.svc.AddUserToGroup(ctx, testAccount, "g1", "a"); err != nil {
		t.Fatal(err)
	}
	// Adding again is a no-op, not a quota violation.
	if err := env.svc.AddUserToGroup(ctx, testAccount, "G1", "A"); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.AddUserToGroup(ctx, testAccount, "g2", "a"), CodeLimitExceeded, "Cannot exceed quota for GroupsPerUser: 1")
}

func TestUpdateUserRenameKeepsEverything(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	u := mustUser(t, env.svc, "alice", "/")
	mustUser(t, env.svc, "bob", "/")
	if err := env.svc.TagUser(ctx, testAccount, "alice", []Tag{{Key: "k", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	key, err := env.svc.CreateAccessKey(ctx, testAccount, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.CreateGroup(ctx, testAccount, "devs", ""); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.AddUserToGroup(ctx, testAccount, "devs", "alice"); err != nil {
		t.Fatal(err)
	}

	wantMessage(t, env.svc.UpdateUser(ctx, testAccount, "alice", ptrTo("BOB"), nil), CodeEntityAlreadyExists, "User with name BOB already exists.")
	wantMessage(t, env.svc.UpdateUser(ctx, testAccount, "nobody", ptrTo("x"), nil), CodeNoSuchEntity, "The user with name nobody cannot be found.")
	wantCode(t, env.svc.UpdateUser(ctx, testAccount, "alice", nil, ptrTo("bad")), CodeValidationError)
	if err := env.svc.UpdateUser(ctx, testAccount, "alice", ptrTo("Alicia"), ptrTo("/ops/")); err != nil {
		t.Fatal(err)
	}
	got, err := env.svc.GetUser(ctx, testAccount, "alicia")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || got.Path != "/ops/" || got.ARN != "arn:aws:iam::"+testAccount+":user/ops/Alicia" || len(got.Tags) != 1 {
		t.Fatalf("after rename: %+v", got)
	}
	keys, err := env.svc.ListAccessKeys(ctx, testAccount, "Alicia")
	if err != nil || len(keys) != 1 || keys[0].ID != key.ID || keys[0].UserName != "Alicia" {
		t.Fatalf("keys after rename = %+v, %v", keys, err)
	}
	groups, _, err := env.svc.ListGroupsForUser(ctx, testAccount, "alicia", store.Page{})
	if err != nil || len(groups) != 1 || groups[0].Name != "devs" {
		t.Fatalf("groups after rename = %+v, %v", groups, err)
	}
	// The key now signs as the renamed user.
	cred, err := env.svc.LookupAccessKey(ctx, key.ID)
	if err != nil {
		t.Fatal(err)
	}
	id, err := env.svc.IdentityFor(ctx, cred)
	if err != nil {
		t.Fatal(err)
	}
	if id.Kind != IdentityUser || id.AccountID != testAccount || id.ARN != got.ARN || id.UserID != u.ID ||
		id.UserName != "Alicia" || id.Path != "/ops/" || id.AccessKey != key.ID || id.Credential != cred {
		t.Fatalf("IdentityFor = %+v", *id)
	}
	// Changing only the case of the name is allowed.
	if err := env.svc.UpdateUser(ctx, testAccount, "alicia", ptrTo("ALICIA"), nil); err != nil {
		t.Fatal(err)
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestDeleteUserConflicts(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	u := mustUser(t, env.svc, "alice", "/")
	del := func() error { return env.svc.DeleteUser(ctx, testAccount, "alice") }
	tx := func(fn func(tx store.Txn) error) {
		t.Helper()
		if err := env.store.Tx(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}

	if _, err := env.svc.CreateLoginProfile(ctx, testAccount, "alice", "Str0ng!Passw0rd", false); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, del(), CodeDeleteConflict, "Cannot delete entity, must delete login profile first.")
	if err := env.svc.DeleteLoginProfile(ctx, testAccount, "alice"); err != nil {
		t.Fatal(err)
	}

	key, err := env.svc.CreateAccessKey(ctx, testAccount, "alice")
	if err != nil {
		t.Fatal(err)
	}
	wantMessage(t, del(), CodeDeleteConflict, "Cannot delete entity, must delete access keys first.")
	if err := env.svc.DeleteAccessKey(ctx, testAccount, "alice", key.ID); err != nil {
		t.Fatal(err)
	}

	serial := MFAARN(testAccount, "/", "alice-mfa")
	tx(func(tx store.Txn) error {
		if err := tx.CreateMFADevice(ctx, store.MFADevice{SerialNumber: serial, AccountID: testAccount, Name: "alice-mfa", Path: "/",
			SeedSealed: []byte("x"), CreatedAt: testNow, LastUsedStep: -1}); err != nil {
			return err
		}
		return tx.AssignMFADevice(ctx, testAccount, serial, u.ID, testNow, 1)
	})
	wantMessage(t, del(), CodeDeleteConflict, "Cannot delete entity, must delete MFA device first.")
	tx(func(tx store.Txn) error { return tx.UnassignMFADevice(ctx, testAccount, serial) })

	tx(func(tx store.Txn) error {
		return tx.PutInlinePolicy(ctx, store.InlinePolicy{AccountID: testAccount, PrincipalKind: store.PrincipalUser,
			PrincipalID: u.ID, Name: "inline", Document: `{"Version":"2012-10-17","Statement":[]}`})
	})
	wantMessage(t, del(), CodeDeleteConflict, "Cannot delete entity, must delete policies first.")
	tx(func(tx store.Txn) error {
		return tx.DeleteInlinePolicy(ctx, testAccount, store.PrincipalUser, u.ID, "inline")
	})

	const readOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	tx(func(tx store.Txn) error {
		return tx.AttachPolicy(ctx, store.PolicyAttachment{AccountID: testAccount, PrincipalKind: store.PrincipalUser,
			PrincipalID: u.ID, PolicyARN: readOnly, PolicyName: "ReadOnlyAccess", PolicyPath: "/", AttachedAt: testNow})
	})
	wantMessage(t, del(), CodeDeleteConflict, "Cannot delete entity, must detach all policies first.")
	tx(func(tx store.Txn) error {
		return tx.DetachPolicy(ctx, testAccount, store.PrincipalUser, u.ID, readOnly)
	})

	if _, err := env.svc.CreateGroup(ctx, testAccount, "devs", ""); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.AddUserToGroup(ctx, testAccount, "devs", "alice"); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, del(), CodeDeleteConflict, "Cannot delete entity, must remove users from group first.")
	if err := env.svc.RemoveUserFromGroup(ctx, testAccount, "devs", "alice"); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.RemoveUserFromGroup(ctx, testAccount, "devs", "alice"), CodeNoSuchEntity, "User alice is not in group devs.")

	if err := env.svc.TagUser(ctx, testAccount, "alice", []Tag{{Key: "k", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	if err := del(); err != nil {
		t.Fatal(err)
	}
	// Tags went with the user.
	var tags []store.Tag
	err = env.store.View(ctx, func(tx store.Txn) error {
		var err error
		tags, err = tx.ListTags(ctx, testAccount, store.TagKindUser, u.ID)
		return err
	})
	if err != nil || len(tags) != 0 {
		t.Fatalf("tags of the deleted user: %v, %v", tags, err)
	}
	// Its identity no longer resolves: a leftover credential is refused.
	_, err = env.svc.IdentityFor(ctx, Credential{AccessKeyID: "AKIAX", AccountID: testAccount, UserID: u.ID})
	wantCode(t, err, CodeNoSuchEntity)
}

func TestDeleteGroupConflicts(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	g, err := env.svc.CreateGroup(ctx, testAccount, "Devs", "/eng/")
	if err != nil {
		t.Fatal(err)
	}
	if g.ARN != "arn:aws:iam::"+testAccount+":group/eng/Devs" || !strings.HasPrefix(g.ID, PrefixGroup) {
		t.Fatalf("group = %+v", g)
	}
	_, err = env.svc.CreateGroup(ctx, testAccount, "DEVS", "/")
	wantMessage(t, err, CodeEntityAlreadyExists, "Group with name DEVS already exists.")
	mustUser(t, env.svc, "alice", "/")
	if err := env.svc.AddUserToGroup(ctx, testAccount, "devs", "alice"); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.DeleteGroup(ctx, testAccount, "devs"), CodeDeleteConflict, "Cannot delete entity, must remove users from group first.")
	if err := env.svc.RemoveUserFromGroup(ctx, testAccount, "devs", "alice"); err != nil {
		t.Fatal(err)
	}
	err = env.store.Tx(ctx, func(tx store.Txn) error {
		return tx.PutInlinePolicy(ctx, store.InlinePolicy{AccountID: testAccount, PrincipalKind: store.PrincipalGroup,
			PrincipalID: g.ID, Name: "p", Document: `{"Version":"2012-10-17","Statement":[]}`})
	})
	if err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.DeleteGroup(ctx, testAccount, "devs"), CodeDeleteConflict, "Cannot delete entity, must delete policies first.")
	err = env.store.Tx(ctx, func(tx store.Txn) error {
		return tx.DeleteInlinePolicy(ctx, testAccount, store.PrincipalGroup, g.ID, "p")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.svc.DeleteGroup(ctx, testAccount, "devs"); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.DeleteGroup(ctx, testAccount, "devs"), CodeNoSuchEntity, "The group with name devs cannot be found.")
}

func TestAccessKeysDomain(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	mustUser(t, env.svc, "alice", "/")
	mustUser(t, env.svc, "bob", "/")
	k1, err := env.svc.CreateAccessKey(ctx, testAccount, "ALICE")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k1.ID, PrefixAccessKey) || len(k1.ID) != AccessKeyIDLength || len(k1.Secret) != SecretAccessKeyLength ||
		k1.UserName != "alice" || k1.Status != store.AccessKeyActive {
		t.Fatalf("key = %+v", k1)
	}
	if acct, err := AccountFromAccessKeyID(k1.ID); err != nil || acct != testAccount {
		t.Fatalf("key ID encodes account %q, %v", acct, err)
	}
	if _, err := env.svc.CreateAccessKey(ctx, testAccount, "alice"); err != nil {
		t.Fatal(err)
	}
	_, err = env.svc.CreateAccessKey(ctx, testAccount, "alice")
	wantMessage(t, err, CodeLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: 2")
	// The root has its own two (one exists from EnsureAccount).
	rootKey, err := env.svc.CreateAccessKey(ctx, testAccount, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.svc.CreateAccessKey(ctx, testAccount, "")
	wantMessage(t, err, CodeLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: 2")

	// Another owner's key is not found through this user.
	wantMessage(t, env.svc.UpdateAccessKey(ctx, testAccount, "bob", k1.ID, store.AccessKeyInactive), CodeNoSuchEntity,
		"The Access Key with id "+k1.ID+" cannot be found.")
	wantMessage(t, env.svc.DeleteAccessKey(ctx, testAccount, "", k1.ID), CodeNoSuchEntity,
		"The Access Key with id "+k1.ID+" cannot be found.")
	wantCode(t, env.svc.UpdateAccessKey(ctx, testAccount, "alice", k1.ID, "Expired"), CodeValidationError)
	if err := env.svc.UpdateAccessKey(ctx, testAccount, "alice", k1.ID, store.AccessKeyInactive); err != nil {
		t.Fatal(err)
	}
	cred, err := env.svc.LookupAccessKey(ctx, k1.ID)
	if err != nil || cred.Active || cred.SecretAccessKey != k1.Secret {
		t.Fatalf("after deactivation: %+v, %v", cred, err)
	}

	lu, err := env.svc.GetAccessKeyLastUsed(ctx, testAccount, k1.ID)
	if err != nil || lu != (AccessKeyLastUsed{UserName: "alice", Service: "N/A", Region: "N/A"}) {
		t.Fatalf("never used: %+v, %v", lu, err)
	}
	if err := env.svc.RecordAccessKeyUse(ctx, cred, "iam", "us-east-1"); err != nil {
		t.Fatal(err)
	}
	lu, err = env.svc.GetAccessKeyLastUsed(ctx, testAccount, k1.ID)
	if err != nil || lu != (AccessKeyLastUsed{UserName: "alice", LastUsedAt: testNow, Service: "iam", Region: "us-east-1"}) {
		t.Fatalf("used: %+v, %v", lu, err)
	}
	lu, err = env.svc.GetAccessKeyLastUsed(ctx, testAccount, rootKey.ID)
	if err != nil || lu.UserName != "" {
		t.Fatalf("root key: %+v, %v", lu, err)
	}
	_, err = env.svc.GetAccessKeyLastUsed(ctx, "999999999999", k1.ID)
	wantCode(t, err, CodeNoSuchEntity)
}

func TestLoginProfilesAndVerifyPassword(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	mustUser(t, env.svc, "alice", "/")
	const pw = "Correct-Horse-9"

	// AWS's built-in rules apply without an account policy.
	_, err := env.svc.CreateLoginProfile(ctx, testAccount, "alice", "short", false)
	wantCode(t, err, CodePasswordPolicyViolation)
	_, err = env.svc.CreateLoginProfile(ctx, testAccount, "nobody", pw, false)
	wantMessage(t, err, CodeNoSuchEntity, "The user with name nobody cannot be found.")
	_, err = env.svc.GetLoginProfile(ctx, testAccount, "alice")
	wantMessage(t, err, CodeNoSuchEntity, "Login Profile for User alice cannot be found.")

	lp, err := env.svc.CreateLoginProfile(ctx, testAccount, "ALICE", pw, true)
	if err != nil {
		t.Fatal(err)
	}
	if lp != (LoginProfile{UserName: "alice", CreatedAt: testNow, PasswordResetRequired: true}) {
		t.Fatalf("profile = %+v", lp)
	}
	_, err = env.svc.CreateLoginProfile(ctx, testAccount, "alice", pw, false)
	wantMessage(t, err, CodeEntityAlreadyExists, "Login Profile for user alice already exists.")
	var stored store.LoginProfile
	err = env.store.View(ctx, func(tx store.Txn) error {
		u, err := tx.GetUserByName(ctx, testAccount, "alice")
		if err != nil {
			return err
		}
		stored, err = tx.GetLoginProfile(ctx, testAccount, u.ID)
		return err
	})
	if err != nil || !strings.HasPrefix(stored.PasswordHash, "$argon2id$") || strings.Contains(stored.PasswordHash, pw) {
		t.Fatalf("stored profile %+v, %v", stored, err)
	}

	res, ok, err := env.svc.VerifyUserPassword(ctx, testAccount, "alice", pw)
	if err != nil || !ok || !res.ResetRequired || res.Expired || res.User.Name != "alice" || !res.User.PasswordLastUsed.Equal(testNow) {
		t.Fatalf("VerifyUserPassword = %+v, %v, %v", res, ok, err)
	}
	got, err := env.svc.GetUser(ctx, testAccount, "alice")
	if err != nil || !got.PasswordLastUsed.Equal(testNow) {
		t.Fatalf("PasswordLastUsed not recorded: %+v, %v", got, err)
	}
	for _, tt := range []struct{ user, pw string }{{"alice", "Wrong-Horse-9"}, {"nobody", pw}} {
		if _, ok, err := env.svc.VerifyUserPassword(ctx, testAccount, tt.user, tt.pw); ok || err != nil {
			t.Fatalf("VerifyUserPassword(%s, %s) = %v, %v", tt.user, tt.pw, ok, err)
		}
	}

	// Update: the reset flag alone, then a new password under a policy.
	if err := env.svc.UpdateLoginProfile(ctx, testAccount, "alice", nil, ptrTo(false)); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.UpdateAccountPasswordPolicy(ctx, testAccount, PasswordPolicyInput{
		MinimumPasswordLength: ptrTo(20), MaxPasswordAge: ptrTo(30)}); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.UpdateLoginProfile(ctx, testAccount, "alice", ptrTo("Only-15-chars-x"), nil), CodePasswordPolicyViolation,
		"Password should have a minimum length of 20")
	const pw2 = "a-much-longer-password-2"
	if err := env.svc.UpdateLoginProfile(ctx, testAccount, "alice", ptrTo(pw2), nil); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := env.svc.VerifyUserPassword(ctx, testAccount, "alice", pw); ok {
		t.Fatal("old password still accepted")
	}
	res, ok, err = env.svc.VerifyUserPassword(ctx, testAccount, "alice", pw2)
	if err != nil || !ok || res.ResetRequired || res.Expired {
		t.Fatalf("new password: %+v, %v, %v", res, ok, err)
	}

	// Past MaxPasswordAge the password must be changed; with HardExpiry it
	// no longer signs in.
	env.svc.now = func() time.Time { return testNow.Add(31 * 24 * time.Hour) }
	res, ok, err = env.svc.VerifyUserPassword(ctx, testAccount, "alice", pw2)
	if err != nil || !ok || !res.Expired || !res.ResetRequired {
		t.Fatalf("expired password: %+v, %v, %v", res, ok, err)
	}
	if err := env.svc.UpdateAccountPasswordPolicy(ctx, testAccount, PasswordPolicyInput{
		MinimumPasswordLength: ptrTo(20), MaxPasswordAge: ptrTo(30), HardExpiry: ptrTo(true)}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := env.svc.VerifyUserPassword(ctx, testAccount, "alice", pw2); ok || err != nil {
		t.Fatalf("hard-expired password accepted: %v, %v", ok, err)
	}

	if err := env.svc.DeleteLoginProfile(ctx, testAccount, "alice"); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.DeleteLoginProfile(ctx, testAccount, "alice"), CodeNoSuchEntity, "Login Profile for User alice cannot be found.")
}

func TestTagUserQuotaAndUntag(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	mustUser(t, env.svc, "alice", "/")
	var tags []Tag
	for i := range MaxTagsPerEntity {
		tags = append(tags, Tag{Key: fmt.Sprintf("k%02d", i), Value: "v"})
	}
	if err := env.svc.TagUser(ctx, testAccount, "alice", tags); err != nil {
		t.Fatal(err)
	}
	// Replacing an existing key (any case) is fine at 50; a 51st is not.
	if err := env.svc.TagUser(ctx, testAccount, "alice", []Tag{{Key: "K00", Value: "new"}}); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.TagUser(ctx, testAccount, "alice", []Tag{{Key: "extra", Value: "v"}}), CodeLimitExceeded,
		"The number of tags has reached the maximum limit.")
	got, err := env.svc.ListUserTags(ctx, testAccount, "alice")
	if err != nil || len(got) != MaxTagsPerEntity || got[0] != (Tag{Key: "K00", Value: "new"}) {
		t.Fatalf("tags = %v (%d), %v", got[:1], len(got), err)
	}
	if err := env.svc.UntagUser(ctx, testAccount, "alice", []string{"k00", "K01", "absent"}); err != nil {
		t.Fatal(err)
	}
	got, _ = env.svc.ListUserTags(ctx, testAccount, "alice")
	if len(got) != MaxTagsPerEntity-2 || got[0].Key != "k02" {
		t.Fatalf("after untag: %d tags, first %v", len(got), got[0])
	}
	wantCode(t, env.svc.TagUser(ctx, testAccount, "nobody", []Tag{{Key: "a", Value: "b"}}), CodeNoSuchEntity)
}

func TestGetRootUserAndGroupsOfUser(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	root, err := env.svc.GetRootUser(ctx, testAccount)
	if err != nil {
		t.Fatal(err)
	}
	if root.AccountID != testAccount || root.ID != testAccount || root.ARN != RootARN(testAccount) || !root.CreatedAt.Equal(testNow) ||
		!root.Root || root.Name != "" || root.Path != "" {
		t.Fatalf("root user = %+v", root)
	}
	u := mustUser(t, env.svc, "alice", "/")
	for _, g := range []string{"b", "A", "c"} {
		if _, err := env.svc.CreateGroup(ctx, testAccount, g, "/"); err != nil {
			t.Fatal(err)
		}
		if err := env.svc.AddUserToGroup(ctx, testAccount, g, "alice"); err != nil {
			t.Fatal(err)
		}
	}
	gs, err := env.svc.GroupsOfUser(ctx, testAccount, u.ID)
	if err != nil || len(gs) != 3 || gs[0].Name != "A" || gs[2].Name != "c" {
		t.Fatalf("GroupsOfUser = %+v, %v", gs, err)
	}
	var none []Group
	if none, err = env.svc.GroupsOfUser(context.Background(), testAccount, "AIDANOBODY"); err != nil || len(none) != 0 {
		t.Fatalf("GroupsOfUser(unknown) = %v, %v", none, err)
	}
}

func TestVerifyUserPasswordRehashesOldParameters(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	mustUser(t, env.svc, "alice", "/")
	const pw = "Correct-Horse-9"
	if _, err := env.svc.CreateLoginProfile(ctx, testAccount, "alice", pw, false); err != nil {
		t.Fatal(err)
	}
	storedHash := func() string {
		var lp store.LoginProfile
		err := env.store.View(ctx, func(tx store.Txn) error {
			u, err := tx.GetUserByName(ctx, testAccount, "alice")
			if err != nil {
				return err
			}
			lp, err = tx.GetLoginProfile(ctx, testAccount, u.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return lp.PasswordHash
	}
	before := storedHash()
	// The same parameters: nothing to do.
	if _, ok, err := env.svc.VerifyUserPassword(ctx, testAccount, "alice", pw); !ok || err != nil {
		t.Fatalf("VerifyUserPassword = %v, %v", ok, err)
	}
	if storedHash() != before {
		t.Fatal("hash replaced although its parameters are current")
	}
	// Stronger parameters (a newer configuration): the next sign-in rehashes.
	stronger, err := secret.NewPasswordHasher(rand.Reader, secret.PasswordParams{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	env.svc.passwords = stronger
	if _, ok, err := env.svc.VerifyUserPassword(ctx, testAccount, "alice", pw); !ok || err != nil {
		t.Fatalf("VerifyUserPassword = %v, %v", ok, err)
	}
	after := storedHash()
	if after == before || !strings.Contains(after, "m=128,t=2") || stronger.NeedsRehash(after) {
		t.Fatalf("hash not upgraded: %s", after)
	}
	if _, ok, err := env.svc.VerifyUserPassword(ctx, testAccount, "alice", pw); !ok || err != nil {
		t.Fatalf("after rehash: %v, %v", ok, err)
	}
}

func TestChangePassword(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	mustUser(t, env.svc, "alice", "/")
	const pw1, pw2, pw3 = "First-Passw0rd", "Second-Passw0rd", "Third-Passw0rd"
	wantMessage(t, env.svc.ChangePassword(ctx, testAccount, "alice", pw1, pw2), CodeNoSuchEntity, "Login Profile for User alice cannot be found.")
	if _, err := env.svc.CreateLoginProfile(ctx, testAccount, "alice", pw1, true); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.ChangePassword(ctx, testAccount, "alice", "Wrong-Passw0rd", pw2), CodeAccessDenied, "The old password is incorrect.")
	wantCode(t, env.svc.ChangePassword(ctx, testAccount, "alice", pw1, "weak"), CodePasswordPolicyViolation)
	wantCode(t, env.svc.ChangePassword(ctx, testAccount, "alice", "", pw2), CodeValidationError)

	if err := env.svc.ChangePassword(ctx, testAccount, "alice", pw1, pw2); err != nil {
		t.Fatal(err)
	}
	lp, err := env.svc.GetLoginProfile(ctx, testAccount, "alice")
	if err != nil || lp.PasswordResetRequired {
		t.Fatalf("after change: %+v, %v (the reset requirement is met)", lp, err)
	}
	if _, ok, _ := env.svc.VerifyUserPassword(ctx, testAccount, "alice", pw2); !ok {
		t.Fatal("new password refused")
	}

	// Reuse prevention counts the current password and the previous ones.
	if err := env.svc.UpdateAccountPasswordPolicy(ctx, testAccount, PasswordPolicyInput{PasswordReusePrevention: ptrTo(2)}); err != nil {
		t.Fatal(err)
	}
	reused := "Password should not be one of your last 2 passwords"
	wantMessage(t, env.svc.ChangePassword(ctx, testAccount, "alice", pw2, pw2), CodePasswordPolicyViolation, reused)
	wantMessage(t, env.svc.ChangePassword(ctx, testAccount, "alice", pw2, pw1), CodePasswordPolicyViolation, reused)
	if err := env.svc.ChangePassword(ctx, testAccount, "alice", pw2, pw3); err != nil {
		t.Fatal(err)
	}
	// pw1 is now three passwords back: allowed again.
	if err := env.svc.ChangePassword(ctx, testAccount, "alice", pw3, pw1); err != nil {
		t.Fatal(err)
	}
	// An administrator's reset also enters the history.
	if err := env.svc.UpdateLoginProfile(ctx, testAccount, "alice", ptrTo(pw2), nil); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, env.svc.ChangePassword(ctx, testAccount, "alice", pw2, pw1), CodePasswordPolicyViolation, reused)

	// With HardExpiry an expired password can only be reset by an administrator.
	if err := env.svc.UpdateAccountPasswordPolicy(ctx, testAccount, PasswordPolicyInput{MaxPasswordAge: ptrTo(1), HardExpiry: ptrTo(true)}); err != nil {
		t.Fatal(err)
	}
	env.svc.now = func() time.Time { return testNow.Add(48 * time.Hour) }
	wantMessage(t, env.svc.ChangePassword(ctx, testAccount, "alice", pw2, pw3), CodeAccessDenied,
		"The password has expired and can only be reset by an administrator.")
}

func TestCreateAccessKeyDrawsAgainOnIDCollision(t *testing.T) {
	env := newUsersEnv(t)
	ctx := t.Context()
	mustUser(t, env.svc, "alice", "/")
	// A key consumes 5 random bytes for its ID and 30 for its secret. The
	// second call first draws the same bytes as the first (same ID), then
	// new ones.
	a := bytes.Repeat([]byte{0x11}, 35)
	b := bytes.Repeat([]byte{0x22}, 35)
	env.svc.rand = bytes.NewReader(append(append(append([]byte{}, a...), a...), b...))
	k1, err := env.svc.CreateAccessKey(ctx, testAccount, "alice")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := env.svc.CreateAccessKey(ctx, testAccount, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if k1.ID == k2.ID || k1.Secret == k2.Secret {
		t.Fatalf("keys %s and %s", k1.ID, k2.ID)
	}
	keys, err := env.svc.ListAccessKeys(ctx, testAccount, "alice")
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys = %+v, %v", keys, err)
	}
	// Colliding on every draw ends, after a few, in ServiceFailure.
	env.svc.rand = bytes.NewReader(bytes.Repeat(a, 5))
	_, err = env.svc.CreateAccessKey(ctx, testAccount, "")
	wantCode(t, err, CodeServiceFailure)
	roots, err := env.svc.ListAccessKeys(ctx, testAccount, "")
	if err != nil || len(roots) != 1 {
		t.Fatalf("root keys = %+v, %v", roots, err)
	}
}
