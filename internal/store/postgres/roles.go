package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/iamd/iamd/internal/store"
)

// --- roles

const roleColumns = `role_id, account_id, name, path, assume_role_policy, trust_principals, description,
max_session_duration, permissions_boundary_arn, created_at, last_used_at, last_used_region`

func scanRole(sc scanner) (store.Role, error) {
	var r store.Role
	var trust, desc, boundary, lastRegion pgtype.Text
	var created time.Time
	var lastAt pgtype.Timestamptz
	if err := sc.Scan(&r.ID, &r.AccountID, &r.Name, &r.Path, &r.AssumeRolePolicy, &trust, &desc, &r.MaxSessionDuration,
		&boundary, &created, &lastAt, &lastRegion); err != nil {
		return store.Role{}, err
	}
	if trust.Valid {
		if err := json.Unmarshal([]byte(trust.String), &r.TrustPrincipals); err != nil {
			return store.Role{}, fmt.Errorf("postgres: bad stored trust principals of role %s: %w", r.ID, err)
		}
	}
	r.CreatedAt, r.LastUsedAt = created.UTC(), timeOf(lastAt)
	r.Description, r.PermissionsBoundaryARN, r.LastUsedRegion = desc.String, boundary.String, lastRegion.String
	return r, nil
}

func (t *txn) CreateRole(ctx context.Context, r store.Role) error {
	_, err := t.exec(ctx, r.AccountID, `INSERT INTO roles (role_id, account_id, name, name_key, path, assume_role_policy,
trust_principals, description, max_session_duration, permissions_boundary_arn, created_at, last_used_at, last_used_region)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.AccountID, r.Name, store.NameKey(r.Name), r.Path, r.AssumeRolePolicy, rolesJSONMap(r.TrustPrincipals), nullString(r.Description),
		r.MaxSessionDuration, nullString(r.PermissionsBoundaryARN), ts(r.CreatedAt),
		nullTime(r.LastUsedAt), nullString(r.LastUsedRegion))
	return err
}

// rolesJSONMap encodes a string map as a JSON object, NULL when empty.
func rolesJSONMap(m map[string]string) any {
	if len(m) == 0 {
		return nil
	}
	b, _ := json.Marshal(m) // a map[string]string always marshals
	return string(b)
}

func (t *txn) GetRoleByName(ctx context.Context, accountID, name string) (store.Role, error) {
	return queryOne(ctx, t, "role "+name, scanRole,
		`SELECT `+roleColumns+` FROM roles WHERE account_id = ? AND name_key = ?`, accountID, store.NameKey(name))
}

func (t *txn) GetRoleByID(ctx context.Context, accountID, roleID string) (store.Role, error) {
	return queryOne(ctx, t, "role "+roleID, scanRole,
		`SELECT `+roleColumns+` FROM roles WHERE account_id = ? AND role_id = ?`, accountID, roleID)
}

func (t *txn) ListRoles(ctx context.Context, accountID, pathPrefix string, p store.Page) ([]store.Role, bool, error) {
	q := `SELECT ` + roleColumns + ` FROM roles WHERE account_id = ? AND name_key > ?`
	args := []any{accountID, p.After}
	if pathPrefix != "" {
		q += pathClause
		args = append(args, pathPrefix)
	}
	return queryPage(ctx, t, p, scanRole, q+` ORDER BY name_key`, args...)
}

func (t *txn) UpdateRole(ctx context.Context, r store.Role) error {
	return t.execOne(ctx, r.AccountID, "role "+r.ID, `UPDATE roles SET assume_role_policy = ?, trust_principals = ?,
description = ?, max_session_duration = ?, permissions_boundary_arn = ? WHERE account_id = ? AND role_id = ?`,
		r.AssumeRolePolicy, rolesJSONMap(r.TrustPrincipals), nullString(r.Description), r.MaxSessionDuration, nullString(r.PermissionsBoundaryARN),
		r.AccountID, r.ID)
}

func (t *txn) DeleteRole(ctx context.Context, accountID, roleID string) error {
	return t.execOne(ctx, accountID, "role "+roleID, `DELETE FROM roles WHERE account_id = ? AND role_id = ?`, accountID, roleID)
}

func (t *txn) CountRoles(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, `SELECT count(*) FROM roles WHERE account_id = ?`, accountID)
}

func (t *txn) CountRolesWithPermissionsBoundary(ctx context.Context, accountID, policyARN string) (int, error) {
	return t.count(ctx, `SELECT count(*) FROM roles WHERE account_id = ? AND permissions_boundary_arn = ?`, accountID, policyARN)
}

func (t *txn) RecordRoleUse(ctx context.Context, accountID, roleID string, at time.Time, region string) error {
	tag, err := t.execNoBump(ctx, `UPDATE roles SET last_used_at = ?, last_used_region = ? WHERE account_id = ? AND role_id = ?`,
		ts(at), nullString(region), accountID, roleID)
	if err != nil {
		return err
	}
	return affected(tag, "role "+roleID)
}

// --- instance profiles

const instanceProfileColumns = `instance_profile_id, account_id, name, path, created_at, role_id`

func scanInstanceProfile(sc scanner) (store.InstanceProfile, error) {
	var ip store.InstanceProfile
	var role pgtype.Text
	var created time.Time
	if err := sc.Scan(&ip.ID, &ip.AccountID, &ip.Name, &ip.Path, &created, &role); err != nil {
		return store.InstanceProfile{}, err
	}
	ip.CreatedAt, ip.RoleID = created.UTC(), role.String
	return ip, nil
}

func (t *txn) CreateInstanceProfile(ctx context.Context, ip store.InstanceProfile) error {
	_, err := t.exec(ctx, ip.AccountID, `INSERT INTO instance_profiles (instance_profile_id, account_id, name, name_key,
path, created_at, role_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ip.ID, ip.AccountID, ip.Name, store.NameKey(ip.Name), ip.Path, ts(ip.CreatedAt), nullString(ip.RoleID))
	return err
}

func (t *txn) GetInstanceProfileByName(ctx context.Context, accountID, name string) (store.InstanceProfile, error) {
	return queryOne(ctx, t, "instance profile "+name, scanInstanceProfile,
		`SELECT `+instanceProfileColumns+` FROM instance_profiles WHERE account_id = ? AND name_key = ?`,
		accountID, store.NameKey(name))
}

func (t *txn) ListInstanceProfiles(ctx context.Context, accountID, pathPrefix string, p store.Page) ([]store.InstanceProfile, bool, error) {
	q := `SELECT ` + instanceProfileColumns + ` FROM instance_profiles WHERE account_id = ? AND name_key > ?`
	args := []any{accountID, p.After}
	if pathPrefix != "" {
		q += pathClause
		args = append(args, pathPrefix)
	}
	return queryPage(ctx, t, p, scanInstanceProfile, q+` ORDER BY name_key`, args...)
}

func (t *txn) ListInstanceProfilesForRole(ctx context.Context, accountID, roleID string, p store.Page) ([]store.InstanceProfile, bool, error) {
	return queryPage(ctx, t, p, scanInstanceProfile, `SELECT `+instanceProfileColumns+` FROM instance_profiles
WHERE account_id = ? AND role_id = ? AND name_key > ? ORDER BY name_key`, accountID, roleID, p.After)
}

func (t *txn) SetInstanceProfileRole(ctx context.Context, accountID, profileID, roleID string) error {
	return t.execOne(ctx, accountID, "instance profile "+profileID,
		`UPDATE instance_profiles SET role_id = ? WHERE account_id = ? AND instance_profile_id = ?`,
		nullString(roleID), accountID, profileID)
}

func (t *txn) DeleteInstanceProfile(ctx context.Context, accountID, profileID string) error {
	return t.execOne(ctx, accountID, "instance profile "+profileID,
		`DELETE FROM instance_profiles WHERE account_id = ? AND instance_profile_id = ?`, accountID, profileID)
}

func (t *txn) CountInstanceProfiles(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, `SELECT count(*) FROM instance_profiles WHERE account_id = ?`, accountID)
}

