package postgres

import (
	"context"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// The session-token keys belong to no account: writes pass "" as the
// account so that no account revision is bumped.

func scanSessionKey(sc scanner) (store.SessionKey, error) {
	var k store.SessionKey
	var created time.Time
	if err := sc.Scan(&k.ID, &k.KeySealed, &created); err != nil {
		return store.SessionKey{}, err
	}
	k.CreatedAt = created.UTC()
	return k, nil
}

func (t *txn) CreateSessionKey(ctx context.Context, k store.SessionKey) error {
	_, err := t.exec(ctx, "", `INSERT INTO sts_session_keys (key_id, key_sealed, created_at) VALUES (?, ?, ?)`,
		k.ID, k.KeySealed, ts(k.CreatedAt))
	return err
}

func (t *txn) ListSessionKeys(ctx context.Context) ([]store.SessionKey, error) {
	return queryAll(ctx, t, scanSessionKey,
		`SELECT key_id, key_sealed, created_at FROM sts_session_keys ORDER BY created_at DESC, key_id DESC`)
}

func (t *txn) UpdateSessionKeySealed(ctx context.Context, id string, sealed []byte) error {
	return t.execOne(ctx, "", "session key "+id,
		`UPDATE sts_session_keys SET key_sealed = ? WHERE key_id = ?`, sealed, id)
}

func (t *txn) DeleteSessionKeysCreatedBefore(ctx context.Context, before time.Time) (int, error) {
	tag, err := t.exec(ctx, "", `DELETE FROM sts_session_keys WHERE created_at < ?`, ts(before))
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
