package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/iamd/iamd/internal/store"
)

const accountColumns = `account_id, created_at, revision`

func scanAccount(sc scanner) (store.Account, error) {
	var a store.Account
	var created time.Time
	if err := sc.Scan(&a.ID, &created, &a.Revision); err != nil {
		return store.Account{}, err
	}
	a.CreatedAt = created.UTC()
	return a, nil
}

func (t *txn) CreateAccount(ctx context.Context, a store.Account) error {
	// Revision 0 + this transaction's bump = 1 after commit.
	_, err := t.exec(ctx, a.ID, `INSERT INTO accounts (account_id, created_at, revision) VALUES (?, ?, 0)`,
		a.ID, ts(a.CreatedAt))
	return err
}

func (t *txn) GetAccount(ctx context.Context, accountID string) (store.Account, error) {
	return queryOne(ctx, t, "account "+accountID, scanAccount,
		`SELECT `+accountColumns+` FROM accounts WHERE account_id = ?`, accountID)
}

func (t *txn) ListAccounts(ctx context.Context, p store.Page) ([]store.Account, bool, error) {
	return queryPage(ctx, t, p, scanAccount,
		`SELECT `+accountColumns+` FROM accounts WHERE account_id > ? ORDER BY account_id`, p.After)
}

func (t *txn) DeleteAccount(ctx context.Context, accountID string) error {
	return t.execOne(ctx, accountID, "account "+accountID, `DELETE FROM accounts WHERE account_id = ?`, accountID)
}

func (t *txn) Revision(ctx context.Context, accountID string) (int64, error) {
	return queryOne(ctx, t, "account "+accountID, func(sc scanner) (int64, error) {
		var rev int64
		err := sc.Scan(&rev)
		return rev, err
	}, `SELECT revision FROM accounts WHERE account_id = ?`, accountID)
}

func scanAlias(sc scanner) (store.AccountAlias, error) {
	var a store.AccountAlias
	var created time.Time
	if err := sc.Scan(&a.Alias, &a.AccountID, &created); err != nil {
		return store.AccountAlias{}, err
	}
	a.CreatedAt = created.UTC()
	return a, nil
}

func (t *txn) CreateAccountAlias(ctx context.Context, a store.AccountAlias) error {
	_, err := t.exec(ctx, a.AccountID, `INSERT INTO account_aliases (alias, account_id, created_at) VALUES (?, ?, ?)`,
		a.Alias, a.AccountID, ts(a.CreatedAt))
	return err
}

func (t *txn) DeleteAccountAlias(ctx context.Context, accountID, alias string) error {
	return t.execOne(ctx, accountID, fmt.Sprintf("alias %q of account %s", alias, accountID),
		`DELETE FROM account_aliases WHERE account_id = ? AND alias = ?`, accountID, alias)
}

func (t *txn) ListAccountAliases(ctx context.Context, accountID string) ([]store.AccountAlias, error) {
	return queryAll(ctx, t, scanAlias,
		`SELECT alias, account_id, created_at FROM account_aliases WHERE account_id = ? ORDER BY alias`, accountID)
}

func (t *txn) GetAccountByAlias(ctx context.Context, alias string) (store.Account, error) {
	return queryOne(ctx, t, fmt.Sprintf("alias %q", alias), scanAccount,
		`SELECT a.account_id, a.created_at, a.revision FROM accounts a
JOIN account_aliases l ON l.account_id = a.account_id WHERE l.alias = ?`, alias)
}

func scanString(sc scanner) (string, error) {
	var s string
	err := sc.Scan(&s)
	return s, err
}

func (t *txn) GetAccountSetting(ctx context.Context, accountID, name string) (string, error) {
	return queryOne(ctx, t, fmt.Sprintf("setting %s of account %s", name, accountID), scanString,
		`SELECT value FROM account_settings WHERE account_id = ? AND name = ?`, accountID, name)
}

func (t *txn) PutAccountSetting(ctx context.Context, accountID, name, value string) error {
	_, err := t.exec(ctx, accountID, `INSERT INTO account_settings (account_id, name, value) VALUES (?, ?, ?)
ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value`, accountID, name, value)
	return err
}

func (t *txn) DeleteAccountSetting(ctx context.Context, accountID, name string) error {
	return t.execOne(ctx, accountID, fmt.Sprintf("setting %s of account %s", name, accountID),
		`DELETE FROM account_settings WHERE account_id = ? AND name = ?`, accountID, name)
}
