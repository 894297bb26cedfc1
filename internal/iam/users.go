package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// User is an IAM user as the API shows it. For GetUser called by the
// account root without a UserName, Root is true and only AccountID, ID (the
// account ID), ARN (the root ARN) and CreatedAt are set, as AWS answers.
type User struct {
	AccountID        string
	ID               string // AIDA...
	Name             string
	Path             string
	ARN              string
	CreatedAt        time.Time
	PasswordLastUsed time.Time // zero: never
	// PermissionsBoundaryARN is the boundary policy, "" when none.
	PermissionsBoundaryARN string
	// Tags are filled by GetUser only (ListUsers does not return them).
	Tags []Tag
	Root bool
}

func userFromStore(u store.User) User {
	return User{
		AccountID:              u.AccountID,
		ID:                     u.ID,
		Name:                   u.Name,
		Path:                   pathOrRoot(u.Path),
		ARN:                    UserARN(u.AccountID, u.Path, u.Name),
		CreatedAt:              u.CreatedAt,
		PasswordLastUsed:       u.PasswordLastUsed,
		PermissionsBoundaryARN: u.PermissionsBoundaryARN,
	}
}

func noSuchUser(name string) *Error {
	return NoSuchEntity("The user with name %s cannot be found.", name)
}

func userExists(name string) *Error {
	return EntityAlreadyExists("User with name %s already exists.", name)
}

// lookupUser reads a user by name inside a transaction, as NoSuchEntity when
// absent.
func lookupUser(ctx context.Context, tx store.Txn, accountID, name string) (store.User, error) {
	u, err := tx.GetUserByName(ctx, accountID, name)
	return u, mapStoreErr(err, noSuchUser(name), nil)
}

