package iam

// Attachments of managed policies to users, groups and roles, and the
// principals that use a policy (ListEntitiesForPolicy).

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/iamd/iamd/internal/store"
)

// policyPrincipal is a user, group or role as the policies area sees it.
type policyPrincipal struct {
	kind string // store.PrincipalUser, PrincipalGroup or PrincipalRole
	id   string
	name string
	path string
}

func principalNotFound(kind, name string) *Error {
	return NoSuchEntity("The %s with name %s cannot be found.", kind, name)
}

// errUnknownPrincipalKind is readPrincipal's answer for a kind other than
// user, group or role.
var errUnknownPrincipalKind = errors.New("iam: unknown principal kind")

// readPrincipal reads a user, group or role by name, or by unique ID when
// byID, with the store's getter for its kind.
func readPrincipal(ctx context.Context, tx store.Txn, accountID, kind, key string, byID bool) (policyPrincipal, error) {
	switch kind {
	case store.PrincipalUser:
		get := tx.GetUserByName
		if byID {
			get = tx.GetUserByID
		}
		u, err := get(ctx, accountID, key)
		return policyPrincipal{kind, u.ID, u.Name, u.Path}, err
	case store.PrincipalGroup:
		get := tx.GetGroupByName
		if byID {
			get = tx.GetGroupByID
		}
		g, err := get(ctx, accountID, key)
		return policyPrincipal{kind, g.ID, g.Name, g.Path}, err
	case store.PrincipalRole:
		get := tx.GetRoleByName
		if byID {
			get = tx.GetRoleByID
		}
		r, err := get(ctx, accountID, key)
		return policyPrincipal{kind, r.ID, r.Name, r.Path}, err
	}
	return policyPrincipal{}, errUnknownPrincipalKind
}

// principalByName finds a user, group or role of the account by name
// (case-insensitively), or NoSuchEntity in AWS's words.
func principalByName(ctx context.Context, tx store.Txn, accountID, kind, name string) (policyPrincipal, error) {
	p, err := readPrincipal(ctx, tx, accountID, kind, name, false)
	if errors.Is(err, errUnknownPrincipalKind) {
		return policyPrincipal{}, internalError(errors.New("iam: unknown principal kind " + kind))
	}
	if err != nil {
		return policyPrincipal{}, mapStoreErr(err, principalNotFound(kind, name), nil)
	}
	return p, nil
}

// principalByID finds a principal by unique ID; ok is false when it no
// longer exists. An unknown kind is found, empty (no such principal is
// ever recorded).
func principalByID(ctx context.Context, tx store.Txn, accountID, kind, id string) (policyPrincipal, bool, error) {
	p, err := readPrincipal(ctx, tx, accountID, kind, id, true)
	switch {
	case errors.Is(err, errUnknownPrincipalKind):
		return policyPrincipal{}, true, nil
	case errors.Is(err, store.ErrNotFound):
		return policyPrincipal{}, false, nil
	}
	return p, err == nil, err
}

// attachQuota is the attached-policies quota of a principal kind, with its
// name in AWS's LimitExceeded message.
func (s *Service) attachQuota(kind string) (string, int) {
	switch kind {
	case store.PrincipalUser:
		return QuotaPoliciesPerUser, s.quotas.AttachedPoliciesPerUser
	case store.PrincipalGroup:
		return QuotaPoliciesPerGroup, s.quotas.AttachedPoliciesPerGroup
	}
	return QuotaPoliciesPerRole, s.quotas.AttachedPoliciesPerRole
}

// AttachedPolicy is one entry of ListAttached{User,Group,Role}Policies.
type AttachedPolicy struct {
	PolicyName string
	PolicyARN  string
}

// SortKey is the entry's position in the attached lists (the marker key).
func (a AttachedPolicy) SortKey() string { return store.PolicyKey(a.PolicyName, a.PolicyARN) }

// AttachPolicy attaches a managed policy (customer managed of the account,
// or AWS managed) to the named user, group or role (kind: PrincipalUser,
// PrincipalGroup, PrincipalRole). Attaching an attached policy again
// succeeds without change, as in AWS.
func (s *Service) AttachPolicy(ctx context.Context, accountID, kind, principalName, policyARN string) error {
	now := s.clock()
	return s.tx(ctx, func(tx store.Txn) error {
		pr, err := principalByName(ctx, tx, accountID, kind, principalName)
		if err != nil {
			return err
		}
		ref, err := resolvePolicy(ctx, tx, accountID, policyARN, noSuchAttachablePolicy)
		if err != nil {
			return err
		}
		name, path := ref.local.Name, ref.local.Path
		if ref.aws != nil {
			name, path = ref.aws.Name, ref.aws.Path
			// Policies for service-linked roles only.
			if strings.HasPrefix(path, "/aws-service-role/") {
				return &Error{Code: CodePolicyNotAttachable, Message: "Cannot attach a Service Role Policy to a Customer Role."}
			}
		}
		attached, _, err := tx.ListAttachedPolicies(ctx, accountID, kind, pr.id, "", store.Page{})
		if err != nil {
			return err
		}
		for _, a := range attached {
			if a.PolicyARN == policyARN {
				return nil // already attached: no change, no revision bump
			}
		}
		quota, limit := s.attachQuota(kind)
		if err := CheckCount(quota, len(attached), limit); err != nil {
			return err
		}
		return tx.AttachPolicy(ctx, store.PolicyAttachment{AccountID: accountID, PrincipalKind: kind, PrincipalID: pr.id,
			PolicyARN: policyARN, PolicyName: name, PolicyPath: path, AttachedAt: now})
	})
}

