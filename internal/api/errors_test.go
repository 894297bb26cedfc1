package api_test

import (
	"testing"

	"github.com/iamd/iamd/internal/api"
)

// TestErrorStatus pins the code → HTTP status table of protocol.md §5.4/§6.
func TestErrorStatus(t *testing.T) {
	srv, err := api.New(api.Options{Authenticator: sigv4Authn{}, Authorizer: denyKeyAuthz{}})
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]int{
		"NoSuchEntity": 404, "EntityAlreadyExists": 409, "LimitExceeded": 409, "DeleteConflict": 409,
		"ConcurrentModification": 409, "EntityTemporarilyUnmodifiable": 409, "InvalidInput": 400,
		"MalformedPolicyDocument": 400, "UnmodifiableEntity": 400, "PolicyNotAttachable": 400,
		"PasswordPolicyViolation": 400, "InvalidAuthenticationCode": 403, "ServiceFailure": 500,
		"ReportNotPresent": 410, "ReportExpired": 410, "ReportInProgress": 404, "DuplicateCertificate": 409,
		"FeatureDisabled": 404, "FeatureEnabled": 409,
		"PackedPolicyTooLarge": 400, "RegionDisabledException": 403, "ExpiredTokenException": 400,
		"IDPRejectedClaim": 403, "InvalidIdentityToken": 400, "IDPCommunicationError": 400,
		"AccessDenied": 403, "ValidationError": 400, "InvalidAction": 400, "MissingAuthenticationToken": 403,
		"InvalidClientTokenId": 403, "ExpiredToken": 403, "SignatureDoesNotMatch": 403, "IncompleteSignature": 400,
		"Throttling": 400, "ServiceUnavailable": 503, "NotImplemented": 501,
		"SomethingNobodyListed": 400,
	} {
		if got := srv.ErrorStatus(code); got != want {
			t.Errorf("ErrorStatus(%s) = %d, want %d", code, got, want)
		}
	}
}
