package store

import (
	"context"
	"time"
)

// Area: users. Users, groups, group membership and login profiles. Access
// keys (root and user) are in accesskeys.go, tags in tags.go (TagKindUser;
// groups carry no tags in IAM).

// User is an IAM user. Name is unique per account case-insensitively
// (NameKey); ID (AIDA...) never changes, also across renames, so everything
// that refers to a user (access keys, tags, group membership, policy
// attachments, MFA devices) refers to the ID.
type User struct {
	ID        string // AIDA...
	AccountID string
	Name      string
	Path      string // "/" or "/.../"
	// PermissionsBoundaryARN is the managed policy set as the user's
	// permissions boundary, "" when none.
	PermissionsBoundaryARN string
	CreatedAt              time.Time
	// PasswordLastUsed is the last console sign-in with the user's password;
	// zero when never (or before the store kept it).
	PasswordLastUsed time.Time
}

// UserStore manages IAM users.
type UserStore interface {
	// CreateUser inserts u; ErrConflict if the ID or the name (ignoring case)
	// exists in the account, ErrNotFound if the account does not exist. The
	// users-per-account quota is the domain's (CountUsers in the same Tx).
	CreateUser(ctx context.Context, u User) error
	// GetUserByName finds a user by name, case-insensitively; ErrNotFound if
	// absent.
	GetUserByName(ctx context.Context, accountID, name string) (User, error)
	// GetUserByID finds a user by unique ID; ErrNotFound if absent.
	GetUserByID(ctx context.Context, accountID, userID string) (User, error)
	// ListUsers lists the account's users whose path starts with pathPrefix
	// (case-sensitive; "" = all), ordered by NameKey(Name) (the Page key).
	ListUsers(ctx context.Context, accountID, pathPrefix string, p Page) ([]User, bool, error)
	// UpdateUser renames and/or moves the user with u.ID (UpdateUser): it
	// stores u.Name and u.Path. ErrConflict if another user has the name,
	// ErrNotFound if the user does not exist.
	UpdateUser(ctx context.Context, u User) error
	// SetUserPermissionsBoundary sets ("" clears) the user's boundary policy
	// ARN; ErrNotFound if the user does not exist.
	SetUserPermissionsBoundary(ctx context.Context, accountID, userID, policyARN string) error
	// RecordUserPasswordUse stores the user's last console sign-in. Like
	// RecordAccessKeyUse it is bookkeeping and does not bump the revision.
	// ErrNotFound if the user does not exist.
	RecordUserPasswordUse(ctx context.Context, accountID, userID string, at time.Time) error
	// DeleteUser deletes the user, with its login profile and group
	// memberships; ErrNotFound if absent. It does not touch other areas'
	// rows (access keys, tags, policies, MFA): the domain refuses the delete
	// while they exist (DeleteConflict) or deletes them first (tags).
	DeleteUser(ctx context.Context, accountID, userID string) error
	// CountUsers counts the account's users (quota, GetAccountSummary).
	CountUsers(ctx context.Context, accountID string) (int, error)
}

// Group is an IAM group. Same naming rules as User; groups are not nested
// and carry no tags.
type Group struct {
	ID        string // AGPA...
	AccountID string
	Name      string
	Path      string
	CreatedAt time.Time
}

