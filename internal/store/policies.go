package store

// Area: policies (owner: policies engineer). Add here the record types and
// the methods of managed policies and their versions (customer and the
// preloaded AWS managed ones), attachments to users/groups/roles and the
// inline policies of users/groups/roles; implement them in
// sqlite/policies.go, schema in sqlite/migrations/0030-0039_*.sql,
// conformance tests in storetest/policies.go. Tags: tags.go (TagKindPolicy).
// See README.md.

// PolicyStore manages managed policies, their versions and attachments.
type PolicyStore interface{}

// InlinePolicyStore manages the inline policies of users, groups and roles.
type InlinePolicyStore interface{}
