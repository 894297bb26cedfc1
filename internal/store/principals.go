package store

// Kinds of principals that policies attach to and inline policies belong to.
// Shared by the policies area (attachments, inline policies) and the areas
// whose deletes must check them (users, groups, roles).
const (
	PrincipalUser  = "user"
	PrincipalGroup = "group"
	PrincipalRole  = "role"
)
