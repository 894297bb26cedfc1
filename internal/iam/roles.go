package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/store"
)

// Role is an IAM role as the API shows it.
type Role struct {
	ID   string // AROA...
	Name string
	Path string
	ARN  string
	// AssumeRolePolicy is the trust policy as it was submitted, except that
	// a named user or role that no longer exists under the unique ID it had
	// then shows as that ID (see roles_trust.go). STS evaluates this text.
	AssumeRolePolicy       string
	Description            string
	MaxSessionDuration     int // seconds
	PermissionsBoundaryARN string
	CreatedAt              time.Time
	LastUsedAt             time.Time // zero: never used
	LastUsedRegion         string
	// Tags are filled by the operations that return them (CreateRole,
	// GetRole, UpdateRoleDescription), nil elsewhere (lists), as in AWS.
	Tags []Tag
}

func roleFromStore(r store.Role) Role {
	return Role{
		ID: r.ID, Name: r.Name, Path: r.Path, ARN: RoleARN(r.AccountID, r.Path, r.Name),
		AssumeRolePolicy: r.AssumeRolePolicy, Description: r.Description,
		MaxSessionDuration: r.MaxSessionDuration, PermissionsBoundaryARN: r.PermissionsBoundaryARN,
		CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, LastUsedRegion: r.LastUsedRegion,
	}
}

// CreateRoleInput is what CreateRole takes. Empty Path is "/", zero
// MaxSessionDuration is the default (3600).
type CreateRoleInput struct {
	Name                string
	Path                string
	AssumeRolePolicy    string
	Description         string
	MaxSessionDuration  int
	PermissionsBoundary string // managed policy ARN, "" for none
	Tags                []Tag
}

func noSuchRole(name string) *Error {
	return NoSuchEntity("The role with name %s cannot be found.", name)
}

// awsError is an error that already carries AWS's code and message (the
// policy package's validation and size errors).
type awsError interface {
	AWSErrorCode() string
	AWSMessage() string
}

// checkTrustPolicy validates a role trust policy: AWS's grammar for trust
// policies (a Principal required, only sts actions, no Resource, ...) with
// its MalformedPolicyDocument messages, then the trust-policy size quota.
// It returns the parsed policy for the principal checks done in the Tx.
func (s *Service) checkTrustPolicy(doc string) (*policy.Policy, error) {
	p, err := policy.Parse(policy.KindTrust, []byte(doc))
	if err != nil {
		var ae awsError
		if errors.As(err, &ae) {
			return nil, newErr(ae.AWSErrorCode(), "%s", ae.AWSMessage())
		}
		return nil, MalformedPolicy("%s", err.Error())
	}
	// White space outside strings does not count (policy.Size), as in AWS.
	if policy.Size([]byte(doc)) > s.quotas.AssumeRolePolicySize {
		return nil, QuotaExceeded(QuotaAssumeRolePolicySize, s.quotas.AssumeRolePolicySize)
	}
	return p, nil
}