// GroupStore manages groups and group membership.
type GroupStore interface {
	// CreateGroup inserts g; ErrConflict if the ID or the name (ignoring
	// case) exists in the account, ErrNotFound if the account does not exist.
	CreateGroup(ctx context.Context, g Group) error
	// GetGroupByName finds a group by name, case-insensitively; ErrNotFound
	// if absent.
	GetGroupByName(ctx context.Context, accountID, name string) (Group, error)
	// GetGroupByID finds a group by unique ID; ErrNotFound if absent.
	GetGroupByID(ctx context.Context, accountID, groupID string) (Group, error)
	// ListGroups lists the account's groups whose path starts with
	// pathPrefix ("" = all), ordered by NameKey(Name) (the Page key).
	ListGroups(ctx context.Context, accountID, pathPrefix string, p Page) ([]Group, bool, error)
	// UpdateGroup stores g.Name and g.Path for the group g.ID; ErrConflict if
	// another group has the name, ErrNotFound if the group does not exist.
	UpdateGroup(ctx context.Context, g Group) error
	// DeleteGroup deletes the group (and any membership rows); ErrNotFound if
	// absent. The domain refuses to delete a group with members or policies.
	DeleteGroup(ctx context.Context, accountID, groupID string) error
	// CountGroups counts the account's groups.
	CountGroups(ctx context.Context, accountID string) (int, error)

	// AddUserToGroup makes the user a member of the group; ErrConflict if it
	// already is, ErrNotFound if the user or the group does not exist. The
	// groups-per-user quota is the domain's (CountGroupsForUser).
	AddUserToGroup(ctx context.Context, accountID, groupID, userID string) error
	// RemoveUserFromGroup ends a membership; ErrNotFound if the user is not a
	// member.
	RemoveUserFromGroup(ctx context.Context, accountID, groupID, userID string) error
	// IsGroupMember reports whether the user is a member of the group.
	IsGroupMember(ctx context.Context, accountID, groupID, userID string) (bool, error)
	// ListGroupsForUser lists the groups the user belongs to, ordered by
	// NameKey(group name) (the Page key). An unknown user has none. The
	// authorizer gathers a user's group policies through it (Page{} = all).
	ListGroupsForUser(ctx context.Context, accountID, userID string, p Page) ([]Group, bool, error)
	// ListGroupMembers lists the group's users ordered by NameKey(user name)
	// (the Page key).
	ListGroupMembers(ctx context.Context, accountID, groupID string, p Page) ([]User, bool, error)
	// CountGroupMembers counts the group's users (DeleteGroup's conflict
	// check).
	CountGroupMembers(ctx context.Context, accountID, groupID string) (int, error)
	// CountGroupsForUser counts the groups the user belongs to (quota,
	// DeleteUser's conflict check).
	CountGroupsForUser(ctx context.Context, accountID, userID string) (int, error)
}

// LoginProfile is a user's console password.
type LoginProfile struct {
	AccountID string
	UserID    string
	// PasswordHash is the PHC string of secret.PasswordHasher (argon2id),
	// never the password.
	PasswordHash          string
	PasswordResetRequired bool
	CreatedAt             time.Time
	// PasswordChangedAt is when the password was last set (creation or
	// update): the start of its age under MaxPasswordAge.
	PasswordChangedAt time.Time
}

// LoginProfileStore manages users' console passwords.
type LoginProfileStore interface {
	// CreateLoginProfile inserts lp; ErrConflict if the user already has
	// one, ErrNotFound if the user does not exist.
	CreateLoginProfile(ctx context.Context, lp LoginProfile) error
	// GetLoginProfile returns the user's profile; ErrNotFound if none.
	GetLoginProfile(ctx context.Context, accountID, userID string) (LoginProfile, error)
	// UpdateLoginProfile stores lp's hash, reset flag and change time;
	// ErrNotFound if the user has no profile.
	UpdateLoginProfile(ctx context.Context, lp LoginProfile) error
	// DeleteLoginProfile removes the user's profile; ErrNotFound if none.
	DeleteLoginProfile(ctx context.Context, accountID, userID string) error

	// AddPasswordHistory records hash as the user's most recent previous
	// password (replaced at replacedAt) and keeps only the newest keep
	// entries; ErrNotFound if the user does not exist. The history goes with
	// the user, not with the login profile.
	AddPasswordHistory(ctx context.Context, accountID, userID, hash string, replacedAt time.Time, keep int) error
	// ListPasswordHistory returns the user's previous password hashes,
	// newest first (PasswordReusePrevention).
	ListPasswordHistory(ctx context.Context, accountID, userID string) ([]string, error)
}
