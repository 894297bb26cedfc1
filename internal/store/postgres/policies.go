package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/iamd/iamd/internal/store"
)

// Policies area: see store/policies.go and migrations/0030_policies.sql.

// policyColumns selects a managed policy with its usage counts, computed
// from the attachment tables by ARN.
const policyColumns = `p.policy_id, p.account_id, p.name, p.path, p.arn, p.description, p.default_version_id,
p.last_version, p.created_at, p.updated_at,
(SELECT COUNT(*) FROM policy_attachments a WHERE a.account_id = p.account_id AND a.policy_arn = p.arn),
(SELECT COUNT(*) FROM policy_boundary_usage b WHERE b.account_id = p.account_id AND b.policy_arn = p.arn)`

func scanPolicy(sc scanner) (store.ManagedPolicy, error) {
	var p store.ManagedPolicy
	var desc pgtype.Text
	var created, updated time.Time
	if err := sc.Scan(&p.ID, &p.AccountID, &p.Name, &p.Path, &p.ARN, &desc, &p.DefaultVersionID,
		&p.LastVersion, &created, &updated, &p.AttachmentCount, &p.BoundaryUsageCount); err != nil {
		return store.ManagedPolicy{}, err
	}
	p.CreatedAt, p.UpdatedAt = created.UTC(), updated.UTC()
	p.Description = desc.String
	return p, nil
}

// policyVersionNumber parses "v<N>"; the domain only produces that form.
func policyVersionNumber(id string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "v"))
	if err != nil || !strings.HasPrefix(id, "v") || n < 1 {
		return 0, fmt.Errorf("postgres: invalid policy version ID %q", id)
	}
	return n, nil
}

func (t *txn) CreatePolicy(ctx context.Context, p store.ManagedPolicy, v store.PolicyVersion) error {
	if _, err := t.exec(ctx, p.AccountID, `INSERT INTO managed_policies (policy_id, account_id, name, name_key,
sort_key, path, arn, description, default_version_id, last_version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.AccountID, p.Name, store.NameKey(p.Name), []byte(store.PolicyKey(p.Name, p.ARN)), p.Path, p.ARN,
		nullString(p.Description), p.DefaultVersionID, p.LastVersion, ts(p.CreatedAt), ts(p.UpdatedAt)); err != nil {
		return err
	}
	v.AccountID, v.PolicyID = p.AccountID, p.ID
	return t.CreatePolicyVersion(ctx, v)
}

func (t *txn) GetPolicy(ctx context.Context, accountID, policyID string) (store.ManagedPolicy, error) {
	return queryOne(ctx, t, "policy "+policyID, scanPolicy,
		`SELECT `+policyColumns+` FROM managed_policies p WHERE p.account_id = ? AND p.policy_id = ?`, accountID, policyID)
}

func (t *txn) GetPolicyByName(ctx context.Context, accountID, name string) (store.ManagedPolicy, error) {
	return queryOne(ctx, t, "policy "+name, scanPolicy,
		`SELECT `+policyColumns+` FROM managed_policies p WHERE p.account_id = ? AND p.name_key = ?`, accountID, store.NameKey(name))
}

// policyPrefixMatch is a case-sensitive string prefix test (LIKE would
// treat % and _ as wildcards).
func policyPrefixMatch(column string) string {
	return `starts_with(` + column + `, ?::text)`
}

func (t *txn) ListPolicies(ctx context.Context, accountID string, f store.PolicyFilter, p store.Page) ([]store.ManagedPolicy, bool, error) {
	q := `SELECT ` + policyColumns + ` FROM managed_policies p WHERE p.account_id = ? AND p.sort_key > ?`
	args := []any{accountID, []byte(p.After)}
	if f.PathPrefix != "" {
		q += ` AND ` + policyPrefixMatch("p.path")
		args = append(args, f.PathPrefix)
	}
	const attached = `EXISTS (SELECT 1 FROM policy_attachments a WHERE a.account_id = p.account_id AND a.policy_arn = p.arn)`
	const boundary = `EXISTS (SELECT 1 FROM policy_boundary_usage b WHERE b.account_id = p.account_id AND b.policy_arn = p.arn)`
	switch f.Usage {
	case store.UsageNone:
	case store.UsagePermission:
		q += ` AND ` + attached
	case store.UsageBoundary:
		q += ` AND ` + boundary
	case store.UsageAny:
		q += ` AND (` + attached + ` OR ` + boundary + `)`
	default:
		return nil, false, fmt.Errorf("postgres: invalid policy usage filter %q", f.Usage)
	}
	return queryPage(ctx, t, p, scanPolicy, q+` ORDER BY p.sort_key`, args...)
}

func (t *txn) UpdatePolicyVersions(ctx context.Context, accountID, policyID, defaultVersionID string, lastVersion int, updatedAt time.Time) error {
	return t.execOne(ctx, accountID, "policy "+policyID, `UPDATE managed_policies
SET default_version_id = ?, last_version = ?, updated_at = ? WHERE account_id = ? AND policy_id = ?`,
		defaultVersionID, lastVersion, ts(updatedAt), accountID, policyID)
}

func (t *txn) DeletePolicy(ctx context.Context, accountID, policyID string) error {
	// Versions go by ON DELETE CASCADE.
	return t.execOne(ctx, accountID, "policy "+policyID,
		`DELETE FROM managed_policies WHERE account_id = ? AND policy_id = ?`, accountID, policyID)
}

func (t *txn) CountPolicies(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM managed_policies WHERE account_id = ?`, accountID)
}

