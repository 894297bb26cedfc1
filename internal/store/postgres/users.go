package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/iamd/iamd/internal/store"
)

// pathClause filters on a case-sensitive path prefix ("" matches every
// row); starts_with is a plain string prefix test (LIKE would treat % and _
// as wildcards).
const pathClause = ` AND starts_with(path, ?::text)`

const userColumns = `user_id, account_id, name, path, permissions_boundary_arn, created_at, password_last_used`

func scanUser(sc scanner) (store.User, error) {
	var u store.User
	var boundary pgtype.Text
	var created time.Time
	var lastUsed pgtype.Timestamptz
	if err := sc.Scan(&u.ID, &u.AccountID, &u.Name, &u.Path, &boundary, &created, &lastUsed); err != nil {
		return store.User{}, err
	}
	u.CreatedAt, u.PasswordLastUsed = created.UTC(), timeOf(lastUsed)
	u.PermissionsBoundaryARN = boundary.String
	return u, nil
}

func (t *txn) CreateUser(ctx context.Context, u store.User) error {
	_, err := t.exec(ctx, u.AccountID, `INSERT INTO users (user_id, account_id, name, name_key, path,
permissions_boundary_arn, created_at, password_last_used) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.AccountID, u.Name, store.NameKey(u.Name), u.Path, nullString(u.PermissionsBoundaryARN),
		ts(u.CreatedAt), nullTime(u.PasswordLastUsed))
	return err
}

func (t *txn) GetUserByName(ctx context.Context, accountID, name string) (store.User, error) {
	return queryOne(ctx, t, "user "+name, scanUser,
		`SELECT `+userColumns+` FROM users WHERE account_id = ? AND name_key = ?`, accountID, store.NameKey(name))
}

func (t *txn) GetUserByID(ctx context.Context, accountID, userID string) (store.User, error) {
	return queryOne(ctx, t, "user "+userID, scanUser,
		`SELECT `+userColumns+` FROM users WHERE account_id = ? AND user_id = ?`, accountID, userID)
}

func (t *txn) ListUsers(ctx context.Context, accountID, pathPrefix string, p store.Page) ([]store.User, bool, error) {
	return queryPage(ctx, t, p, scanUser, `SELECT `+userColumns+` FROM users
WHERE account_id = ? AND name_key > ?`+pathClause+` ORDER BY name_key`, accountID, p.After, pathPrefix)
}

func (t *txn) UpdateUser(ctx context.Context, u store.User) error {
	return t.execOne(ctx, u.AccountID, "user "+u.ID,
		`UPDATE users SET name = ?, name_key = ?, path = ? WHERE account_id = ? AND user_id = ?`,
		u.Name, store.NameKey(u.Name), u.Path, u.AccountID, u.ID)
}

func (t *txn) SetUserPermissionsBoundary(ctx context.Context, accountID, userID, policyARN string) error {
	return t.execOne(ctx, accountID, "user "+userID,
		`UPDATE users SET permissions_boundary_arn = ? WHERE account_id = ? AND user_id = ?`,
		nullString(policyARN), accountID, userID)
}

func (t *txn) RecordUserPasswordUse(ctx context.Context, accountID, userID string, at time.Time) error {
	tag, err := t.execNoBump(ctx, `UPDATE users SET password_last_used = ? WHERE account_id = ? AND user_id = ?`,
		ts(at), accountID, userID)
	if err != nil {
		return err
	}
	return affected(tag, "user "+userID)
}

func (t *txn) DeleteUser(ctx context.Context, accountID, userID string) error {
	// Membership and login profile rows go with the user (ON DELETE CASCADE).
	return t.execOne(ctx, accountID, "user "+userID,
		`DELETE FROM users WHERE account_id = ? AND user_id = ?`, accountID, userID)
}

func (t *txn) CountUsers(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM users WHERE account_id = ?`, accountID)
}

const groupColumns = `group_id, account_id, name, path, created_at`

func scanGroup(sc scanner) (store.Group, error) {
	var g store.Group
	var created time.Time
	if err := sc.Scan(&g.ID, &g.AccountID, &g.Name, &g.Path, &created); err != nil {
		return store.Group{}, err
	}
	g.CreatedAt = created.UTC()
	return g, nil
}

