package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/iamd/iamd/internal/store"
)

// Account-level operations: the account alias, the password policy and the
// STS preferences. MFA devices are in mfa.go, GetAccountSummary in
// account_summary.go.

// ---- Account alias ----

// CreateAccountAlias gives the account alias. An account has at most one
// alias: as AWS does, a new alias replaces the one the account had. An alias
// any account already holds, this one included, is EntityAlreadyExists.
func (s *Service) CreateAccountAlias(ctx context.Context, accountID, alias string) error {
	if err := ValidateAccountAlias(alias); err != nil {
		return err
	}
	now := s.clock()
	return s.tx(ctx, func(tx store.Txn) error {
		if _, err := tx.GetAccountByAlias(ctx, alias); err == nil {
			return aliasTaken(alias)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		old, err := tx.ListAccountAliases(ctx, accountID)
		if err != nil {
			return err
		}
		for _, a := range old {
			if err := tx.DeleteAccountAlias(ctx, accountID, a.Alias); err != nil {
				return err
			}
		}
		err = tx.CreateAccountAlias(ctx, store.AccountAlias{AccountID: accountID, Alias: alias, CreatedAt: now})
		return mapStoreErr(err, noSuchAccount(accountID), aliasTaken(alias))
	})
}

func aliasTaken(alias string) *Error {
	return EntityAlreadyExists("The account alias %s already exists.", alias)
}

// DeleteAccountAlias removes the account's alias; naming an alias the
// account does not have is NoSuchEntity, so that a stale value cannot clear
// a newer alias.
func (s *Service) DeleteAccountAlias(ctx context.Context, accountID, alias string) error {
	if err := ValidateAccountAlias(alias); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		err := tx.DeleteAccountAlias(ctx, accountID, alias)
		return mapStoreErr(err, NoSuchEntity("The account alias %s cannot be found.", alias), nil)
	})
}

// ListAccountAliases returns the account's aliases (zero or one).
func (s *Service) ListAccountAliases(ctx context.Context, accountID string) ([]string, error) {
	var out []string
	err := s.view(ctx, func(tx store.Txn) error {
		out = nil
		aliases, err := tx.ListAccountAliases(ctx, accountID)
		if err != nil {
			return err
		}
		for _, a := range aliases {
			out = append(out, a.Alias)
		}
		return nil
	})
	return out, err
}

// accountLabel is how the account is named to people (the otpauth label of
// an MFA device): its alias if it has one, else its ID.
func accountLabel(ctx context.Context, tx store.Txn, accountID string) (string, error) {
	aliases, err := tx.ListAccountAliases(ctx, accountID)
	if err != nil {
		return "", err
	}
	if len(aliases) > 0 {
		return aliases[0].Alias, nil
	}
	return accountID, nil
}

// ---- Password policy ----

// passwordPolicyJSON is the stored form of a PasswordPolicy (the value of
// store.SettingPasswordPolicy). Field names are fixed here, not derived from
// the Go struct, so that renaming a Go field cannot orphan stored policies.
type passwordPolicyJSON struct {
	MinimumPasswordLength      int  `json:"minimum_password_length"`
	RequireSymbols             bool `json:"require_symbols"`
	RequireNumbers             bool `json:"require_numbers"`
	RequireUppercaseCharacters bool `json:"require_uppercase_characters"`
	RequireLowercaseCharacters bool `json:"require_lowercase_characters"`
	AllowUsersToChangePassword bool `json:"allow_users_to_change_password"`
	MaxPasswordAge             int  `json:"max_password_age"`
	PasswordReusePrevention    int  `json:"password_reuse_prevention"`
	HardExpiry                 bool `json:"hard_expiry"`
}

func encodePasswordPolicy(p PasswordPolicy) (string, error) {
	b, err := json.Marshal(passwordPolicyJSON(p))
	return string(b), err
}

func decodePasswordPolicy(s string) (PasswordPolicy, error) {
	var j passwordPolicyJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return PasswordPolicy{}, fmt.Errorf("iam: stored password policy: %w", err)
	}
	return PasswordPolicy(j), nil
}

// UpdateAccountPasswordPolicy replaces the account's password policy with
// the one in, omitted parameters taking their defaults.
func (s *Service) UpdateAccountPasswordPolicy(ctx context.Context, accountID string, in PasswordPolicyInput) error {
	p, verr := NewPasswordPolicy(in)
	if verr != nil {
		return verr
	}
	value, err := encodePasswordPolicy(p)
	if err != nil {
		return internalError(err)
	}
	return s.tx(ctx, func(tx store.Txn) error {
		err := tx.PutAccountSetting(ctx, accountID, store.SettingPasswordPolicy, value)
		return mapStoreErr(err, noSuchAccount(accountID), nil)
	})
}

