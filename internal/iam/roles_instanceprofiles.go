package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// InstanceProfile is an instance profile with its role (0 or 1), as the API
// shows it.
type InstanceProfile struct {
	ID        string // AIPA...
	Name      string
	Path      string
	ARN       string
	CreatedAt time.Time
	// Roles holds the profile's role, if any (AWS models it as a list). The
	// roles carry no tags, boundary or last use, as in AWS's listings.
	Roles []Role
	// Tags are filled by CreateInstanceProfile and GetInstanceProfile.
	Tags []Tag
}

func noSuchInstanceProfile(name string) *Error {
	return NoSuchEntity("Instance Profile %s cannot be found.", name)
}

func instanceProfileExists(name string) *Error {
	return EntityAlreadyExists("Instance Profile %s already exists.", name)
}

func getInstanceProfile(ctx context.Context, tx store.Txn, accountID, name string) (store.InstanceProfile, error) {
	ip, err := tx.GetInstanceProfileByName(ctx, accountID, name)
	return ip, mapStoreErr(err, noSuchInstanceProfile(name), nil)
}

// profileAndRole reads the profile and the role of AddRoleToInstanceProfile
// and RemoveRoleFromInstanceProfile inside a Tx, each as NoSuchEntity when
// absent (the profile first).
func profileAndRole(ctx context.Context, tx store.Txn, accountID, profileName, roleName string) (store.InstanceProfile, store.Role, error) {
	ip, err := getInstanceProfile(ctx, tx, accountID, profileName)
	if err != nil {
		return store.InstanceProfile{}, store.Role{}, err
	}
	r, err := getRole(ctx, tx, accountID, roleName)
	return ip, r, err
}

// listedRole is a role as it appears inside a list (ListRoles, an instance
// profile's Roles): without tags, boundary and last use.
func listedRole(ctx context.Context, tx store.Txn, r store.Role) (Role, error) {
	out, err := roleView(ctx, tx, r)
	out.PermissionsBoundaryARN = ""
	out.LastUsedAt, out.LastUsedRegion = time.Time{}, ""
	return out, err
}

// instanceProfileView builds the API view of a profile inside a Tx: its
// role resolved (a role deleted behind the profile's back is left out).
func instanceProfileView(ctx context.Context, tx store.Txn, ip store.InstanceProfile, withTags bool) (InstanceProfile, error) {
	out := InstanceProfile{
		ID: ip.ID, Name: ip.Name, Path: ip.Path, ARN: InstanceProfileARN(ip.AccountID, ip.Path, ip.Name),
		CreatedAt: ip.CreatedAt, Roles: []Role{},
	}
	if ip.RoleID != "" {
		r, err := tx.GetRoleByID(ctx, ip.AccountID, ip.RoleID)
		switch {
		case err == nil:
			lr, err := listedRole(ctx, tx, r)
			if err != nil {
				return InstanceProfile{}, err
			}
			out.Roles = append(out.Roles, lr)
		case !errors.Is(err, store.ErrNotFound):
			return InstanceProfile{}, err
		}
	}
	if withTags {
		tags, err := tx.ListTags(ctx, ip.AccountID, store.TagKindInstanceProfile, ip.ID)
		if err != nil {
			return InstanceProfile{}, err
		}
		out.Tags = tagsFromStore(tags)
	}
	return out, nil
}

// listedInstanceProfiles is a page of profiles as lists show them (their
// roles, no tags).
func listedInstanceProfiles(ctx context.Context, tx store.Txn, ips []store.InstanceProfile) ([]InstanceProfile, error) {
	out := make([]InstanceProfile, 0, len(ips))
	for _, ip := range ips {
		v, err := instanceProfileView(ctx, tx, ip, false)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// CreateInstanceProfile creates an empty instance profile.
func (s *Service) CreateInstanceProfile(ctx context.Context, accountID, name, path string, tags []Tag) (InstanceProfile, error) {
	if err := ValidateInstanceProfileName(name); err != nil {
		return InstanceProfile{}, err
	}
	if err := ValidatePath(path); err != nil {
		return InstanceProfile{}, err
	}
	if err := ValidateTags(tags); err != nil {
		return InstanceProfile{}, err
	}
	id, err := NewID(s.rand, PrefixInstanceProfile)
	if err != nil {
		return InstanceProfile{}, internalError(err)
	}
	ip := store.InstanceProfile{ID: id, AccountID: accountID, Name: name, Path: pathOrRoot(path), CreatedAt: s.clock()}
	err = s.tx(ctx, func(tx store.Txn) error {
		if _, err := tx.GetInstanceProfileByName(ctx, accountID, name); err == nil {
			return instanceProfileExists(name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n, err := tx.CountInstanceProfiles(ctx, accountID)
		if err != nil {
			return err
		}
		if err := CheckCount(QuotaInstanceProfilesPerAccount, n, s.quotas.InstanceProfilesPerAccount); err != nil {
			return err
		}
		if err := tx.CreateInstanceProfile(ctx, ip); err != nil {
			return mapStoreErr(err, noSuchAccount(accountID), instanceProfileExists(name))
		}
		if len(tags) > 0 {
			return tx.PutTags(ctx, accountID, store.TagKindInstanceProfile, ip.ID, storeTags(tags))
		}
		return nil
	})
	if err != nil {
		return InstanceProfile{}, err
	}
	out := InstanceProfile{ID: ip.ID, Name: ip.Name, Path: ip.Path, ARN: InstanceProfileARN(accountID, ip.Path, ip.Name),
		CreatedAt: ip.CreatedAt, Roles: []Role{}}
	if len(tags) > 0 {
		out.Tags = append([]Tag(nil), tags...)
	}
	return out, nil
}

// GetInstanceProfile returns a profile with its role and tags.
func (s *Service) GetInstanceProfile(ctx context.Context, accountID, name string) (InstanceProfile, error) {
	if err := ValidateInstanceProfileName(name); err != nil {
		return InstanceProfile{}, err
	}
	var out InstanceProfile
	err := s.view(ctx, func(tx store.Txn) error {
		ip, err := getInstanceProfile(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		out, err = instanceProfileView(ctx, tx, ip, true)
		return err
	})
	return out, err
}

// ListInstanceProfiles lists the profiles whose path starts with
// pathPrefix, each with its role, ordered by store.NameKey(name).
func (s *Service) ListInstanceProfiles(ctx context.Context, accountID, pathPrefix string, p store.Page) ([]InstanceProfile, bool, error) {
	if err := ValidatePathPrefix(pathPrefix); err != nil {
		return nil, false, err
	}
	var out []InstanceProfile
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		ips, m, err := tx.ListInstanceProfiles(ctx, accountID, pathPrefix, p)
		if err != nil {
			return err
		}
		more = m
		out, err = listedInstanceProfiles(ctx, tx, ips)
		return err
	})
	return out, more, err
}

// ListInstanceProfilesForRole lists the profiles holding the role, ordered
// by store.NameKey(name).
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, accountID, roleName string, p store.Page) ([]InstanceProfile, bool, error) {
	if err := ValidateRoleName(roleName); err != nil {
		return nil, false, err
	}
	var out []InstanceProfile
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		r, err := getRole(ctx, tx, accountID, roleName)
		if err != nil {
			return err
		}
		ips, m, err := tx.ListInstanceProfilesForRole(ctx, accountID, r.ID, p)
		if err != nil {
			return err
		}
		more = m
		out, err = listedInstanceProfiles(ctx, tx, ips)
		return err
	})
	return out, more, err
}

