// Package iam holds the IAM entities and their rules: names, paths, ARNs,
// unique IDs, quotas and validation, and the domain service that applies them
// on top of the store.
package iam

import "fmt"

// Error is a domain error that carries the AWS error code and the message AWS
// returns for it. The API layer maps the code to the HTTP status and the error
// envelope; the Cause, when set, is for the log only and never reaches the
// client.
type Error struct {
	Code    string
	Message string
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// AWSErrorCode and AWSMessage let the API layer recognise domain errors
// without knowing their concrete type.
func (e *Error) AWSErrorCode() string { return e.Code }
func (e *Error) AWSMessage() string   { return e.Message }

// AWS error codes used by IAM (see the botocore model's error shapes).
const (
	CodeNoSuchEntity              = "NoSuchEntity"
	CodeEntityAlreadyExists       = "EntityAlreadyExists"
	CodeLimitExceeded             = "LimitExceeded"
	CodeDeleteConflict            = "DeleteConflict"
	CodeMalformedPolicyDocument   = "MalformedPolicyDocument"
	CodeInvalidInput              = "InvalidInput"
	CodeValidationError           = "ValidationError"
	CodeEntityTemporarilyUnmod    = "EntityTemporarilyUnmodifiable"
	CodePasswordPolicyViolation   = "PasswordPolicyViolation"
	CodeInvalidAuthenticationCode = "InvalidAuthenticationCode"
	CodeConcurrentModification    = "ConcurrentModification"
	CodeUnmodifiableEntity        = "UnmodifiableEntity"
	CodeServiceFailure            = "ServiceFailure"
	CodeAccessDenied              = "AccessDenied"
)

func newErr(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NoSuchEntity reports a missing entity, e.g. "The user with name bob cannot be found."
func NoSuchEntity(format string, args ...any) *Error {
	return newErr(CodeNoSuchEntity, format, args...)
}

// EntityAlreadyExists reports a name collision, e.g. "User with name bob already exists."
func EntityAlreadyExists(format string, args ...any) *Error {
	return newErr(CodeEntityAlreadyExists, format, args...)
}

// LimitExceeded reports a quota violation.
func LimitExceeded(format string, args ...any) *Error {
	return newErr(CodeLimitExceeded, format, args...)
}

// DeleteConflict reports a delete blocked by attached or subordinate entities.
func DeleteConflict(format string, args ...any) *Error {
	return newErr(CodeDeleteConflict, format, args...)
}

// MalformedPolicy reports an invalid policy document with AWS's message.
func MalformedPolicy(format string, args ...any) *Error {
	return newErr(CodeMalformedPolicyDocument, format, args...)
}

// InvalidInput reports a semantically invalid parameter.
func InvalidInput(format string, args ...any) *Error {
	return newErr(CodeInvalidInput, format, args...)
}

// ValidationError reports a parameter that fails the model's constraints
// (length, pattern, range), with AWS's "1 validation error detected: ..." text.
func ValidationError(format string, args ...any) *Error {
	return newErr(CodeValidationError, format, args...)
}

// firstInvalid is the first failed check of several, in order, or nil:
// the checks of an operation's parameters run before any transaction.
func firstInvalid(checks ...*Error) error {
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}
