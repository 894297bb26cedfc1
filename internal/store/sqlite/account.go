package sqlite

import (
	"context"
	"fmt"

	"github.com/iamd/iamd/internal/store"
)

func (t *txn) CreateAccount(ctx context.Context, a store.Account) error {
	// Revision 0 + this transaction's bump = 1 after commit.
	_, err := t.exec(ctx, a.ID, `INSERT INTO accounts (account_id, created_at, revision) VALUES (?, ?, 0)`,
		a.ID, timeText(a.CreatedAt))
	return err
}

func (t *txn) GetAccount(ctx context.Context, accountID string) (store.Account, error) {
	var a store.Account
	var created string
	err := t.tx.QueryRowContext(ctx, `SELECT account_id, created_at, revision FROM accounts WHERE account_id = ?`,
		accountID).Scan(&a.ID, &created, &a.Revision)
	if err != nil {
		return store.Account{}, rowErr(err, "account "+accountID)
	}
	if a.CreatedAt, err = parseTime(created); err != nil {
		return store.Account{}, err
	}
	return a, nil
}

func (t *txn) ListAccounts(ctx context.Context, p store.Page) ([]store.Account, bool, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT account_id, created_at, revision FROM accounts
WHERE account_id > ? ORDER BY account_id`+limitClause(p), p.After)
	if err != nil {
		return nil, false, classify(err)
	}
	defer rows.Close()
	var out []store.Account
	for rows.Next() {
		var a store.Account
		var created string
		if err := rows.Scan(&a.ID, &created, &a.Revision); err != nil {
			return nil, false, classify(err)
		}
		if a.CreatedAt, err = parseTime(created); err != nil {
			return nil, false, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, false, classify(err)
	}
	out, more := store.Truncate(out, p)
	return out, more, nil
}

func (t *txn) DeleteAccount(ctx context.Context, accountID string) error {
	return t.execOne(ctx, accountID, "account "+accountID, `DELETE FROM accounts WHERE account_id = ?`, accountID)
}

func (t *txn) Revision(ctx context.Context, accountID string) (int64, error) {
	var rev int64
	err := t.tx.QueryRowContext(ctx, `SELECT revision FROM accounts WHERE account_id = ?`, accountID).Scan(&rev)
	if err != nil {
		return 0, rowErr(err, "account "+accountID)
	}
	return rev, nil
}

func (t *txn) CreateAccountAlias(ctx context.Context, a store.AccountAlias) error {
	_, err := t.exec(ctx, a.AccountID, `INSERT INTO account_aliases (alias, account_id, created_at) VALUES (?, ?, ?)`,
		a.Alias, a.AccountID, timeText(a.CreatedAt))
	return err
}

func (t *txn) DeleteAccountAlias(ctx context.Context, accountID, alias string) error {
	return t.execOne(ctx, accountID, fmt.Sprintf("alias %q of account %s", alias, accountID),
		`DELETE FROM account_aliases WHERE account_id = ? AND alias = ?`, accountID, alias)
}

func (t *txn) ListAccountAliases(ctx context.Context, accountID string) ([]store.AccountAlias, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT alias, account_id, created_at FROM account_aliases
WHERE account_id = ? ORDER BY alias`, accountID)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []store.AccountAlias
	for rows.Next() {
		var a store.AccountAlias
		var created string
		if err := rows.Scan(&a.Alias, &a.AccountID, &created); err != nil {
			return nil, classify(err)
		}
		if a.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, classify(rows.Err())
}

func (t *txn) GetAccountByAlias(ctx context.Context, alias string) (store.Account, error) {
	var id string
	err := t.tx.QueryRowContext(ctx, `SELECT account_id FROM account_aliases WHERE alias = ?`, alias).Scan(&id)
	if err != nil {
		return store.Account{}, rowErr(err, fmt.Sprintf("alias %q", alias))
	}
	return t.GetAccount(ctx, id)
}

func (t *txn) GetAccountSetting(ctx context.Context, accountID, name string) (string, error) {
	var v string
	err := t.tx.QueryRowContext(ctx, `SELECT value FROM account_settings WHERE account_id = ? AND name = ?`,
		accountID, name).Scan(&v)
	if err != nil {
		return "", rowErr(err, fmt.Sprintf("setting %s of account %s", name, accountID))
	}
	return v, nil
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