func storeTags(tags []Tag) []store.Tag {
	out := make([]store.Tag, len(tags))
	for i, t := range tags {
		out[i] = store.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func tagsFromStore(tags []store.Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]Tag, len(tags))
	for i, t := range tags {
		out[i] = Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// CreateUserInput is CreateUser's input. Path "" means "/".
type CreateUserInput struct {
	Name                string
	Path                string
	PermissionsBoundary string // managed policy ARN, "" for none
	Tags                []Tag
}

// CreateUser creates an IAM user (CreateUser): EntityAlreadyExists when the
// name is taken ignoring case, LimitExceeded past UsersPerAccount.
func (s *Service) CreateUser(ctx context.Context, accountID string, in CreateUserInput) (User, error) {
	if err := ValidateUserName(in.Name); err != nil {
		return User{}, err
	}
	if err := ValidatePath(in.Path); err != nil {
		return User{}, err
	}
	if err := ValidateTags(in.Tags); err != nil {
		return User{}, err
	}
	id, err := NewID(s.rand, PrefixUser)
	if err != nil {
		return User{}, internalError(err)
	}
	u := store.User{ID: id, AccountID: accountID, Name: in.Name, Path: pathOrRoot(in.Path),
		PermissionsBoundaryARN: in.PermissionsBoundary, CreatedAt: s.clock()}
	err = s.tx(ctx, func(tx store.Txn) error {
		if in.PermissionsBoundary != "" {
			if err := s.checkPermissionsBoundary(ctx, tx, accountID, in.PermissionsBoundary); err != nil {
				return err
			}
		}
		if _, err := tx.GetUserByName(ctx, accountID, in.Name); err == nil {
			return userExists(in.Name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n, err := tx.CountUsers(ctx, accountID)
		if err != nil {
			return err
		}
		if err := CheckCount(QuotaUsersPerAccount, n, s.quotas.UsersPerAccount); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return mapStoreErr(err, noSuchAccount(accountID), userExists(in.Name))
		}
		if in.PermissionsBoundary != "" {
			if err := recordBoundaryUsage(ctx, tx, accountID, store.PrincipalUser, id, in.PermissionsBoundary); err != nil {
				return err
			}
		}
		if len(in.Tags) > 0 {
			return tx.PutTags(ctx, accountID, store.TagKindUser, id, storeTags(in.Tags))
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	out := userFromStore(u)
	out.Tags = in.Tags
	return out, nil
}

// GetUser returns the user with its tags and permissions boundary
// (GetUser with a UserName).
func (s *Service) GetUser(ctx context.Context, accountID, name string) (User, error) {
	if err := ValidateExistingUserName(name); err != nil {
		return User{}, err
	}
	var out User
	err := s.view(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		tags, err := tx.ListTags(ctx, accountID, store.TagKindUser, u.ID)
		if err != nil {
			return err
		}
		out = userFromStore(u)
		out.Tags = tagsFromStore(tags)
		return nil
	})
	return out, err
}

// GetUserByName is GetUser without the tags: the user record other areas
// resolve a UserName parameter with.
func (s *Service) GetUserByName(ctx context.Context, accountID, name string) (User, error) {
	var out User
	err := s.view(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, name)
		out = userFromStore(u)
		return err
	})
	return out, err
}

// GetUserByID returns the user with the unique ID userID (AIDA...);
// NoSuchEntity when it does not exist (any more).
func (s *Service) GetUserByID(ctx context.Context, accountID, userID string) (User, error) {
	var out User
	err := s.view(ctx, func(tx store.Txn) error {
		u, err := tx.GetUserByID(ctx, accountID, userID)
		out = userFromStore(u)
		return mapStoreErr(err, NoSuchEntity("The user with id %s cannot be found.", userID), nil)
	})
	return out, err
}

// GetRootUser is GetUser called by the account root without a UserName: AWS
// answers with the root as a user whose UserId is the account ID and whose
// ARN is the root ARN, created with the account.
func (s *Service) GetRootUser(ctx context.Context, accountID string) (User, error) {
	var out User
	err := s.view(ctx, func(tx store.Txn) error {
		a, err := tx.GetAccount(ctx, accountID)
		if err != nil {
			return mapStoreErr(err, noSuchAccount(accountID), nil)
		}
		out = User{AccountID: accountID, ID: accountID, ARN: RootARN(accountID), CreatedAt: a.CreatedAt, Root: true}
		return nil
	})
	return out, err
}

// ListUsers lists the account's users whose path starts with pathPrefix
// ("" = all) by name, one page (ListUsers). The page key is
// store.NameKey(user.Name).
func (s *Service) ListUsers(ctx context.Context, accountID, pathPrefix string, p store.Page) ([]User, bool, error) {
	if err := ValidatePathPrefix(pathPrefix); err != nil {
		return nil, false, err
	}
	var out []User
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		us, m, err := tx.ListUsers(ctx, accountID, pathPrefix, p)
		if err != nil {
			return err
		}
		out, more = make([]User, len(us)), m
		for i, u := range us {
			out[i] = userFromStore(u)
		}
		return nil
	})
	return out, more, err
}

// UpdateUser renames and/or moves a user (UpdateUser); nil means "keep".
// The unique ID stays; everything that refers to the user refers to that ID,
// so keys, tags, groups and policies follow the rename.
func (s *Service) UpdateUser(ctx context.Context, accountID, name string, newName, newPath *string) error {
	if err := ValidateExistingUserName(name); err != nil {
		return err
	}
	if newName != nil {
		if err := ValidateUserName(*newName); err != nil {
			return err
		}
	}
	if newPath != nil {
		if err := ValidatePath(*newPath); err != nil {
			return err
		}
	}
	return s.tx(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		upd := u
		if newName != nil {
			upd.Name = *newName
			if store.NameKey(*newName) != store.NameKey(u.Name) {
				if _, err := tx.GetUserByName(ctx, accountID, *newName); err == nil {
					return userExists(*newName)
				} else if !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
		}
		if newPath != nil {
			upd.Path = pathOrRoot(*newPath)
		}
		if upd == u {
			return nil
		}
		return mapStoreErr(tx.UpdateUser(ctx, upd), noSuchUser(name), userExists(upd.Name))
	})
}

// DeleteUser deletes a user (DeleteUser). Like AWS it refuses
// (DeleteConflict) while the user still has a login profile, access keys,
// MFA devices, inline or attached policies or group memberships; its tags
// go with it.
func (s *Service) DeleteUser(ctx context.Context, accountID, name string) error {
	if err := ValidateExistingUserName(name); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		if err := userDeleteConflict(ctx, tx, u); err != nil {
			return err
		}
		if err := tx.DeleteAllTags(ctx, accountID, store.TagKindUser, u.ID); err != nil {
			return err
		}
		if u.PermissionsBoundaryARN != "" {
			if err := recordBoundaryUsage(ctx, tx, accountID, store.PrincipalUser, u.ID, ""); err != nil {
				return err
			}
		}
		return mapStoreErr(tx.DeleteUser(ctx, accountID, u.ID), noSuchUser(name), nil)
	})
}

// userDeleteConflict checks DeleteUser's preconditions, in the order AWS's
// DeleteUser documentation lists the dependents.
func userDeleteConflict(ctx context.Context, tx store.Txn, u store.User) error {
	if _, err := tx.GetLoginProfile(ctx, u.AccountID, u.ID); err == nil {
		return DeleteConflict("Cannot delete entity, must delete login profile first.")
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	keys, err := tx.ListAccessKeys(ctx, u.AccountID, u.ID)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return DeleteConflict("Cannot delete entity, must delete access keys first.")
	}
	if err := runDependentChecks(ctx, tx, u.AccountID, store.PrincipalUser, u.ID,
		checkMFADevices, checkInlinePolicies, checkAttachedPolicies); err != nil {
		return err
	}
	n, err := tx.CountGroupsForUser(ctx, u.AccountID, u.ID)
	if err != nil {
		return err
	}
	if n > 0 {
		// AWS words it as DeleteGroup does, "users" plural, for a user too.
		return DeleteConflict("Cannot delete entity, must remove users from group first.")
	}
	return nil
}