func (t *txn) CreateGroup(ctx context.Context, g store.Group) error {
	_, err := t.exec(ctx, g.AccountID, `INSERT INTO groups (group_id, account_id, name, name_key, path, created_at)
VALUES (?, ?, ?, ?, ?, ?)`, g.ID, g.AccountID, g.Name, store.NameKey(g.Name), g.Path, ts(g.CreatedAt))
	return err
}

func (t *txn) GetGroupByName(ctx context.Context, accountID, name string) (store.Group, error) {
	return queryOne(ctx, t, "group "+name, scanGroup,
		`SELECT `+groupColumns+` FROM groups WHERE account_id = ? AND name_key = ?`, accountID, store.NameKey(name))
}

func (t *txn) GetGroupByID(ctx context.Context, accountID, groupID string) (store.Group, error) {
	return queryOne(ctx, t, "group "+groupID, scanGroup,
		`SELECT `+groupColumns+` FROM groups WHERE account_id = ? AND group_id = ?`, accountID, groupID)
}

func (t *txn) ListGroups(ctx context.Context, accountID, pathPrefix string, p store.Page) ([]store.Group, bool, error) {
	return queryPage(ctx, t, p, scanGroup, `SELECT `+groupColumns+` FROM groups
WHERE account_id = ? AND name_key > ?`+pathClause+` ORDER BY name_key`, accountID, p.After, pathPrefix)
}

func (t *txn) UpdateGroup(ctx context.Context, g store.Group) error {
	return t.execOne(ctx, g.AccountID, "group "+g.ID,
		`UPDATE groups SET name = ?, name_key = ?, path = ? WHERE account_id = ? AND group_id = ?`,
		g.Name, store.NameKey(g.Name), g.Path, g.AccountID, g.ID)
}

func (t *txn) DeleteGroup(ctx context.Context, accountID, groupID string) error {
	return t.execOne(ctx, accountID, "group "+groupID,
		`DELETE FROM groups WHERE account_id = ? AND group_id = ?`, accountID, groupID)
}

func (t *txn) CountGroups(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM groups WHERE account_id = ?`, accountID)
}

func (t *txn) AddUserToGroup(ctx context.Context, accountID, groupID, userID string) error {
	// The membership must stay within one account: the INSERT ... SELECT
	// finds both rows in accountID, so a foreign ID inserts nothing.
	tag, err := t.exec(ctx, accountID, `INSERT INTO group_members (account_id, group_id, user_id)
SELECT g.account_id, g.group_id, u.user_id FROM groups g, users u
WHERE g.account_id = ? AND g.group_id = ? AND u.account_id = ? AND u.user_id = ?`,
		accountID, groupID, accountID, userID)
	if err != nil {
		return err
	}
	return affected(tag, fmt.Sprintf("group %s or user %s", groupID, userID))
}

func (t *txn) RemoveUserFromGroup(ctx context.Context, accountID, groupID, userID string) error {
	return t.execOne(ctx, accountID, "membership of "+userID+" in "+groupID,
		`DELETE FROM group_members WHERE account_id = ? AND group_id = ? AND user_id = ?`, accountID, groupID, userID)
}

func (t *txn) IsGroupMember(ctx context.Context, accountID, groupID, userID string) (bool, error) {
	n, err := t.count(ctx, `SELECT COUNT(*) FROM group_members WHERE account_id = ? AND group_id = ? AND user_id = ?`,
		accountID, groupID, userID)
	return n > 0, err
}

func (t *txn) ListGroupsForUser(ctx context.Context, accountID, userID string, p store.Page) ([]store.Group, bool, error) {
	return queryPage(ctx, t, p, scanGroup, `SELECT g.group_id, g.account_id, g.name, g.path, g.created_at
FROM group_members m JOIN groups g ON g.group_id = m.group_id
WHERE m.account_id = ? AND m.user_id = ? AND g.name_key > ? ORDER BY g.name_key`, accountID, userID, p.After)
}

func (t *txn) ListGroupMembers(ctx context.Context, accountID, groupID string, p store.Page) ([]store.User, bool, error) {
	return queryPage(ctx, t, p, scanUser, `SELECT u.user_id, u.account_id, u.name, u.path, u.permissions_boundary_arn,
u.created_at, u.password_last_used
FROM group_members m JOIN users u ON u.user_id = m.user_id
WHERE m.account_id = ? AND m.group_id = ? AND u.name_key > ? ORDER BY u.name_key`, accountID, groupID, p.After)
}

func (t *txn) CountGroupMembers(ctx context.Context, accountID, groupID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM group_members WHERE account_id = ? AND group_id = ?`, accountID, groupID)
}