// GetAccountPasswordPolicy returns the policy set by
// UpdateAccountPasswordPolicy; NoSuchEntity (AWS's message) when none is.
func (s *Service) GetAccountPasswordPolicy(ctx context.Context, accountID string) (PasswordPolicy, error) {
	var p *PasswordPolicy
	err := s.view(ctx, func(tx store.Txn) error {
		var err error
		p, err = accountPasswordPolicy(ctx, tx, accountID)
		return err
	})
	if err != nil {
		return PasswordPolicy{}, err
	}
	if p == nil {
		return PasswordPolicy{}, NoPasswordPolicy(accountID)
	}
	return *p, nil
}

// DeleteAccountPasswordPolicy removes the policy (AWS's built-in rules apply
// again); NoSuchEntity when none is set.
func (s *Service) DeleteAccountPasswordPolicy(ctx context.Context, accountID string) error {
	return s.tx(ctx, func(tx store.Txn) error {
		err := tx.DeleteAccountSetting(ctx, accountID, store.SettingPasswordPolicy)
		return mapStoreErr(err, NoPasswordPolicy(accountID), nil)
	})
}

// accountPasswordPolicy reads the account's password policy inside a
// transaction; nil (and no error) when the account has none.
func accountPasswordPolicy(ctx context.Context, tx store.Txn, accountID string) (*PasswordPolicy, error) {
	v, err := tx.GetAccountSetting(ctx, accountID, store.SettingPasswordPolicy)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := decodePasswordPolicy(v)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// checkNewPassword is what every operation that sets a console password
// (CreateLoginProfile, UpdateLoginProfile, ChangePassword) calls inside its
// transaction: the account's password policy, or AWS's built-in rules when
// it has none. userName is the IAM user the password is for. The model
// constraints (ValidatePasswordInput with the operation's field name) are
// the caller's. The error is a PasswordPolicyViolation or a store error.
// Password reuse (PasswordReusePrevention) needs the user's previous hashes
// and is checked by the caller with PasswordPolicy.CheckReuse on the policy
// returned.
func checkNewPassword(ctx context.Context, tx store.Txn, accountID, userName, password string) (*PasswordPolicy, error) {
	p, err := accountPasswordPolicy(ctx, tx, accountID)
	if err != nil {
		return nil, err
	}
	if verr := CheckPassword(p, password, userName); verr != nil {
		return nil, verr
	}
	return p, nil
}

// CheckNewPassword is checkNewPassword in its own read-only transaction, for
// callers that do not hold one (the console's password change form).
func (s *Service) CheckNewPassword(ctx context.Context, accountID, userName, password string) error {
	return s.view(ctx, func(tx store.Txn) error {
		_, err := checkNewPassword(ctx, tx, accountID, userName, password)
		return err
	})
}

// ---- STS preferences ----

// Global endpoint token versions (SetSecurityTokenServicePreferences).
const (
	GlobalEndpointTokenV1 = "v1Token"
	GlobalEndpointTokenV2 = "v2Token"
)

// SetSecurityTokenServicePreferences records which session tokens the
// global STS endpoint issues for the account (v1Token: valid only in
// regions enabled by default; v2Token: valid in all regions).
func (s *Service) SetSecurityTokenServicePreferences(ctx context.Context, accountID, version string) error {
	var value string
	switch version {
	case GlobalEndpointTokenV1:
		value = "1"
	case GlobalEndpointTokenV2:
		value = "2"
	default:
		var v Validation
		v.Fail("globalEndpointTokenVersion", version, "satisfy enum value set: [v1Token, v2Token]")
		return v.Err()
	}
	return s.tx(ctx, func(tx store.Txn) error {
		err := tx.PutAccountSetting(ctx, accountID, store.SettingGlobalEndpointTokenVersion, value)
		return mapStoreErr(err, noSuchAccount(accountID), nil)
	})
}

// globalEndpointTokenVersion reads the setting: 1 unless set to 2.
func globalEndpointTokenVersion(ctx context.Context, tx store.Txn, accountID string) (int, error) {
	v, err := tx.GetAccountSetting(ctx, accountID, store.SettingGlobalEndpointTokenVersion)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return 1, nil
	case err != nil:
		return 0, err
	case v == "2":
		return 2, nil
	}
	return 1, nil
}

// GlobalEndpointTokenVersion returns 1 or 2 (GetAccountSummary's
// GlobalEndpointTokenVersion; STS reads it to pick the token format).
func (s *Service) GlobalEndpointTokenVersion(ctx context.Context, accountID string) (int, error) {
	var n int
	err := s.view(ctx, func(tx store.Txn) error {
		var err error
		n, err = globalEndpointTokenVersion(ctx, tx, accountID)
		return err
	})
	return n, err
}