func (t *txn) CountInstanceProfilesForRole(ctx context.Context, accountID, roleID string) (int, error) {
	return t.count(ctx, `SELECT count(*) FROM instance_profiles WHERE account_id = ? AND role_id = ?`, accountID, roleID)
}

// --- OpenID Connect providers

const oidcProviderColumns = `arn, account_id, url, client_ids, thumbprints, created_at`

func scanOIDCProvider(sc scanner) (store.OIDCProvider, error) {
	var p store.OIDCProvider
	var clients, thumbs string
	var created time.Time
	if err := sc.Scan(&p.ARN, &p.AccountID, &p.URL, &clients, &thumbs, &created); err != nil {
		return store.OIDCProvider{}, err
	}
	if err := json.Unmarshal([]byte(clients), &p.ClientIDs); err != nil {
		return store.OIDCProvider{}, fmt.Errorf("postgres: bad stored client IDs of %s: %w", p.ARN, err)
	}
	if err := json.Unmarshal([]byte(thumbs), &p.Thumbprints); err != nil {
		return store.OIDCProvider{}, fmt.Errorf("postgres: bad stored thumbprints of %s: %w", p.ARN, err)
	}
	p.CreatedAt = created.UTC()
	return p, nil
}

// rolesJSONList encodes a string list as a JSON array ("[]" for none, never
// "null", so that an empty list reads back empty).
func rolesJSONList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // a []string always marshals
	return string(b)
}