func (t *txn) CountGroupsForUser(ctx context.Context, accountID, userID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM group_members WHERE account_id = ? AND user_id = ?`, accountID, userID)
}

const loginProfileColumns = `user_id, account_id, password_hash, password_reset_required, created_at, password_changed_at`

func scanLoginProfile(sc scanner) (store.LoginProfile, error) {
	var lp store.LoginProfile
	var created, changed time.Time
	if err := sc.Scan(&lp.UserID, &lp.AccountID, &lp.PasswordHash, &lp.PasswordResetRequired, &created, &changed); err != nil {
		return store.LoginProfile{}, err
	}
	lp.CreatedAt, lp.PasswordChangedAt = created.UTC(), changed.UTC()
	return lp, nil
}

// loginProfileChangedAt defaults a profile's change time to its creation.
func loginProfileChangedAt(lp store.LoginProfile) time.Time {
	if lp.PasswordChangedAt.IsZero() {
		return lp.CreatedAt
	}
	return lp.PasswordChangedAt
}

func (t *txn) CreateLoginProfile(ctx context.Context, lp store.LoginProfile) error {
	// Selecting the user in lp.AccountID makes a profile for a user of
	// another account (or no user) insert nothing: ErrNotFound.
	tag, err := t.exec(ctx, lp.AccountID, `INSERT INTO login_profiles (`+loginProfileColumns+`)
SELECT user_id, account_id, ?::text, ?::boolean, ?::timestamptz, ?::timestamptz FROM users WHERE account_id = ? AND user_id = ?`,
		lp.PasswordHash, lp.PasswordResetRequired, ts(lp.CreatedAt), ts(loginProfileChangedAt(lp)),
		lp.AccountID, lp.UserID)
	if err != nil {
		return err
	}
	return affected(tag, "user "+lp.UserID)
}

func (t *txn) GetLoginProfile(ctx context.Context, accountID, userID string) (store.LoginProfile, error) {
	return queryOne(ctx, t, "login profile of "+userID, scanLoginProfile,
		`SELECT `+loginProfileColumns+` FROM login_profiles WHERE account_id = ? AND user_id = ?`, accountID, userID)
}

func (t *txn) UpdateLoginProfile(ctx context.Context, lp store.LoginProfile) error {
	return t.execOne(ctx, lp.AccountID, "login profile of "+lp.UserID,
		`UPDATE login_profiles SET password_hash = ?, password_reset_required = ?, password_changed_at = ?
WHERE account_id = ? AND user_id = ?`,
		lp.PasswordHash, lp.PasswordResetRequired, ts(loginProfileChangedAt(lp)), lp.AccountID, lp.UserID)
}

func (t *txn) DeleteLoginProfile(ctx context.Context, accountID, userID string) error {
	return t.execOne(ctx, accountID, "login profile of "+userID,
		`DELETE FROM login_profiles WHERE account_id = ? AND user_id = ?`, accountID, userID)
}

func (t *txn) AddPasswordHistory(ctx context.Context, accountID, userID, hash string, replacedAt time.Time, keep int) error {
	// seq grows per user; selecting the user in accountID makes a foreign or
	// missing user insert nothing (ErrNotFound).
	tag, err := t.exec(ctx, accountID, `INSERT INTO password_history (account_id, user_id, seq, password_hash, replaced_at)
SELECT u.account_id, u.user_id,
       COALESCE((SELECT MAX(h.seq) FROM password_history h WHERE h.user_id = u.user_id), 0) + 1, ?::text, ?::timestamptz
FROM users u WHERE u.account_id = ? AND u.user_id = ?`, hash, ts(replacedAt), accountID, userID)
	if err != nil {
		return err
	}
	if err := affected(tag, "user "+userID); err != nil {
		return err
	}
	_, err = t.exec(ctx, accountID, `DELETE FROM password_history WHERE account_id = ? AND user_id = ? AND seq <=
(SELECT MAX(seq) FROM password_history WHERE account_id = ? AND user_id = ?) - ?::integer`,
		accountID, userID, accountID, userID, max(keep, 0))
	return err
}

func (t *txn) ListPasswordHistory(ctx context.Context, accountID, userID string) ([]string, error) {
	return queryAll(ctx, t, scanString,
		`SELECT password_hash FROM password_history WHERE account_id = ? AND user_id = ? ORDER BY seq DESC`, accountID, userID)
}
