package iam

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds of UpdateAccountPasswordPolicy's parameters (API model).
const (
	MinPasswordLengthLow  = 6
	MinPasswordLengthHigh = 128
	MaxPasswordAgeDays    = 1095
	MaxPasswordReuse      = 24
	MaxPasswordLen        = 128 // passwordType
)

// PasswordSymbols are the characters AWS counts as symbols in a password.
const PasswordSymbols = `!@#$%^&*()_+-=[]{}|'`

// PasswordPolicy is an account's password policy as set by
// UpdateAccountPasswordPolicy and returned by GetAccountPasswordPolicy.
// Zero MaxPasswordAge means passwords never expire; zero
// PasswordReusePrevention means reuse is not checked.
type PasswordPolicy struct {
	MinimumPasswordLength      int
	RequireSymbols             bool
	RequireNumbers             bool
	RequireUppercaseCharacters bool
	RequireLowercaseCharacters bool
	AllowUsersToChangePassword bool
	MaxPasswordAge             int // days
	PasswordReusePrevention    int // number of previous passwords
	HardExpiry                 bool
}

// ExpirePasswords is GetAccountPasswordPolicy's output-only field.
func (p PasswordPolicy) ExpirePasswords() bool { return p.MaxPasswordAge > 0 }

// PasswordPolicyInput holds UpdateAccountPasswordPolicy's parameters; nil
// means the parameter was omitted. The call replaces the whole policy, so
// an omitted parameter takes its default, not its previous value.
type PasswordPolicyInput struct {
	MinimumPasswordLength      *int
	RequireSymbols             *bool
	RequireNumbers             *bool
	RequireUppercaseCharacters *bool
	RequireLowercaseCharacters *bool
	AllowUsersToChangePassword *bool
	MaxPasswordAge             *int
	PasswordReusePrevention    *int
	HardExpiry                 *bool
}

// NewPasswordPolicy validates UpdateAccountPasswordPolicy's input and
// returns the policy it sets: defaults for omitted parameters (minimum
// length 6, every flag false, no expiry, no reuse check), ValidationError
// for out-of-range numbers (all violations in one message, like AWS).
func NewPasswordPolicy(in PasswordPolicyInput) (PasswordPolicy, *Error) {
	p := PasswordPolicy{MinimumPasswordLength: MinPasswordLengthLow}
	var v Validation
	if in.MinimumPasswordLength != nil {
		v.Range("minimumPasswordLength", int64(*in.MinimumPasswordLength), MinPasswordLengthLow, MinPasswordLengthHigh)
		p.MinimumPasswordLength = *in.MinimumPasswordLength
	}
	if in.MaxPasswordAge != nil {
		v.Range("maxPasswordAge", int64(*in.MaxPasswordAge), 1, MaxPasswordAgeDays)
		p.MaxPasswordAge = *in.MaxPasswordAge
	}
	if in.PasswordReusePrevention != nil {
		v.Range("passwordReusePrevention", int64(*in.PasswordReusePrevention), 1, MaxPasswordReuse)
		p.PasswordReusePrevention = *in.PasswordReusePrevention
	}
	if err := v.Err(); err != nil {
		return PasswordPolicy{}, err
	}
	set := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	set(&p.RequireSymbols, in.RequireSymbols)
	set(&p.RequireNumbers, in.RequireNumbers)
	set(&p.RequireUppercaseCharacters, in.RequireUppercaseCharacters)
	set(&p.RequireLowercaseCharacters, in.RequireLowercaseCharacters)
	set(&p.AllowUsersToChangePassword, in.AllowUsersToChangePassword)
	set(&p.HardExpiry, in.HardExpiry)
	return p, nil
}

// NoPasswordPolicy is GetAccountPasswordPolicy's error when the account has
// never set a policy (or deleted it).
func NoPasswordPolicy(accountID string) *Error {
	return NoSuchEntity("The Password Policy with domain name %s cannot be found.", accountID)
}

// ValidatePasswordInput checks a password parameter against the API model
// (1-128 characters of tab, newline, carriage return and U+0020-U+00FF)
// before any policy applies. The value is never echoed.
func ValidatePasswordInput(field, password string) *Error {
	var v Validation
	n := utf8.RuneCountInString(password)
	if n < 1 {
		v.FailSensitive(field, "have length greater than or equal to 1")
	}
	if n > MaxPasswordLen {
		v.FailSensitive(field, "have length less than or equal to 128")
	}
	if !allRunes(password, func(r rune) bool {
		return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xff)
	}) {
		v.FailSensitive(field, `satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`)
	}
	return v.Err()
}

type charClasses struct{ upper, lower, number, symbol bool }