const policyVersionColumns = `policy_id, account_id, version_id, document, created_at`

func scanPolicyVersion(sc scanner) (store.PolicyVersion, error) {
	var v store.PolicyVersion
	var created time.Time
	if err := sc.Scan(&v.PolicyID, &v.AccountID, &v.VersionID, &v.Document, &created); err != nil {
		return store.PolicyVersion{}, err
	}
	v.CreatedAt = created.UTC()
	return v, nil
}

func (t *txn) CreatePolicyVersion(ctx context.Context, v store.PolicyVersion) error {
	n, err := policyVersionNumber(v.VersionID)
	if err != nil {
		return err
	}
	// The policy must be the account's: the foreign key alone would accept
	// another account's policy ID.
	if _, err := queryOne(ctx, t, "policy "+v.PolicyID, func(sc scanner) (int, error) {
		var n int
		err := sc.Scan(&n)
		return n, err
	}, `SELECT 1 FROM managed_policies WHERE account_id = ? AND policy_id = ?`, v.AccountID, v.PolicyID); err != nil {
		return err
	}
	// Read the new version's key before inserting it. The domain computes
	// the version ID from the policy's last version, so two nodes racing
	// insert the same key; having read it, this transaction gets a
	// serialization failure (40001: retried, then it sees the winner's
	// version) instead of a unique violation (23505: ErrConflict, which
	// the domain cannot tell from a real one).
	taken, err := t.count(ctx, `SELECT COUNT(*) FROM policy_versions WHERE policy_id = ? AND version_id = ?`, v.PolicyID, v.VersionID)
	if err != nil {
		return err
	}
	if taken > 0 {
		return fmt.Errorf("%w: policy version %s %s", store.ErrConflict, v.PolicyID, v.VersionID)
	}
	_, err = t.exec(ctx, v.AccountID, `INSERT INTO policy_versions (policy_id, account_id, version_id, version_num, document, created_at)
VALUES (?, ?, ?, ?, ?, ?)`, v.PolicyID, v.AccountID, v.VersionID, n, v.Document, ts(v.CreatedAt))
	return err
}

func (t *txn) GetPolicyVersion(ctx context.Context, accountID, policyID, versionID string) (store.PolicyVersion, error) {
	return queryOne(ctx, t, "policy version "+policyID+" "+versionID, scanPolicyVersion,
		`SELECT `+policyVersionColumns+` FROM policy_versions WHERE account_id = ? AND policy_id = ? AND version_id = ?`,
		accountID, policyID, versionID)
}

func (t *txn) ListPolicyVersions(ctx context.Context, accountID, policyID string) ([]store.PolicyVersion, error) {
	return queryAll(ctx, t, scanPolicyVersion, `SELECT `+policyVersionColumns+` FROM policy_versions
WHERE account_id = ? AND policy_id = ? ORDER BY version_num DESC`, accountID, policyID)
}

func (t *txn) DeletePolicyVersion(ctx context.Context, accountID, policyID, versionID string) error {
	return t.execOne(ctx, accountID, "policy version "+policyID+" "+versionID,
		`DELETE FROM policy_versions WHERE account_id = ? AND policy_id = ? AND version_id = ?`, accountID, policyID, versionID)
}

