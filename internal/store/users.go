package store

// Area: users (owner: users engineer). Add here the record types and the
// methods of users, groups, group membership and login profiles; implement
// them in sqlite/users.go (and later postgres/), with the schema in
// sqlite/migrations/0010-0019_*.sql and the conformance tests in
// storetest/users.go. Access keys (root and user) already exist in
// accesskeys.go; tags in tags.go (TagKindUser). See README.md.
//
// Expected (proposal): users(account_id, user_id PK, name, name_key UNIQUE per
// account, path, permissions_boundary_arn, created_at, password_last_used),
// groups(...), group_members(account_id, group_id, user_id), login_profiles
// (account_id, user_id PK, password_hash [secret.HashPassword],
// password_reset_required, created_at); Count* methods for
// GetAccountSummary and quotas; List* with Page (key: NameKey(name)) and a
// path prefix.

// UserStore manages IAM users.
type UserStore interface{}

// GroupStore manages groups and group membership.
type GroupStore interface{}

// LoginProfileStore manages users' console passwords.
type LoginProfileStore interface{}
