package postgres

import (
	"context"

	"github.com/iamd/iamd/internal/store"
)

func (t *txn) ListTags(ctx context.Context, accountID, kind, resourceID string) ([]store.Tag, error) {
	return queryAll(ctx, t, func(sc scanner) (store.Tag, error) {
		var tg store.Tag
		err := sc.Scan(&tg.Key, &tg.Value)
		return tg, err
	}, `SELECT tag_key, tag_value FROM tags
WHERE account_id = ? AND resource_kind = ? AND resource_id = ? ORDER BY key_fold`, accountID, kind, resourceID)
}

func (t *txn) PutTags(ctx context.Context, accountID, kind, resourceID string, tags []store.Tag) error {
	for _, tg := range tags {
		if _, err := t.exec(ctx, accountID, `INSERT INTO tags (account_id, resource_kind, resource_id, key_fold, tag_key, tag_value)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (account_id, resource_kind, resource_id, key_fold) DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value`,
			accountID, kind, resourceID, store.NameKey(tg.Key), tg.Key, tg.Value); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) DeleteTags(ctx context.Context, accountID, kind, resourceID string, keys []string) error {
	for _, k := range keys {
		if _, err := t.exec(ctx, accountID, `DELETE FROM tags
WHERE account_id = ? AND resource_kind = ? AND resource_id = ? AND key_fold = ?`,
			accountID, kind, resourceID, store.NameKey(k)); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) DeleteAllTags(ctx context.Context, accountID, kind, resourceID string) error {
	_, err := t.exec(ctx, accountID, `DELETE FROM tags WHERE account_id = ? AND resource_kind = ? AND resource_id = ?`,
		accountID, kind, resourceID)
	return err
}