func (t *txn) CountPolicyVersionsInUse(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM policy_versions WHERE account_id = ?`, accountID)
}

const policyAttachmentColumns = `account_id, principal_kind, principal_id, policy_arn, policy_name, policy_path, attached_at`

func scanPolicyAttachment(sc scanner) (store.PolicyAttachment, error) {
	var a store.PolicyAttachment
	var at time.Time
	if err := sc.Scan(&a.AccountID, &a.PrincipalKind, &a.PrincipalID, &a.PolicyARN, &a.PolicyName, &a.PolicyPath, &at); err != nil {
		return store.PolicyAttachment{}, err
	}
	a.AttachedAt = at.UTC()
	return a, nil
}

func (t *txn) AttachPolicy(ctx context.Context, a store.PolicyAttachment) error {
	_, err := t.exec(ctx, a.AccountID, `INSERT INTO policy_attachments (`+policyAttachmentColumns+`, sort_key)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.AccountID, a.PrincipalKind, a.PrincipalID, a.PolicyARN, a.PolicyName, a.PolicyPath,
		ts(a.AttachedAt), []byte(store.PolicyKey(a.PolicyName, a.PolicyARN)))
	return err
}

func (t *txn) DetachPolicy(ctx context.Context, accountID, principalKind, principalID, policyARN string) error {
	return t.execOne(ctx, accountID, "attachment of "+policyARN, `DELETE FROM policy_attachments
WHERE account_id = ? AND principal_kind = ? AND principal_id = ? AND policy_arn = ?`, accountID, principalKind, principalID, policyARN)
}

func (t *txn) ListAttachedPolicies(ctx context.Context, accountID, principalKind, principalID, pathPrefix string, p store.Page) ([]store.PolicyAttachment, bool, error) {
	q := `SELECT ` + policyAttachmentColumns + ` FROM policy_attachments
WHERE account_id = ? AND principal_kind = ? AND principal_id = ? AND sort_key > ?`
	args := []any{accountID, principalKind, principalID, []byte(p.After)}
	if pathPrefix != "" {
		q += ` AND ` + policyPrefixMatch("policy_path")
		args = append(args, pathPrefix)
	}
	return queryPage(ctx, t, p, scanPolicyAttachment, q+` ORDER BY sort_key`, args...)
}

