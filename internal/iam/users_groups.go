package iam

import (
	"context"
	"errors"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// Group is an IAM group as the API shows it.
type Group struct {
	AccountID string
	ID        string // AGPA...
	Name      string
	Path      string
	ARN       string
	CreatedAt time.Time
}

func groupFromStore(g store.Group) Group {
	return Group{
		AccountID: g.AccountID,
		ID:        g.ID,
		Name:      g.Name,
		Path:      pathOrRoot(g.Path),
		ARN:       GroupARN(g.AccountID, g.Path, g.Name),
		CreatedAt: g.CreatedAt,
	}
}

func groupsFromStore(gs []store.Group) []Group {
	out := make([]Group, len(gs))
	for i, g := range gs {
		out[i] = groupFromStore(g)
	}
	return out
}

func noSuchGroup(name string) *Error {
	return NoSuchEntity("The group with name %s cannot be found.", name)
}

func groupExists(name string) *Error {
	return EntityAlreadyExists("Group with name %s already exists.", name)
}

func lookupGroup(ctx context.Context, tx store.Txn, accountID, name string) (store.Group, error) {
	g, err := tx.GetGroupByName(ctx, accountID, name)
	return g, mapStoreErr(err, noSuchGroup(name), nil)
}

// groupAndUser reads the group and the user of a membership change inside a
// Tx, each as NoSuchEntity when absent (the group first).
func groupAndUser(ctx context.Context, tx store.Txn, accountID, groupName, userName string) (store.Group, store.User, error) {
	g, err := lookupGroup(ctx, tx, accountID, groupName)
	if err != nil {
		return store.Group{}, store.User{}, err
	}
	u, err := lookupUser(ctx, tx, accountID, userName)
	return g, u, err
}

// CreateGroup creates a group (CreateGroup): EntityAlreadyExists when the
// name is taken ignoring case, LimitExceeded past GroupsPerAccount.
func (s *Service) CreateGroup(ctx context.Context, accountID, name, path string) (Group, error) {
	if err := ValidateGroupName(name); err != nil {
		return Group{}, err
	}
	if err := ValidatePath(path); err != nil {
		return Group{}, err
	}
	id, err := NewID(s.rand, PrefixGroup)
	if err != nil {
		return Group{}, internalError(err)
	}
	g := store.Group{ID: id, AccountID: accountID, Name: name, Path: pathOrRoot(path), CreatedAt: s.clock()}
	err = s.tx(ctx, func(tx store.Txn) error {
		if _, err := tx.GetGroupByName(ctx, accountID, name); err == nil {
			return groupExists(name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n, err := tx.CountGroups(ctx, accountID)
		if err != nil {
			return err
		}
		if err := CheckCount(QuotaGroupsPerAccount, n, s.quotas.GroupsPerAccount); err != nil {
			return err
		}
		return mapStoreErr(tx.CreateGroup(ctx, g), noSuchAccount(accountID), groupExists(name))
	})
	if err != nil {
		return Group{}, err
	}
	return groupFromStore(g), nil
}

// GetGroup returns a group and one page of its members ordered by name
// (GetGroup); the page key is store.NameKey(user.Name).
func (s *Service) GetGroup(ctx context.Context, accountID, name string, p store.Page) (Group, []User, bool, error) {
	if err := ValidateGroupName(name); err != nil {
		return Group{}, nil, false, err
	}
	var g Group
	var users []User
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		sg, err := lookupGroup(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		members, m, err := tx.ListGroupMembers(ctx, accountID, sg.ID, p)
		if err != nil {
			return err
		}
		g, more = groupFromStore(sg), m
		users = make([]User, len(members))
		for i, u := range members {
			users[i] = userFromStore(u)
		}
		return nil
	})
	return g, users, more, err
}

// GetGroupByName returns a group without its members; other areas resolve
// a GroupName parameter with it.
func (s *Service) GetGroupByName(ctx context.Context, accountID, name string) (Group, error) {
	var out Group
	err := s.view(ctx, func(tx store.Txn) error {
		g, err := lookupGroup(ctx, tx, accountID, name)
		out = groupFromStore(g)
		return err
	})
	return out, err
}

// ListGroups lists the account's groups whose path starts with pathPrefix
// ("" = all), one page ordered by name (key store.NameKey(group.Name)).
func (s *Service) ListGroups(ctx context.Context, accountID, pathPrefix string, p store.Page) ([]Group, bool, error) {
	if err := ValidatePathPrefix(pathPrefix); err != nil {
		return nil, false, err
	}
	var out []Group
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		gs, m, err := tx.ListGroups(ctx, accountID, pathPrefix, p)
		out, more = groupsFromStore(gs), m
		return err
	})
	return out, more, err
}