// CreateRole creates a role with its trust policy.
func (s *Service) CreateRole(ctx context.Context, accountID string, in CreateRoleInput) (Role, error) {
	if err := ValidateRoleName(in.Name); err != nil {
		return Role{}, err
	}
	if err := ValidatePath(in.Path); err != nil {
		return Role{}, err
	}
	if err := ValidateRoleDescription(in.Description); err != nil {
		return Role{}, err
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = DefaultMaxSessionLength
	}
	if err := ValidateMaxSessionDuration(int64(in.MaxSessionDuration)); err != nil {
		return Role{}, err
	}
	if err := ValidateTags(in.Tags); err != nil {
		return Role{}, err
	}
	trust, err := s.checkTrustPolicy(in.AssumeRolePolicy)
	if err != nil {
		return Role{}, err
	}
	id, err := NewID(s.rand, PrefixRole)
	if err != nil {
		return Role{}, internalError(err)
	}
	r := store.Role{
		ID: id, AccountID: accountID, Name: in.Name, Path: pathOrRoot(in.Path),
		AssumeRolePolicy: in.AssumeRolePolicy, Description: in.Description,
		MaxSessionDuration: in.MaxSessionDuration, PermissionsBoundaryARN: in.PermissionsBoundary,
		CreatedAt: s.clock(),
	}
	err = s.tx(ctx, func(tx store.Txn) error {
		if _, err := tx.GetRoleByName(ctx, accountID, in.Name); err == nil {
			return roleExists(in.Name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n, err := tx.CountRoles(ctx, accountID)
		if err != nil {
			return err
		}
		if err := CheckCount(QuotaRolesPerAccount, n, s.quotas.RolesPerAccount); err != nil {
			return err
		}
		if r.TrustPrincipals, err = checkTrustPrincipals(ctx, tx, trust); err != nil {
			return err
		}
		if r.PermissionsBoundaryARN != "" {
			if err := s.requireManagedPolicy(ctx, tx, accountID, r.PermissionsBoundaryARN); err != nil {
				return err
			}
		}
		if err := tx.CreateRole(ctx, r); err != nil {
			return mapStoreErr(err, noSuchAccount(accountID), roleExists(in.Name))
		}
		if r.PermissionsBoundaryARN != "" {
			if err := recordBoundaryUsage(ctx, tx, accountID, store.PrincipalRole, r.ID, r.PermissionsBoundaryARN); err != nil {
				return err
			}
		}
		if len(in.Tags) > 0 {
			return tx.PutTags(ctx, accountID, store.TagKindRole, r.ID, storeTags(in.Tags))
		}
		return nil
	})
	if err != nil {
		return Role{}, err
	}
	out := roleFromStore(r)
	if len(in.Tags) > 0 {
		out.Tags = append([]Tag(nil), in.Tags...)
	}
	return out, nil
}

func roleExists(name string) *Error {
	return EntityAlreadyExists("Role with name %s already exists.", name)
}

// getRole reads a role by name inside a Tx, NoSuchEntity when absent.
func getRole(ctx context.Context, tx store.Txn, accountID, name string) (store.Role, error) {
	r, err := tx.GetRoleByName(ctx, accountID, name)
	return r, mapStoreErr(err, noSuchRole(name), nil)
}

// roleWithTags reads a role and its tags inside a Tx.
func roleWithTags(ctx context.Context, tx store.Txn, accountID, name string) (Role, error) {
	r, err := getRole(ctx, tx, accountID, name)
	if err != nil {
		return Role{}, err
	}
	tags, err := tx.ListTags(ctx, accountID, store.TagKindRole, r.ID)
	if err != nil {
		return Role{}, err
	}
	out, err := roleView(ctx, tx, r)
	if err != nil {
		return Role{}, err
	}
	if len(tags) > 0 {
		out.Tags = tagsFromStore(tags)
	}
	return out, nil
}

// GetRole returns a role with its tags and last use.
func (s *Service) GetRole(ctx context.Context, accountID, name string) (Role, error) {
	if err := ValidateRoleName(name); err != nil {
		return Role{}, err
	}
	var out Role
	err := s.view(ctx, func(tx store.Txn) error {
		var err error
		out, err = roleWithTags(ctx, tx, accountID, name)
		return err
	})
	return out, err
}

// RoleByID returns a role by its unique ID (AROA...), with its tags; STS
// resolves session principals with it. NoSuchEntity when absent.
func (s *Service) RoleByID(ctx context.Context, accountID, roleID string) (Role, error) {
	var out Role
	err := s.view(ctx, func(tx store.Txn) error {
		r, err := tx.GetRoleByID(ctx, accountID, roleID)
		if err != nil {
			return mapStoreErr(err, NoSuchEntity("The role with id %s cannot be found.", roleID), nil)
		}
		out, err = roleWithTags(ctx, tx, accountID, r.Name)
		return err
	})
	return out, err
}

// RoleByARN returns the role an ARN names (arn:aws:iam::<acct>:role<path><name>),
// with its tags: the name is matched case-insensitively, the path exactly.
// AssumeRole resolves its RoleArn with it. NoSuchEntity when absent,
// InvalidInput when arn is not a role ARN.
func (s *Service) RoleByARN(ctx context.Context, arn string) (Role, error) {
	a, err := ParseARN(arn)
	if err != nil {
		return Role{}, err
	}
	typ, path, name, ok := a.PathName()
	if a.Service != "iam" || !ok || typ != "role" || name == "" || !ValidAccountID(a.Account) {
		return Role{}, InvalidInput("ARN %s is not valid.", arn)
	}
	var out Role
	err = s.view(ctx, func(tx store.Txn) error {
		var err error
		out, err = roleWithTags(ctx, tx, a.Account, name)
		if err == nil && out.Path != path {
			return noSuchRole(name)
		}
		return err
	})
	return out, err
}

// ListRoles lists the roles whose path starts with pathPrefix, ordered by
// name case-insensitively (sort key store.NameKey(name)). Tags, boundary and
// last use are not part of the list, as in AWS.
func (s *Service) ListRoles(ctx context.Context, accountID, pathPrefix string, p store.Page) ([]Role, bool, error) {
	if err := ValidatePathPrefix(pathPrefix); err != nil {
		return nil, false, err
	}
	var out []Role
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		rs, m, err := tx.ListRoles(ctx, accountID, pathPrefix, p)
		if err != nil {
			return err
		}
		out, more = make([]Role, len(rs)), m
		for i, r := range rs {
			if out[i], err = listedRole(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, more, nil
}

// updateRole applies change to the role named name in one Tx and returns the
// role as stored afterwards (with tags).
func (s *Service) updateRole(ctx context.Context, accountID, name string, change func(tx store.Txn, r *store.Role) error) (Role, error) {
	var out Role
	err := s.tx(ctx, func(tx store.Txn) error {
		r, err := getRole(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		if err := change(tx, &r); err != nil {
			return err
		}
		if err := tx.UpdateRole(ctx, r); err != nil {
			return mapStoreErr(err, noSuchRole(name), nil)
		}
		out, err = roleWithTags(ctx, tx, accountID, name)
		return err
	})
	return out, err
}

// UpdateRole changes a role's description and/or maximum session duration;
// nil leaves a field unchanged.
func (s *Service) UpdateRole(ctx context.Context, accountID, name string, description *string, maxSessionDuration *int) error {
	if err := ValidateRoleName(name); err != nil {
		return err
	}
	if description != nil {
		if err := ValidateRoleDescription(*description); err != nil {
			return err
		}
	}
	if maxSessionDuration != nil {
		if err := ValidateMaxSessionDuration(int64(*maxSessionDuration)); err != nil {
			return err
		}
	}
	_, err := s.updateRole(ctx, accountID, name, func(_ store.Txn, r *store.Role) error {
		if description != nil {
			r.Description = *description
		}
		if maxSessionDuration != nil {
			r.MaxSessionDuration = *maxSessionDuration
		}
		return nil
	})
	return err
}

// UpdateRoleDescription sets a role's description and returns the role.
func (s *Service) UpdateRoleDescription(ctx context.Context, accountID, name, description string) (Role, error) {
	if err := ValidateRoleName(name); err != nil {
		return Role{}, err
	}
	if err := ValidateRoleDescription(description); err != nil {
		return Role{}, err
	}
	return s.updateRole(ctx, accountID, name, func(_ store.Txn, r *store.Role) error {
		r.Description = description
		return nil
	})
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, accountID, name, doc string) error {
	if err := ValidateRoleName(name); err != nil {
		return err
	}
	trust, err := s.checkTrustPolicy(doc)
	if err != nil {
		return err
	}
	_, err = s.updateRole(ctx, accountID, name, func(tx store.Txn, r *store.Role) error {
		pins, err := checkTrustPrincipals(ctx, tx, trust)
		if err != nil {
			return err
		}
		r.AssumeRolePolicy, r.TrustPrincipals = doc, pins
		return nil
	})
	return err
}

// PutRolePermissionsBoundary sets (or replaces) a role's permissions
// boundary: a managed policy of the account or of AWS that exists.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, accountID, name, policyARN string) error {
	if err := ValidateRoleName(name); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		r, err := getRole(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		if err := s.requireManagedPolicy(ctx, tx, accountID, policyARN); err != nil {
			return err
		}
		if r.PermissionsBoundaryARN == policyARN {
			return nil
		}
		r.PermissionsBoundaryARN = policyARN
		if err := tx.UpdateRole(ctx, r); err != nil {
			return mapStoreErr(err, noSuchRole(name), nil)
		}
		return recordBoundaryUsage(ctx, tx, accountID, store.PrincipalRole, r.ID, policyARN)
	})
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary; a
// role without one is NoSuchEntity, as for users.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, accountID, name string) error {
	if err := ValidateRoleName(name); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		r, err := getRole(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		if r.PermissionsBoundaryARN == "" {
			return NoSuchEntity("The role with name %s does not have a permissions boundary.", name)
		}
		r.PermissionsBoundaryARN = ""
		if err := tx.UpdateRole(ctx, r); err != nil {
			return mapStoreErr(err, noSuchRole(name), nil)
		}
		return recordBoundaryUsage(ctx, tx, accountID, store.PrincipalRole, r.ID, "")
	})
}

// DeleteRole deletes a role that has no attached or inline policies and is
// in no instance profile (else DeleteConflict), with its tags and its
// boundary usage.
func (s *Service) DeleteRole(ctx context.Context, accountID, name string) error {
	if err := ValidateRoleName(name); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		r, err := getRole(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		// AWS's order: instance profiles, then inline and attached policies.
		if n, err := tx.CountInstanceProfilesForRole(ctx, accountID, r.ID); err != nil {
			return err
		} else if n > 0 {
			return DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		if err := runDependentChecks(ctx, tx, accountID, store.PrincipalRole, r.ID,
			checkInlinePolicies, checkAttachedPolicies); err != nil {
			return err
		}
		if err := tx.DeleteAllTags(ctx, accountID, store.TagKindRole, r.ID); err != nil {
			return err
		}
		if r.PermissionsBoundaryARN != "" {
			if err := recordBoundaryUsage(ctx, tx, accountID, store.PrincipalRole, r.ID, ""); err != nil {
				return err
			}
		}
		return mapStoreErr(tx.DeleteRole(ctx, accountID, r.ID), noSuchRole(name), nil)
	})
}

// roleTags is the role name as a tagged resource.
func roleTags(accountID, name string) taggable {
	return taggable{
		kind:  store.TagKindRole,
		check: func() error { return checked(ValidateRoleName(name)) },
		find: func(ctx context.Context, tx store.Txn, _ string) (string, error) {
			r, err := getRole(ctx, tx, accountID, name)
			return r.ID, err
		},
	}
}

// TagRole adds or replaces tags of a role (at most 50 in all).
func (s *Service) TagRole(ctx context.Context, accountID, name string, tags []Tag) error {
	return s.tagResource(ctx, accountID, "TagRole", roleTags(accountID, name), tags)
}

// UntagRole removes tags of a role; absent keys are ignored.
func (s *Service) UntagRole(ctx context.Context, accountID, name string, keys []string) error {
	return s.untagResource(ctx, accountID, "UntagRole", roleTags(accountID, name), keys)
}

// ListRoleTags returns a role's tags ordered by key case-insensitively
// (sort key store.NameKey(key)); the API layer pages them.
func (s *Service) ListRoleTags(ctx context.Context, accountID, name string) ([]Tag, error) {
	return s.listResourceTags(ctx, accountID, "ListRoleTags", roleTags(accountID, name))
}

// RoleUseGranularity is how stale a role's recorded last use may get: a
// role assumed in a loop does not cost a write per AssumeRole.
const RoleUseGranularity = 15 * time.Minute

// RecordRoleUse records that the role was used (credentials issued for it)
// in region. It writes only when the recorded use is older than
// RoleUseGranularity or names another region, and never bumps the account
// revision. A role deleted meanwhile is not an error.
func (s *Service) RecordRoleUse(ctx context.Context, accountID string, role Role, region string) error {
	now := s.clock()
	if !role.LastUsedAt.IsZero() && now.Sub(role.LastUsedAt) < RoleUseGranularity && role.LastUsedRegion == region {
		return nil
	}
	return s.tx(ctx, func(tx store.Txn) error {
		err := tx.RecordRoleUse(ctx, accountID, role.ID, now, region)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
}
