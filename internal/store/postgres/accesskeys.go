package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/iamd/iamd/internal/store"
)

const accessKeyColumns = `access_key_id, account_id, user_id, status, secret_sealed, created_at,
last_used_at, last_used_service, last_used_region`

func scanAccessKey(sc scanner) (store.AccessKey, error) {
	var k store.AccessKey
	var user, lastSvc, lastRegion pgtype.Text
	var created time.Time
	var lastAt pgtype.Timestamptz
	if err := sc.Scan(&k.ID, &k.AccountID, &user, &k.Status, &k.SecretSealed, &created, &lastAt, &lastSvc, &lastRegion); err != nil {
		return store.AccessKey{}, err
	}
	k.CreatedAt, k.LastUsedAt = created.UTC(), timeOf(lastAt)
	k.UserID, k.LastUsedService, k.LastUsedRegion = user.String, lastSvc.String, lastRegion.String
	return k, nil
}

func (t *txn) CreateAccessKey(ctx context.Context, k store.AccessKey) error {
	_, err := t.exec(ctx, k.AccountID, `INSERT INTO access_keys (`+accessKeyColumns+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.AccountID, nullString(k.UserID), k.Status, k.SecretSealed, ts(k.CreatedAt),
		nullTime(k.LastUsedAt), nullString(k.LastUsedService), nullString(k.LastUsedRegion))
	return err
}

func (t *txn) GetAccessKey(ctx context.Context, accessKeyID string) (store.AccessKey, error) {
	return queryOne(ctx, t, "access key "+accessKeyID, scanAccessKey,
		`SELECT `+accessKeyColumns+` FROM access_keys WHERE access_key_id = ?`, accessKeyID)
}

func (t *txn) ListAccessKeys(ctx context.Context, accountID, userID string) ([]store.AccessKey, error) {
	// userID "" selects the root's keys (user_id NULL).
	return queryAll(ctx, t, scanAccessKey, `SELECT `+accessKeyColumns+` FROM access_keys
WHERE account_id = ? AND user_id IS NOT DISTINCT FROM ?::text ORDER BY created_at, access_key_id`, accountID, nullString(userID))
}

func (t *txn) UpdateAccessKeyStatus(ctx context.Context, accountID, accessKeyID, status string) error {
	if status != store.AccessKeyActive && status != store.AccessKeyInactive {
		return fmt.Errorf("postgres: invalid access key status %q", status)
	}
	return t.execOne(ctx, accountID, "access key "+accessKeyID,
		`UPDATE access_keys SET status = ? WHERE account_id = ? AND access_key_id = ?`, status, accountID, accessKeyID)
}

func (t *txn) UpdateAccessKeySecret(ctx context.Context, accountID, accessKeyID string, sealed []byte) error {
	return t.execOne(ctx, accountID, "access key "+accessKeyID,
		`UPDATE access_keys SET secret_sealed = ? WHERE account_id = ? AND access_key_id = ?`, sealed, accountID, accessKeyID)
}

func (t *txn) DeleteAccessKey(ctx context.Context, accountID, accessKeyID string) error {
	return t.execOne(ctx, accountID, "access key "+accessKeyID,
		`DELETE FROM access_keys WHERE account_id = ? AND access_key_id = ?`, accountID, accessKeyID)
}

func (t *txn) RecordAccessKeyUse(ctx context.Context, accessKeyID string, at time.Time, service, region string) error {
	tag, err := t.execNoBump(ctx, `UPDATE access_keys SET last_used_at = ?, last_used_service = ?, last_used_region = ?
WHERE access_key_id = ?`, ts(at), nullString(service), nullString(region), accessKeyID)
	if err != nil {
		return err
	}
	return affected(tag, "access key "+accessKeyID)
}