// ---- tags ----

// userTags is the user name as a tagged resource.
func userTags(accountID, name string) taggable {
	return taggable{
		kind:  store.TagKindUser,
		check: func() error { return checked(ValidateExistingUserName(name)) },
		find: func(ctx context.Context, tx store.Txn, _ string) (string, error) {
			u, err := lookupUser(ctx, tx, accountID, name)
			return u.ID, err
		},
	}
}

// TagUser adds or replaces tags of a user (TagUser); more than 50 in all is
// LimitExceeded.
func (s *Service) TagUser(ctx context.Context, accountID, name string, tags []Tag) error {
	return s.tagResource(ctx, accountID, "TagUser", userTags(accountID, name), tags)
}

// UntagUser removes tags by key, case-insensitively; absent keys are
// ignored (UntagUser).
func (s *Service) UntagUser(ctx context.Context, accountID, name string, keys []string) error {
	return s.untagResource(ctx, accountID, "UntagUser", userTags(accountID, name), keys)
}

// ListUserTags returns all the user's tags ordered by
// store.NameKey(key) (the API layer pages through them).
func (s *Service) ListUserTags(ctx context.Context, accountID, name string) ([]Tag, error) {
	return s.listResourceTags(ctx, accountID, "ListUserTags", userTags(accountID, name))
}

// ---- permissions boundary ----

// PutUserPermissionsBoundary sets the managed policy policyARN as the user's
// permissions boundary (replacing any).
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, accountID, name, policyARN string) error {
	if err := ValidateUserName(name); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		if err := s.checkPermissionsBoundary(ctx, tx, accountID, policyARN); err != nil {
			return err
		}
		if u.PermissionsBoundaryARN == policyARN {
			return nil
		}
		if err := tx.SetUserPermissionsBoundary(ctx, accountID, u.ID, policyARN); err != nil {
			return mapStoreErr(err, noSuchUser(name), nil)
		}
		return recordBoundaryUsage(ctx, tx, accountID, store.PrincipalUser, u.ID, policyARN)
	})
}

// DeleteUserPermissionsBoundary removes the user's permissions boundary;
// a user without one is NoSuchEntity, as in AWS.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, accountID, name string) error {
	if err := ValidateExistingUserName(name); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		if u.PermissionsBoundaryARN == "" {
			return NoSuchEntity("The user with name %s does not have a permissions boundary.", name)
		}
		if err := tx.SetUserPermissionsBoundary(ctx, accountID, u.ID, ""); err != nil {
			return mapStoreErr(err, noSuchUser(name), nil)
		}
		return recordBoundaryUsage(ctx, tx, accountID, store.PrincipalUser, u.ID, "")
	})
}

// checkPermissionsBoundary checks that policyARN names a managed policy the
// account may use as a permissions boundary (an AWS managed policy, or one of
// the account's customer managed policies), with AWS's errors: InvalidInput
// "ARN x is not valid." or NoSuchEntity "Policy x does not exist or is not
// attachable.". Users and roles call it inside the Tx that sets the
// boundary.
func (s *Service) checkPermissionsBoundary(ctx context.Context, tx store.Txn, accountID, policyARN string) error {
	return s.requireManagedPolicy(ctx, tx, accountID, policyARN)
}

// ---- identity ----

// userIdentity resolves the IAM user owning a user access key: the request
// is signed by that user, with its current name and path (a renamed user's
// key signs as the new name). A key whose user was deleted meanwhile is not
// a valid credential.
func (s *Service) userIdentity(ctx context.Context, cred Credential) (*Identity, error) {
	var u store.User
	err := s.view(ctx, func(tx store.Txn) error {
		var err error
		u, err = tx.GetUserByID(ctx, cred.AccountID, cred.UserID)
		return err
	})
	if err != nil {
		// NoSuchEntity: the authenticator answers InvalidClientTokenId.
		return nil, mapStoreErr(err, NoSuchEntity("The user with id %s cannot be found.", cred.UserID), nil)
	}
	return &Identity{
		Kind:       IdentityUser,
		AccountID:  u.AccountID,
		ARN:        UserARN(u.AccountID, u.Path, u.Name),
		UserID:     u.ID,
		UserName:   u.Name,
		Path:       pathOrRoot(u.Path),
		AccessKey:  cred.AccessKeyID,
		Credential: cred,
	}, nil
}
