package iam

import (
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestNewPasswordPolicy(t *testing.T) {
	tests := []struct {
		name string
		in   PasswordPolicyInput
		want PasswordPolicy
		err  string
	}{
		{"all omitted", PasswordPolicyInput{}, PasswordPolicy{MinimumPasswordLength: 6}, ""},
		{"cis benchmark", PasswordPolicyInput{
			MinimumPasswordLength: ptr(14), RequireSymbols: ptr(true), RequireNumbers: ptr(true),
			RequireUppercaseCharacters: ptr(true), RequireLowercaseCharacters: ptr(true),
			AllowUsersToChangePassword: ptr(true), MaxPasswordAge: ptr(90), PasswordReusePrevention: ptr(24), HardExpiry: ptr(false),
		}, PasswordPolicy{14, true, true, true, true, true, 90, 24, false}, ""},
		{"bounds", PasswordPolicyInput{MinimumPasswordLength: ptr(128), MaxPasswordAge: ptr(1095), PasswordReusePrevention: ptr(1)},
			PasswordPolicy{MinimumPasswordLength: 128, MaxPasswordAge: 1095, PasswordReusePrevention: 1}, ""},
		{"min length 5", PasswordPolicyInput{MinimumPasswordLength: ptr(5)}, PasswordPolicy{},
			"1 validation error detected: Value '5' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value greater than or equal to 6"},
		{"min length 129", PasswordPolicyInput{MinimumPasswordLength: ptr(129)}, PasswordPolicy{},
			"1 validation error detected: Value '129' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value less than or equal to 128"},
		{"age 0 and reuse 25", PasswordPolicyInput{MaxPasswordAge: ptr(0), PasswordReusePrevention: ptr(25)}, PasswordPolicy{},
			"2 validation errors detected: Value '0' at 'maxPasswordAge' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
				"Value '25' at 'passwordReusePrevention' failed to satisfy constraint: Member must have value less than or equal to 24"},
		{"age 1096", PasswordPolicyInput{MaxPasswordAge: ptr(1096)}, PasswordPolicy{},
			"1 validation error detected: Value '1096' at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095"},
	}
	for _, tc := range tests {
		got, err := NewPasswordPolicy(tc.in)
		if tc.err != "" {
			if err == nil || err.Code != CodeValidationError || err.Message != tc.err {
				t.Errorf("%s: err = %v, want ValidationError %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
	p, _ := NewPasswordPolicy(PasswordPolicyInput{MaxPasswordAge: ptr(30)})
	if !p.ExpirePasswords() {
		t.Error("ExpirePasswords false with MaxPasswordAge 30")
	}
	if (PasswordPolicy{}).ExpirePasswords() {
		t.Error("ExpirePasswords true with MaxPasswordAge 0")
	}
}

func TestPasswordPolicyCheck(t *testing.T) {
	strict := PasswordPolicy{MinimumPasswordLength: 12, RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true}
	tests := []struct {
		name     string
		policy   PasswordPolicy
		password string
		user     string
		want     string // "" = accepted
	}{
		{"default accepts six", PasswordPolicy{MinimumPasswordLength: 6}, "abcdef", "alice", ""},
		{"default refuses five", PasswordPolicy{MinimumPasswordLength: 6}, "abcde", "alice", "Password should have a minimum length of 6"},
		{"strict ok", strict, "Correct-Horse9", "alice", ""},
		{"each symbol counts", strict, "Abcdefghij1'", "alice", ""},
		{"non-listed punctuation is no symbol", strict, "Abcdefghij1?", "alice", "Password should have at least one symbol"},
		{"everything missing", strict, "abc", "alice",
			"Password should have a minimum length of 12, Password should have at least one uppercase letter, Password should have at least one number, Password should have at least one symbol"},
		{"no lower", strict, "ABCDEFGHIJ1!", "alice", "Password should have at least one lowercase letter"},
		{"length counts characters", PasswordPolicy{MinimumPasswordLength: 6}, "éééééé", "alice", ""},
		{"same as user name", PasswordPolicy{MinimumPasswordLength: 6}, "Alice123", "alice123", "Password should not be the same as the user name"},
	}
	for _, tc := range tests {
		err := tc.policy.Check(tc.password, tc.user)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || err.Code != CodePasswordPolicyViolation || err.Message != tc.want {
			t.Errorf("%s: err = %v\nwant PasswordPolicyViolation: %s", tc.name, err, tc.want)
		}
	}
}

func TestCheckPasswordBuiltin(t *testing.T) {
	tests := []struct {
		password, want string
	}{
		{"Abcdefg1", ""},
		{"abcdef1!", ""},
		{"ABCD12#$", ""},
		{"abcdefgh1", "Password should meet 1 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one symbol"},
		{"abcdefgh", "Password should meet 2 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one number, Password should have at least one symbol"},
		{"Ab1!", "Password should have a minimum length of 8"},
		{"ab", "Password should have a minimum length of 8, Password should meet 2 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one number, Password should have at least one symbol"},
	}
	for _, tc := range tests {
		err := CheckPassword(nil, tc.password, "bob")
		if tc.want == "" {
			if err != nil {
				t.Errorf("CheckPassword(nil, %q): %v", tc.password, err)
			}
			continue
		}
		if err == nil || err.Code != CodePasswordPolicyViolation || err.Message != tc.want {
			t.Errorf("CheckPassword(nil, %q) = %v\nwant %s", tc.password, err, tc.want)
		}
	}
	// With a policy set, the built-in rule no longer applies.
	if err := CheckPassword(&PasswordPolicy{MinimumPasswordLength: 6}, "abcdef", "bob"); err != nil {
		t.Errorf("policy set: %v", err)
	}
}

func TestValidatePasswordInput(t *testing.T) {
	tests := []struct {
		password string
		want     string
	}{
		{"secret", ""},
		{"tab\tand Latin-1 ÿ", ""},
		{strings.Repeat("p", 128), ""},
		{"", "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{strings.Repeat("p", 129), "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"emoji🙂", "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"},
	}
	for _, tc := range tests {
		err := ValidatePasswordInput("password", tc.password)
		if tc.want == "" {
			if err != nil {
				t.Errorf("ValidatePasswordInput(%.10q): %v", tc.password, err)
			}
			continue
		}
		if err == nil || err.Code != CodeValidationError || err.Message != tc.want {
			t.Errorf("ValidatePasswordInput(%.10q) = %v, want %s", tc.password, err, tc.want)
		}
		if err != nil && tc.password != "" && strings.Contains(err.Message, tc.password) {
			t.Errorf("ValidatePasswordInput echoed the password")
		}
	}
}

func TestCheckReuse(t *testing.T) {
	// "hash" is the password reversed: enough to prove only the last N
	// entries are consulted.
	hash := func(s string) string {
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r)
	}
	matches := func(h, pw string) bool { return h == hash(pw) }
	previous := []string{hash("newest"), hash("middle"), hash("oldest")}
	p := PasswordPolicy{PasswordReusePrevention: 2}
	if err := p.CheckReuse("middle", previous, matches); err == nil || err.Code != CodePasswordPolicyViolation || err.Message != "Password should not be one of your last 2 passwords" {
		t.Errorf("reuse of the 2nd newest: %v", err)
	}
	if err := p.CheckReuse("oldest", previous, matches); err != nil {
		t.Errorf("3rd newest with reuse prevention 2: %v", err)
	}
	if err := (PasswordPolicy{}).CheckReuse("newest", previous, matches); err != nil {
		t.Errorf("reuse prevention off: %v", err)
	}
	if err := (PasswordPolicy{PasswordReusePrevention: 24}).CheckReuse("oldest", previous, matches); err == nil {
		t.Error("reuse prevention 24 with 3 stored missed the oldest")
	}
}

func TestPasswordExpiry(t *testing.T) {
	changed := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if _, ok := (PasswordPolicy{}).Expiry(changed); ok {
		t.Error("no MaxPasswordAge but Expiry reported one")
	}
	exp, ok := PasswordPolicy{MaxPasswordAge: 90}.Expiry(changed)
	if !ok || !exp.Equal(time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("Expiry = %v, %v", exp, ok)
	}
}

func TestNoPasswordPolicy(t *testing.T) {
	e := NoPasswordPolicy("123456789012")
	if e.Code != CodeNoSuchEntity || e.Message != "The Password Policy with domain name 123456789012 cannot be found." {
		t.Errorf("NoPasswordPolicy = %v", e)
	}
}
