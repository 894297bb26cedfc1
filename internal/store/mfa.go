package store

// Area: account (owner: account engineer). Add here the record types and
// the methods of MFA devices (virtual TOTP devices, assignment to a user or
// the root, last accepted time step for replay protection); implement them
// in sqlite/mfa.go, schema in sqlite/migrations/0040-0049_*.sql, conformance
// tests in storetest/mfa.go. The seed is sealed with internal/secret. Tags:
// tags.go (TagKindMFADevice). The account itself, aliases, settings (password
// policy) are in account.go and already implemented. See README.md.

// MFAStore manages MFA devices.
type MFAStore interface{}
