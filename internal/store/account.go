package store

import (
	"context"
	"time"
)

// Account is one IAM account (tenant). Every other record belongs to exactly
// one account and is deleted with it.
type Account struct {
	ID        string // 12 digits
	CreatedAt time.Time
	// Revision increases by at least one with every committed transaction that
	// changed the account's IAM state. Caches of compiled policies and of
	// principals compare it to know they are stale; with several nodes on one
	// database it is the cheap "did anything change" probe.
	Revision int64
}

// AccountAlias is an account's friendly name, unique across all accounts.
type AccountAlias struct {
	AccountID string
	Alias     string
	CreatedAt time.Time
}

// Names of account settings (AccountStore.GetAccountSetting). Values are
// opaque strings to the store; the domain owns their encoding.
const (
	// SettingPasswordPolicy holds the account password policy as JSON; absent
	// means "no policy set" (GetAccountPasswordPolicy -> NoSuchEntity).
	SettingPasswordPolicy = "password_policy"
	// SettingMaxAccessKeyAge holds the maximum access key age (a Go duration
	// string) that iamd enforces; absent means no limit.
	SettingMaxAccessKeyAge = "max_access_key_age"
	// SettingGlobalEndpointTokenVersion holds "1" or "2"
	// (SetSecurityTokenServicePreferences); absent means 1.
	SettingGlobalEndpointTokenVersion = "global_endpoint_token_version"
)

// AccountStore manages accounts, their aliases and their settings.
type AccountStore interface {
	// CreateAccount inserts a; ErrConflict if the ID exists. The stored
	// revision starts at 1 (the creating transaction's bump).
	CreateAccount(ctx context.Context, a Account) error
	// GetAccount returns the account; ErrNotFound if absent.
	GetAccount(ctx context.Context, accountID string) (Account, error)
	// ListAccounts lists accounts ordered by ID (the Page key is the ID).
	ListAccounts(ctx context.Context, p Page) ([]Account, bool, error)
	// DeleteAccount deletes the account and everything it owns; ErrNotFound
	// if absent.
	DeleteAccount(ctx context.Context, accountID string) error
	// Revision returns the account's current revision; ErrNotFound if absent.
	// Inside a Tx that already wrote, the value does not yet include this
	// transaction's bump (it is applied at commit).
	Revision(ctx context.Context, accountID string) (int64, error)

	// CreateAccountAlias adds an alias; ErrConflict if any account already
	// has it, ErrNotFound if the account does not exist. The one-alias-per-
	// account quota is the domain's: it lists, checks and creates in one Tx.
	CreateAccountAlias(ctx context.Context, a AccountAlias) error
	// DeleteAccountAlias removes the account's alias; ErrNotFound if the
	// account does not have it.
	DeleteAccountAlias(ctx context.Context, accountID, alias string) error
	// ListAccountAliases lists the account's aliases ordered by alias.
	ListAccountAliases(ctx context.Context, accountID string) ([]AccountAlias, error)
	// GetAccountByAlias finds the account that owns alias; ErrNotFound if none
	// (console sign-in by alias).
	GetAccountByAlias(ctx context.Context, alias string) (Account, error)

	// GetAccountSetting returns a setting's value; ErrNotFound if unset.
	GetAccountSetting(ctx context.Context, accountID, name string) (string, error)
	// PutAccountSetting creates or replaces a setting; ErrNotFound if the
	// account does not exist.
	PutAccountSetting(ctx context.Context, accountID, name, value string) error
	// DeleteAccountSetting removes a setting; ErrNotFound if unset.
	DeleteAccountSetting(ctx context.Context, accountID, name string) error
}
