package iam

import (
	"slices"
	"strings"
	"testing"
)

func newAccountService(t *testing.T) serviceEnv {
	t.Helper()
	env := newTestService(t, masterKey(1))
	if err := env.svc.EnsureAccount(t.Context(), testAccount, testKeyID, testSecret); err != nil {
		t.Fatal(err)
	}
	return env
}

func wantError(t *testing.T, err error, code, message string) {
	t.Helper()
	wantCode(t, err, code)
	if got := err.(*Error).Message; message != "" && got != message {
		t.Fatalf("message = %q, want %q", got, message)
	}
}

func TestAccountAliasLifecycle(t *testing.T) {
	env := newAccountService(t)
	ctx := t.Context()
	const other = "210987654321"
	if err := env.svc.EnsureAccount(ctx, other, "", ""); err != nil {
		t.Fatal(err)
	}
	list := func(acct string) []string {
		t.Helper()
		got, err := env.svc.ListAccountAliases(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := list(testAccount); len(got) != 0 {
		t.Fatalf("new account has aliases %v", got)
	}
	if err := env.svc.CreateAccountAlias(ctx, testAccount, "example-corp"); err != nil {
		t.Fatal(err)
	}
	if got := list(testAccount); !slices.Equal(got, []string{"example-corp"}) {
		t.Fatalf("aliases = %v", got)
	}
	// Unique across accounts, and the holder cannot create it again.
	for _, acct := range []string{other, testAccount} {
		wantError(t, env.svc.CreateAccountAlias(ctx, acct, "example-corp"), CodeEntityAlreadyExists,
			"The account alias example-corp already exists.")
	}
	// A second alias replaces the first: one alias per account.
	if err := env.svc.CreateAccountAlias(ctx, testAccount, "example-prod"); err != nil {
		t.Fatal(err)
	}
	if got := list(testAccount); !slices.Equal(got, []string{"example-prod"}) {
		t.Fatalf("aliases after replacement = %v", got)
	}
	// The released alias is free for another account.
	if err := env.svc.CreateAccountAlias(ctx, other, "example-corp"); err != nil {
		t.Fatal(err)
	}
	wantError(t, env.svc.DeleteAccountAlias(ctx, testAccount, "example-corp"), CodeNoSuchEntity,
		"The account alias example-corp cannot be found.")
	if err := env.svc.DeleteAccountAlias(ctx, testAccount, "example-prod"); err != nil {
		t.Fatal(err)
	}
	if got := list(testAccount); len(got) != 0 {
		t.Fatalf("aliases after delete = %v", got)
	}
	if got := list(other); !slices.Equal(got, []string{"example-corp"}) {
		t.Fatalf("other account's aliases = %v", got)
	}
}

func TestAccountAliasValidation(t *testing.T) {
	env := newAccountService(t)
	tests := []struct {
		alias, code, message string
	}{
		{"ab", CodeValidationError, "2 validation errors detected: Value 'ab' at 'accountAlias' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
			"Value 'ab' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: " + PatternAccountAlias},
		{"Upper", CodeValidationError, "1 validation error detected: Value 'Upper' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: " + PatternAccountAlias},
		{"a--b", CodeValidationError, ""},
		{"-ab", CodeValidationError, ""},
		{"ab-", CodeValidationError, ""},
		{strings.Repeat("a", 64), CodeValidationError, ""},
		{"123456789012", CodeInvalidInput, ""},
	}
	for _, tc := range tests {
		err := env.svc.CreateAccountAlias(t.Context(), testAccount, tc.alias)
		wantError(t, err, tc.code, tc.message)
	}
	for _, ok := range []string{"abc", "a-b-c", "0ab", strings.Repeat("z", 63)} {
		if err := env.svc.CreateAccountAlias(t.Context(), testAccount, ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

func TestAccountPasswordPolicyRoundTrip(t *testing.T) {
	env := newAccountService(t)
	ctx := t.Context()
	_, err := env.svc.GetAccountPasswordPolicy(ctx, testAccount)
	wantError(t, err, CodeNoSuchEntity, "The Password Policy with domain name 123456789012 cannot be found.")
	wantError(t, env.svc.DeleteAccountPasswordPolicy(ctx, testAccount), CodeNoSuchEntity,
		"The Password Policy with domain name 123456789012 cannot be found.")

	in := PasswordPolicyInput{MinimumPasswordLength: ptr(14), RequireSymbols: ptr(true), RequireNumbers: ptr(true),
		MaxPasswordAge: ptr(90), PasswordReusePrevention: ptr(5), AllowUsersToChangePassword: ptr(true)}
	if err := env.svc.UpdateAccountPasswordPolicy(ctx, testAccount, in); err != nil {
		t.Fatal(err)
	}
	got, err := env.svc.GetAccountPasswordPolicy(ctx, testAccount)
	if err != nil {
		t.Fatal(err)
	}
	want := PasswordPolicy{MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true,
		AllowUsersToChangePassword: true, MaxPasswordAge: 90, PasswordReusePrevention: 5}
	if got != want || !got.ExpirePasswords() {
		t.Fatalf("policy = %+v, want %+v", got, want)
	}
	// Replace-all: what the second call omits goes back to its default.
	if err := env.svc.UpdateAccountPasswordPolicy(ctx, testAccount, PasswordPolicyInput{RequireUppercaseCharacters: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	got, err = env.svc.GetAccountPasswordPolicy(ctx, testAccount)
	if err != nil {
		t.Fatal(err)
	}
	if want := (PasswordPolicy{MinimumPasswordLength: 6, RequireUppercaseCharacters: true}); got != want {
		t.Fatalf("after replace: %+v, want %+v", got, want)
	}
	wantCode(t, env.svc.UpdateAccountPasswordPolicy(ctx, testAccount, PasswordPolicyInput{MinimumPasswordLength: ptr(5)}), CodeValidationError)
	if err := env.svc.DeleteAccountPasswordPolicy(ctx, testAccount); err != nil {
		t.Fatal(err)
	}
	_, err = env.svc.GetAccountPasswordPolicy(ctx, testAccount)
	wantCode(t, err, CodeNoSuchEntity)
}

func TestCheckNewPasswordUsesAccountPolicy(t *testing.T) {
	env := newAccountService(t)
	ctx := t.Context()
	// No policy: AWS's built-in rule (8 characters, 3 of 4 classes).
	wantError(t, env.svc.CheckNewPassword(ctx, testAccount, "alice", "short"), CodePasswordPolicyViolation,
		"Password should have a minimum length of 8, Password should meet 2 more of the following requirements: "+
			"Password should have at least one uppercase letter, Password should have at least one number, Password should have at least one symbol")
	if err := env.svc.CheckNewPassword(ctx, testAccount, "alice", "Passw0rd-ok"); err != nil {
		t.Fatal(err)
	}
	if err := env.svc.UpdateAccountPasswordPolicy(ctx, testAccount, PasswordPolicyInput{MinimumPasswordLength: ptr(12), RequireSymbols: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	wantError(t, env.svc.CheckNewPassword(ctx, testAccount, "alice", "Passw0rd-ok"), CodePasswordPolicyViolation,
		"Password should have a minimum length of 12")
	wantError(t, env.svc.CheckNewPassword(ctx, testAccount, "alice", "alllowercaseletters"), CodePasswordPolicyViolation,
		"Password should have at least one symbol")
	// The policy no longer asks for three classes.
	if err := env.svc.CheckNewPassword(ctx, testAccount, "alice", "all lower case!"); err != nil {
		t.Fatal(err)
	}
	wantError(t, env.svc.CheckNewPassword(ctx, testAccount, "alice!alice!", "Alice!Alice!"), CodePasswordPolicyViolation,
		"Password should not be the same as the user name")
}

func TestSecurityTokenServicePreferences(t *testing.T) {
	env := newAccountService(t)
	ctx := t.Context()
	n, err := env.svc.GlobalEndpointTokenVersion(ctx, testAccount)
	if err != nil || n != 1 {
		t.Fatalf("default version = %d, %v; want 1", n, err)
	}
	for _, tc := range []struct {
		in   string
		want int
	}{{GlobalEndpointTokenV2, 2}, {GlobalEndpointTokenV1, 1}} {
		if err := env.svc.SetSecurityTokenServicePreferences(ctx, testAccount, tc.in); err != nil {
			t.Fatal(err)
		}
		if n, err := env.svc.GlobalEndpointTokenVersion(ctx, testAccount); err != nil || n != tc.want {
			t.Fatalf("after %s: %d, %v", tc.in, n, err)
		}
	}
	wantCode(t, env.svc.SetSecurityTokenServicePreferences(ctx, testAccount, "v3Token"), CodeValidationError)
}