func (t *txn) CountAttachedPolicies(ctx context.Context, accountID, principalKind, principalID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM policy_attachments WHERE account_id = ? AND principal_kind = ? AND principal_id = ?`,
		accountID, principalKind, principalID)
}

func (t *txn) ListAttachedPolicyDocuments(ctx context.Context, accountID, principalKind, principalID string) ([]store.AttachedDocument, error) {
	return queryAll(ctx, t, func(sc scanner) (store.AttachedDocument, error) {
		var d store.AttachedDocument
		err := sc.Scan(&d.PolicyARN, &d.PolicyID, &d.DefaultVersionID, &d.Document)
		return d, err
	}, `SELECT p.arn, p.policy_id, p.default_version_id, v.document
FROM policy_attachments a
JOIN managed_policies p ON p.account_id = a.account_id AND p.arn = a.policy_arn
JOIN policy_versions v ON v.policy_id = p.policy_id AND v.version_id = p.default_version_id
WHERE a.account_id = ? AND a.principal_kind = ? AND a.principal_id = ?
ORDER BY a.sort_key`, accountID, principalKind, principalID)
}

func (t *txn) ListPolicyEntities(ctx context.Context, accountID, policyARN, principalKind, usage string) ([]store.PolicyEntity, error) {
	var parts []string
	var args []any
	kindFilter := ""
	if principalKind != "" {
		kindFilter = ` AND principal_kind = ?`
	}
	add := func(table, usage string) {
		parts = append(parts, `SELECT principal_kind, principal_id, '`+usage+`'::text COLLATE "C" FROM `+table+
			` WHERE account_id = ? AND policy_arn = ?`+kindFilter)
		args = append(args, accountID, policyARN)
		if principalKind != "" {
			args = append(args, principalKind)
		}
	}
	switch usage {
	case store.UsagePermission:
		add("policy_attachments", store.UsagePermission)
	case store.UsageBoundary:
		add("policy_boundary_usage", store.UsageBoundary)
	case store.UsageAny, store.UsageNone:
		add("policy_attachments", store.UsagePermission)
		add("policy_boundary_usage", store.UsageBoundary)
	default:
		return nil, fmt.Errorf("postgres: invalid policy usage %q", usage)
	}
	return queryAll(ctx, t, func(sc scanner) (store.PolicyEntity, error) {
		var e store.PolicyEntity
		err := sc.Scan(&e.PrincipalKind, &e.PrincipalID, &e.Usage)
		return e, err
	}, strings.Join(parts, " UNION ALL ")+` ORDER BY 1, 2, 3`, args...)
}

func (t *txn) PolicyUsageByARN(ctx context.Context, accountID string) (map[string]store.PolicyUsage, error) {
	type row struct {
		arn      string
		boundary bool
		n        int
	}
	rows, err := queryAll(ctx, t, func(sc scanner) (row, error) {
		var r row
		err := sc.Scan(&r.arn, &r.boundary, &r.n)
		return r, err
	}, `SELECT policy_arn, false, COUNT(*) FROM policy_attachments WHERE account_id = ? GROUP BY policy_arn
UNION ALL
SELECT policy_arn, true, COUNT(*) FROM policy_boundary_usage WHERE account_id = ? GROUP BY policy_arn`, accountID, accountID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]store.PolicyUsage, len(rows))
	for _, r := range rows {
		u := out[r.arn]
		if r.boundary {
			u.Boundaries = r.n
		} else {
			u.Attachments = r.n
		}
		out[r.arn] = u
	}
	return out, nil
}

func (t *txn) SetBoundaryUsage(ctx context.Context, accountID, principalKind, principalID, policyARN string) error {
	if policyARN == "" {
		_, err := t.exec(ctx, accountID, `DELETE FROM policy_boundary_usage
WHERE account_id = ? AND principal_kind = ? AND principal_id = ?`, accountID, principalKind, principalID)
		return err
	}
	_, err := t.exec(ctx, accountID, `INSERT INTO policy_boundary_usage (account_id, principal_kind, principal_id, policy_arn)
VALUES (?, ?, ?, ?)
ON CONFLICT (account_id, principal_kind, principal_id) DO UPDATE SET policy_arn = excluded.policy_arn`,
		accountID, principalKind, principalID, policyARN)
	return err
}

const inlinePolicyColumns = `account_id, principal_kind, principal_id, name, document`

func scanInlinePolicy(sc scanner) (store.InlinePolicy, error) {
	var p store.InlinePolicy
	err := sc.Scan(&p.AccountID, &p.PrincipalKind, &p.PrincipalID, &p.Name, &p.Document)
	return p, err
}

func (t *txn) PutInlinePolicy(ctx context.Context, p store.InlinePolicy) error {
	_, err := t.exec(ctx, p.AccountID, `INSERT INTO inline_policies (`+inlinePolicyColumns+`, name_key)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (account_id, principal_kind, principal_id, name_key) DO UPDATE SET name = excluded.name, document = excluded.document`,
		p.AccountID, p.PrincipalKind, p.PrincipalID, p.Name, p.Document, store.NameKey(p.Name))
	return err
}

func (t *txn) GetInlinePolicy(ctx context.Context, accountID, principalKind, principalID, name string) (store.InlinePolicy, error) {
	return queryOne(ctx, t, "inline policy "+name, scanInlinePolicy, `SELECT `+inlinePolicyColumns+` FROM inline_policies
WHERE account_id = ? AND principal_kind = ? AND principal_id = ? AND name_key = ?`, accountID, principalKind, principalID, store.NameKey(name))
}

func (t *txn) ListInlinePolicies(ctx context.Context, accountID, principalKind, principalID string, p store.Page) ([]store.InlinePolicy, bool, error) {
	return queryPage(ctx, t, p, scanInlinePolicy, `SELECT `+inlinePolicyColumns+` FROM inline_policies
WHERE account_id = ? AND principal_kind = ? AND principal_id = ? AND name_key > ? ORDER BY name_key`,
		accountID, principalKind, principalID, p.After)
}

func (t *txn) DeleteInlinePolicy(ctx context.Context, accountID, principalKind, principalID, name string) error {
	return t.execOne(ctx, accountID, "inline policy "+name, `DELETE FROM inline_policies
WHERE account_id = ? AND principal_kind = ? AND principal_id = ? AND name_key = ?`, accountID, principalKind, principalID, store.NameKey(name))
}

func (t *txn) CountInlinePolicies(ctx context.Context, accountID, principalKind, principalID string) (int, error) {
	return t.count(ctx, `SELECT COUNT(*) FROM inline_policies WHERE account_id = ? AND principal_kind = ? AND principal_id = ?`,
		accountID, principalKind, principalID)
}
