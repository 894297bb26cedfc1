package store

// Area: roles (owner: roles engineer). Add here the record types and the
// methods of roles (incl. permissions boundaries and RoleLastUsed), instance
// profiles and OIDC providers; implement them in sqlite/roles.go, schema in
// sqlite/migrations/0020-0029_*.sql, conformance tests in storetest/roles.go.
// Tags: tags.go (TagKindRole, TagKindInstanceProfile, TagKindOIDCProvider).
// See README.md.

// RoleStore manages roles, their trust policies and permissions boundaries.
type RoleStore interface{}

// InstanceProfileStore manages instance profiles and their (0 or 1) role.
type InstanceProfileStore interface{}

// OIDCProviderStore manages OpenID Connect identity providers.
type OIDCProviderStore interface{}
