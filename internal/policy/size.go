package policy

import (
	"fmt"
	"unicode/utf8"
)

// SizeError is a quota violation on a policy document, in AWS's words.
type SizeError struct {
	Code    string // "LimitExceeded" or "ValidationError"
	Message string
}

func (e *SizeError) Error() string        { return e.Code + ": " + e.Message }
func (e *SizeError) AWSErrorCode() string { return e.Code }
func (e *SizeError) AWSMessage() string   { return e.Message }

// Size counts the characters of doc that IAM counts against its quotas:
// every character except white space (space, tab, CR, LF) outside JSON
// strings. AWS only says it "does not count white space"; white space inside
// strings is content and counts.
func Size(doc []byte) int {
	n := 0
	inString, escaped := false, false
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		i += size
		if inString {
			n++
			switch {
			case escaped:
				escaped = false
			case r == '\\':
				escaped = true
			case r == '"':
				inString = false
			}
			continue
		}
		switch r {
		case ' ', '\t', '\r', '\n':
			continue
		case '"':
			inString = true
		}
		n++
	}
	return n
}

// SizeLimit is the quota for one document of the kind, in the units Size
// counts (KindSession: plain characters, white space included).
func SizeLimit(kind Kind) int {
	switch kind {
	case KindIdentity, KindBoundary:
		return 6144 // managed policy document (each version)
	case KindTrust:
		return 2048 // AssumeRolePolicySizeQuota default
	case KindSession:
		return 2048 // the Policy parameter of AssumeRole* / GetFederationToken
	case KindSCP:
		return 5120
	}
	return 20480 // resource-based policies
}

// CheckSize returns a *SizeError when doc exceeds its kind's quota. For
// identity policies it checks the managed-policy quota; inline policies are
// limited in aggregate per entity, see CheckInlineSize.
func CheckSize(kind Kind, doc []byte) error {
	limit := SizeLimit(kind)
	switch kind {
	case KindSession:
		if utf8.RuneCount(doc) > limit {
			return &SizeError{Code: "ValidationError", Message: fmt.Sprintf(
				"1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", limit)}
		}
		return nil
	case KindTrust:
		if Size(doc) > limit {
			return &SizeError{Code: "LimitExceeded", Message: fmt.Sprintf("Cannot exceed quota for ACLSizePerRole: %d", limit)}
		}
		return nil
	}
	if Size(doc) > limit {
		return &SizeError{Code: "LimitExceeded", Message: fmt.Sprintf("Cannot exceed quota for PolicySize: %d", limit)}
	}
	return nil
}

// InlineSizeLimit is the aggregate quota of the inline policies of a
// "user" (2048), "group" (5120) or "role" (10240).
func InlineSizeLimit(entityType string) int {
	switch entityType {
	case "user":
		return 2048
	case "group":
		return 5120
	case "role":
		return 10240
	}
	return 0
}

// CheckInlineSize checks the aggregate size of all the inline policies of
// one entity (the new or replaced document included) against its quota.
func CheckInlineSize(entityType, entityName string, docs ...[]byte) error {
	limit := InlineSizeLimit(entityType)
	total := 0
	for _, d := range docs {
		total += Size(d)
	}
	if total > limit {
		return &SizeError{Code: "LimitExceeded", Message: fmt.Sprintf(
			"Maximum policy size of %d bytes exceeded for %s %s", limit, entityType, entityName)}
	}
	return nil
}