// UpdateGroup renames and/or moves a group (UpdateGroup); nil means "keep".
// Members and policies refer to the group's ID and follow it.
func (s *Service) UpdateGroup(ctx context.Context, accountID, name string, newName, newPath *string) error {
	if err := ValidateGroupName(name); err != nil {
		return err
	}
	if newName != nil {
		if err := ValidateGroupName(*newName); err != nil {
			return err
		}
	}
	if newPath != nil {
		if err := ValidatePath(*newPath); err != nil {
			return err
		}
	}
	return s.tx(ctx, func(tx store.Txn) error {
		g, err := lookupGroup(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		upd := g
		if newName != nil {
			upd.Name = *newName
			if store.NameKey(*newName) != store.NameKey(g.Name) {
				if _, err := tx.GetGroupByName(ctx, accountID, *newName); err == nil {
					return groupExists(*newName)
				} else if !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
		}
		if newPath != nil {
			upd.Path = pathOrRoot(*newPath)
		}
		if upd == g {
			return nil
		}
		return mapStoreErr(tx.UpdateGroup(ctx, upd), noSuchGroup(name), groupExists(upd.Name))
	})
}

// DeleteGroup deletes a group (DeleteGroup); DeleteConflict while it has
// members, inline policies or attached policies.
func (s *Service) DeleteGroup(ctx context.Context, accountID, name string) error {
	if err := ValidateGroupName(name); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		g, err := lookupGroup(ctx, tx, accountID, name)
		if err != nil {
			return err
		}
		n, err := tx.CountGroupMembers(ctx, accountID, g.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return DeleteConflict("Cannot delete entity, must remove users from group first.")
		}
		if err := runDependentChecks(ctx, tx, accountID, store.PrincipalGroup, g.ID,
			checkInlinePolicies, checkAttachedPolicies); err != nil {
			return err
		}
		return mapStoreErr(tx.DeleteGroup(ctx, accountID, g.ID), noSuchGroup(name), nil)
	})
}

// AddUserToGroup adds a user to a group (AddUserToGroup). Adding a member
// again succeeds without change, as in AWS; a user in GroupsPerUser groups
// already is LimitExceeded.
func (s *Service) AddUserToGroup(ctx context.Context, accountID, groupName, userName string) error {
	if err := firstInvalid(ValidateGroupName(groupName), ValidateExistingUserName(userName)); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		g, u, err := groupAndUser(ctx, tx, accountID, groupName, userName)
		if err != nil {
			return err
		}
		member, err := tx.IsGroupMember(ctx, accountID, g.ID, u.ID)
		if err != nil || member {
			return err
		}
		n, err := tx.CountGroupsForUser(ctx, accountID, u.ID)
		if err != nil {
			return err
		}
		if err := CheckCount(QuotaGroupsPerUser, n, s.quotas.GroupsPerUser); err != nil {
			return err
		}
		return mapStoreErr(tx.AddUserToGroup(ctx, accountID, g.ID, u.ID), noSuchUser(userName), nil)
	})
}

// RemoveUserFromGroup ends a membership (RemoveUserFromGroup); a user who
// is not a member is NoSuchEntity.
func (s *Service) RemoveUserFromGroup(ctx context.Context, accountID, groupName, userName string) error {
	if err := firstInvalid(ValidateGroupName(groupName), ValidateExistingUserName(userName)); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		g, u, err := groupAndUser(ctx, tx, accountID, groupName, userName)
		if err != nil {
			return err
		}
		err = tx.RemoveUserFromGroup(ctx, accountID, g.ID, u.ID)
		return mapStoreErr(err, NoSuchEntity("User %s is not in group %s.", u.Name, g.Name), nil)
	})
}

// ListGroupsForUser lists one page of the groups a user belongs to, ordered
// by name (key store.NameKey(group.Name)).
func (s *Service) ListGroupsForUser(ctx context.Context, accountID, userName string, p store.Page) ([]Group, bool, error) {
	if err := ValidateExistingUserName(userName); err != nil {
		return nil, false, err
	}
	var out []Group
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		u, err := lookupUser(ctx, tx, accountID, userName)
		if err != nil {
			return err
		}
		gs, m, err := tx.ListGroupsForUser(ctx, accountID, u.ID, p)
		out, more = groupsFromStore(gs), m
		return err
	})
	return out, more, err
}

// GroupsOfUser returns every group the user with ID userID belongs to, for
// the authorization layer (a user's permissions include its groups'
// policies). An unknown user has none.
func (s *Service) GroupsOfUser(ctx context.Context, accountID, userID string) ([]Group, error) {
	var out []Group
	err := s.view(ctx, func(tx store.Txn) error {
		gs, _, err := tx.ListGroupsForUser(ctx, accountID, userID, store.Page{})
		out = groupsFromStore(gs)
		return err
	})
	return out, err
}
