package sts

import (
	"context"
	"fmt"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// AWS error codes STS uses beyond IAM's.
const (
	CodeInvalidParameterValue = "InvalidParameterValue"
	CodePackedPolicyTooLarge  = "PackedPolicyTooLarge"
)

func accessDenied(format string, args ...any) *iam.Error {
	return &iam.Error{Code: iam.CodeAccessDenied, Message: fmt.Sprintf(format, args...)}
}

func serviceFailure(err error) *iam.Error {
	return &iam.Error{Code: iam.CodeServiceFailure, Message: "The request processing has failed because of an unknown error, exception or failure.", Cause: err}
}

// validationError is AWS's front-end message for one constraint.
func validationError(value, field, constraint string) *iam.Error {
	return iam.ValidationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

func invalidParameter(format string, args ...any) *iam.Error {
	return &iam.Error{Code: CodeInvalidParameterValue, Message: fmt.Sprintf(format, args...)}
}

const (
	msgMFAInvalid = "MultiFactorAuthentication failed with invalid MFA one time pass code."
	msgMFAMissing = "MultiFactorAuthentication failed, unable to validate MFA code."
	// msgRootAssumeRole is AWS's answer to AssumeRole called with the
	// root's credentials.
	msgRootAssumeRole = "Roles may not be assumed by root accounts."
)

// checkMFA verifies a SerialNumber + TokenCode pair for the caller's own
// device: (false, nil) when none was given.
func (s *Service) checkMFA(ctx context.Context, caller *iam.Identity, serial, code string, now time.Time) (bool, error) {
	if serial == "" && code == "" {
		return false, nil
	}
	if serial == "" || code == "" {
		return false, accessDenied(msgMFAMissing)
	}
	owner := caller.UserID
	switch caller.Kind {
	case iam.IdentityRoot:
		owner = ""
	case iam.IdentityUser:
	default:
		// Role sessions own no MFA device.
		return false, accessDenied(msgMFAInvalid)
	}
	ok, err := s.iam.VerifyMFACode(ctx, caller.AccountID, owner, serial, code)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, accessDenied(msgMFAInvalid)
	}
	return true, nil
}