func (t *txn) CreateOIDCProvider(ctx context.Context, p store.OIDCProvider) error {
	_, err := t.exec(ctx, p.AccountID, `INSERT INTO oidc_providers (`+oidcProviderColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		p.ARN, p.AccountID, p.URL, rolesJSONList(p.ClientIDs), rolesJSONList(p.Thumbprints), ts(p.CreatedAt))
	return err
}

func (t *txn) GetOIDCProvider(ctx context.Context, accountID, arn string) (store.OIDCProvider, error) {
	return queryOne(ctx, t, "OIDC provider "+arn, scanOIDCProvider,
		`SELECT `+oidcProviderColumns+` FROM oidc_providers WHERE account_id = ? AND arn = ?`, accountID, arn)
}

func (t *txn) GetOIDCProviderByURL(ctx context.Context, accountID, url string) (store.OIDCProvider, error) {
	return queryOne(ctx, t, "OIDC provider "+url, scanOIDCProvider,
		`SELECT `+oidcProviderColumns+` FROM oidc_providers WHERE account_id = ? AND url = ?`, accountID, url)
}

func (t *txn) ListOIDCProviders(ctx context.Context, accountID string) ([]store.OIDCProvider, error) {
	return queryAll(ctx, t, scanOIDCProvider,
		`SELECT `+oidcProviderColumns+` FROM oidc_providers WHERE account_id = ? ORDER BY arn`, accountID)
}

func (t *txn) UpdateOIDCProvider(ctx context.Context, p store.OIDCProvider) error {
	return t.execOne(ctx, p.AccountID, "OIDC provider "+p.ARN,
		`UPDATE oidc_providers SET client_ids = ?, thumbprints = ? WHERE account_id = ? AND arn = ?`,
		rolesJSONList(p.ClientIDs), rolesJSONList(p.Thumbprints), p.AccountID, p.ARN)
}

func (t *txn) DeleteOIDCProvider(ctx context.Context, accountID, arn string) error {
	return t.execOne(ctx, accountID, "OIDC provider "+arn,
		`DELETE FROM oidc_providers WHERE account_id = ? AND arn = ?`, accountID, arn)
}

func (t *txn) CountOIDCProviders(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, `SELECT count(*) FROM oidc_providers WHERE account_id = ?`, accountID)
}