// DeleteInstanceProfile deletes an empty profile (DeleteConflict while it
// holds a role) with its tags.
func (s *Service) DeleteInstanceProfile(ctx context.Context, accountID, name string) error {
	if err := ValidateInstanceProfileName(name); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		ip, err := getInstanceProfile(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		if ip.RoleID != "" {
			return DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		if err := tx.DeleteAllTags(ctx, accountID, store.TagKindInstanceProfile, ip.ID); err != nil {
			return err
		}
		return mapStoreErr(tx.DeleteInstanceProfile(ctx, accountID, ip.ID), noSuchInstanceProfile(name), nil)
	})
}

// AddRoleToInstanceProfile puts a role in a profile. A profile holds one
// role: a second (or the same one again) is LimitExceeded, as in AWS.
func (s *Service) AddRoleToInstanceProfile(ctx context.Context, accountID, profileName, roleName string) error {
	if err := firstInvalid(ValidateInstanceProfileName(profileName), ValidateRoleName(roleName)); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		ip, r, err := profileAndRole(ctx, tx, accountID, profileName, roleName)
		if err != nil {
			return err
		}
		held := 0
		if ip.RoleID != "" {
			held = 1
		}
		if err := CheckCount(QuotaRolesPerInstanceProfile, held, s.quotas.RolesPerInstanceProfile); err != nil {
			return err
		}
		return mapStoreErr(tx.SetInstanceProfileRole(ctx, accountID, ip.ID, r.ID), noSuchInstanceProfile(profileName), nil)
	})
}

// RemoveRoleFromInstanceProfile empties a profile of the named role; a role
// the profile does not hold is NoSuchEntity.
func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, accountID, profileName, roleName string) error {
	if err := firstInvalid(ValidateInstanceProfileName(profileName), ValidateRoleName(roleName)); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		ip, r, err := profileAndRole(ctx, tx, accountID, profileName, roleName)
		if err != nil {
			return err
		}
		if ip.RoleID != r.ID {
			// AWS's wording for a role the profile does not hold is
			// unverified; the role is not found there.
			return noSuchRole(roleName)
		}
		return mapStoreErr(tx.SetInstanceProfileRole(ctx, accountID, ip.ID, ""), noSuchInstanceProfile(profileName), nil)
	})
}

// instanceProfileTags is the profile name as a tagged resource.
func instanceProfileTags(accountID, name string) taggable {
	return taggable{
		kind:  store.TagKindInstanceProfile,
		check: func() error { return checked(ValidateInstanceProfileName(name)) },
		find: func(ctx context.Context, tx store.Txn, _ string) (string, error) {
			ip, err := getInstanceProfile(ctx, tx, accountID, name)
			return ip.ID, err
		},
	}
}

// TagInstanceProfile adds or replaces tags of a profile.
func (s *Service) TagInstanceProfile(ctx context.Context, accountID, name string, tags []Tag) error {
	return s.tagResource(ctx, accountID, "TagInstanceProfile", instanceProfileTags(accountID, name), tags)
}

// UntagInstanceProfile removes tags of a profile; absent keys are ignored.
func (s *Service) UntagInstanceProfile(ctx context.Context, accountID, name string, keys []string) error {
	return s.untagResource(ctx, accountID, "UntagInstanceProfile", instanceProfileTags(accountID, name), keys)
}

// ListInstanceProfileTags returns a profile's tags ordered by
// store.NameKey(key); the API layer pages them.
func (s *Service) ListInstanceProfileTags(ctx context.Context, accountID, name string) ([]Tag, error) {
	return s.listResourceTags(ctx, accountID, "ListInstanceProfileTags", instanceProfileTags(accountID, name))
}