// CodePolicyNotAttachable is AWS's error for attaching a policy meant for
// service-linked roles only.
const CodePolicyNotAttachable = "PolicyNotAttachable"

// DetachPolicy detaches a managed policy from the named principal; a
// policy that is not attached is NoSuchEntity.
func (s *Service) DetachPolicy(ctx context.Context, accountID, kind, principalName, policyARN string) error {
	return s.tx(ctx, func(tx store.Txn) error {
		pr, err := principalByName(ctx, tx, accountID, kind, principalName)
		if err != nil {
			return err
		}
		if _, _, _, err := parsePolicyARN(policyARN); err != nil {
			return err
		}
		return mapStoreErr(tx.DetachPolicy(ctx, accountID, kind, pr.id, policyARN), policyNotFound(policyARN), nil)
	})
}

// ListAttachedPolicies lists the managed policies attached to the named
// principal whose path starts with pathPrefix, ordered by
// AttachedPolicy.SortKey (the page key).
func (s *Service) ListAttachedPolicies(ctx context.Context, accountID, kind, principalName, pathPrefix string, p store.Page) ([]AttachedPolicy, bool, error) {
	if err := ValidatePathPrefix(pathPrefix); err != nil {
		return nil, false, err
	}
	var out []AttachedPolicy
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		out = nil
		pr, err := principalByName(ctx, tx, accountID, kind, principalName)
		if err != nil {
			return err
		}
		as, m, err := tx.ListAttachedPolicies(ctx, accountID, kind, pr.id, pathPrefix, p)
		if err != nil {
			return err
		}
		more = m
		for _, a := range as {
			out = append(out, AttachedPolicy{PolicyName: a.PolicyName, PolicyARN: a.PolicyARN})
		}
		return nil
	})
	return out, more, err
}

// PolicyEntity is one principal using a policy (ListEntitiesForPolicy).
type PolicyEntity struct {
	Kind string // store.PrincipalUser, PrincipalGroup or PrincipalRole
	Name string
	ID   string
}

// SortKey is the entity's position in ListEntitiesForPolicy: kind (groups,
// roles, users), then name case-insensitively.
func (e PolicyEntity) SortKey() string { return e.Kind + "\x00" + store.NameKey(e.Name) }

// Entity filters of ListEntitiesForPolicy.
const (
	EntityUser               = "User"
	EntityGroup              = "Group"
	EntityRole               = "Role"
	EntityLocalManagedPolicy = "LocalManagedPolicy"
	EntityAWSManagedPolicy   = "AWSManagedPolicy"
)

// ListEntitiesForPolicy lists the users, groups and roles that use a
// managed policy, ordered by PolicyEntity.SortKey (the page key).
// entityFilter ("" = all; User, Group, Role) selects a kind; pathPrefix the
// principals' path; usageFilter (PermissionsPolicy, PermissionsBoundary,
// "" = both) how the policy is used. Users and roles count as boundary
// users; groups cannot have boundaries.
func (s *Service) ListEntitiesForPolicy(ctx context.Context, accountID, policyARN, entityFilter, pathPrefix, usageFilter string, p store.Page) ([]PolicyEntity, bool, error) {
	if err := ValidatePathPrefix(pathPrefix); err != nil {
		return nil, false, err
	}
	kind := ""
	switch entityFilter {
	case "", EntityLocalManagedPolicy, EntityAWSManagedPolicy:
		// The policy filters name no principal kind: every principal.
	case EntityUser:
		kind = store.PrincipalUser
	case EntityGroup:
		kind = store.PrincipalGroup
	case EntityRole:
		kind = store.PrincipalRole
	default:
		return nil, false, InvalidInput("Invalid EntityFilter %s.", entityFilter)
	}
	usage := store.UsageAny
	switch usageFilter {
	case "":
	case UsagePermissionsPolicy:
		usage = store.UsagePermission
	case UsagePermissionsBoundary:
		usage = store.UsageBoundary
	default:
		return nil, false, InvalidInput("Invalid PolicyUsageFilter %s.", usageFilter)
	}
	var out []PolicyEntity
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		out, more = nil, false
		ref, err := resolvePolicy(ctx, tx, accountID, policyARN, policyNotFound)
		if err != nil {
			return err
		}
		if (entityFilter == EntityLocalManagedPolicy && ref.aws != nil) || (entityFilter == EntityAWSManagedPolicy && ref.aws == nil) {
			return nil
		}
		ents, err := tx.ListPolicyEntities(ctx, accountID, policyARN, kind, usage)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		var all []PolicyEntity
		for _, e := range ents {
			if seen[e.PrincipalKind+e.PrincipalID] {
				continue // attached and boundary: listed once
			}
			seen[e.PrincipalKind+e.PrincipalID] = true
			pr, ok, err := principalByID(ctx, tx, accountID, e.PrincipalKind, e.PrincipalID)
			if err != nil {
				return err
			}
			if !ok || !strings.HasPrefix(pr.path, pathPrefix) {
				continue
			}
			all = append(all, PolicyEntity{Kind: pr.kind, Name: pr.name, ID: pr.id})
		}
		slices.SortFunc(all, func(a, b PolicyEntity) int { return strings.Compare(a.SortKey(), b.SortKey()) })
		for _, e := range all {
			if e.SortKey() <= p.After {
				continue
			}
			if p.Limit > 0 && len(out) == p.Limit {
				more = true
				break
			}
			out = append(out, e)
		}
		return nil
	})
	return out, more, err
}