func classify(password string) charClasses {
	var c charClasses
	for _, r := range password {
		switch {
		case r >= 'A' && r <= 'Z':
			c.upper = true
		case r >= 'a' && r <= 'z':
			c.lower = true
		case r >= '0' && r <= '9':
			c.number = true
		case strings.ContainsRune(PasswordSymbols, r):
			c.symbol = true
		}
	}
	return c
}

// Requirement texts, as AWS words them in PasswordPolicyViolation messages.
const (
	msgUpper  = "Password should have at least one uppercase letter"
	msgLower  = "Password should have at least one lowercase letter"
	msgNumber = "Password should have at least one number"
	msgSymbol = "Password should have at least one symbol"
)

func msgMinLength(n int) string {
	return "Password should have a minimum length of " + strconv.Itoa(n)
}

func violation(reasons []string) *Error {
	return &Error{Code: CodePasswordPolicyViolation, Message: strings.Join(reasons, ", ")}
}

// Check tests a new password (CreateLoginProfile, UpdateLoginProfile,
// ChangePassword) against the policy and returns a PasswordPolicyViolation
// listing every unmet requirement, or nil. userName is the IAM user the
// password is for; a password equal to it is refused, which is iamd's
// reading of AWS's "must not be your account name" rule for users.
func (p PasswordPolicy) Check(password, userName string) *Error {
	var reasons []string
	if utf8.RuneCountInString(password) < p.MinimumPasswordLength {
		reasons = append(reasons, msgMinLength(p.MinimumPasswordLength))
	}
	c := classify(password)
	if p.RequireUppercaseCharacters && !c.upper {
		reasons = append(reasons, msgUpper)
	}
	if p.RequireLowercaseCharacters && !c.lower {
		reasons = append(reasons, msgLower)
	}
	if p.RequireNumbers && !c.number {
		reasons = append(reasons, msgNumber)
	}
	if p.RequireSymbols && !c.symbol {
		reasons = append(reasons, msgSymbol)
	}
	if userName != "" && strings.EqualFold(password, userName) {
		reasons = append(reasons, "Password should not be the same as the user name")
	}
	if len(reasons) == 0 {
		return nil
	}
	return violation(reasons)
}

// Built-in policy AWS applies when an account has no password policy: at
// least 8 characters and at least three of the four character classes.
const (
	builtinMinLength = 8
	builtinClasses   = 3
)

// CheckPassword applies policy when the account has one, else AWS's
// built-in default. The built-in rule reports a shortfall of classes the
// way AWS does: "Password should meet 1 more of the following
// requirements: Password should have at least one uppercase letter,
// Password should have at least one symbol".
func CheckPassword(policy *PasswordPolicy, password, userName string) *Error {
	if policy != nil {
		return policy.Check(password, userName)
	}
	var reasons []string
	if utf8.RuneCountInString(password) < builtinMinLength {
		reasons = append(reasons, msgMinLength(builtinMinLength))
	}
	c := classify(password)
	var missing []string
	have := 0
	for _, k := range []struct {
		ok  bool
		msg string
	}{{c.upper, msgUpper}, {c.lower, msgLower}, {c.number, msgNumber}, {c.symbol, msgSymbol}} {
		if k.ok {
			have++
		} else {
			missing = append(missing, k.msg)
		}
	}
	if have < builtinClasses {
		reasons = append(reasons, "Password should meet "+strconv.Itoa(builtinClasses-have)+" more of the following requirements: "+strings.Join(missing, ", "))
	}
	if userName != "" && strings.EqualFold(password, userName) {
		reasons = append(reasons, "Password should not be the same as the user name")
	}
	if len(reasons) == 0 {
		return nil
	}
	return violation(reasons)
}

// CheckReuse refuses a password that matches one of the user's previous
// PasswordReusePrevention passwords. previous holds the stored hashes,
// newest first; matches compares a hash with a clear-text password (the
// hashing scheme belongs to the caller).
func (p PasswordPolicy) CheckReuse(password string, previous []string, matches func(hash, password string) bool) *Error {
	n := p.PasswordReusePrevention
	if n > len(previous) {
		n = len(previous)
	}
	for _, h := range previous[:n] {
		if matches(h, password) {
			return violation([]string{"Password should not be one of your last " + strconv.Itoa(p.PasswordReusePrevention) + " passwords"})
		}
	}
	return nil
}

// Expiry returns when a password last changed at changed expires, and
// false when the policy does not expire passwords.
func (p PasswordPolicy) Expiry(changed time.Time) (time.Time, bool) {
	if p.MaxPasswordAge <= 0 {
		return time.Time{}, false
	}
	return changed.Add(time.Duration(p.MaxPasswordAge) * 24 * time.Hour), true
}
