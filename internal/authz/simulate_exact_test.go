package authz

import "testing"

// TestPrincipalForNeedsTheExactARN: SimulatePrincipalPolicy and
// GetContextKeysForPrincipalPolicy are authorized on PolicySourceArn as
// given, and the entity is found by the name in it: an ARN with another
// path or another case of the name must name no entity, or a caller allowed
// to simulate user/teamx/* would see the policies of user/eng/bob.
func TestPrincipalForNeedsTheExactARN(t *testing.T) {
	f := tableFixture()
	for _, tc := range []struct{ arn, name string }{
		{"arn:aws:iam::" + acct + ":user/teamx/bob", "bob"},
		{"arn:aws:iam::" + acct + ":user/bob", "bob"},
		{"arn:aws:iam::" + acct + ":user/eng/BOB", "BOB"},
	} {
		_, _, err := PrincipalFor(t.Context(), f, acct, tc.arn)
		if want := "NoSuchEntity: The user with name " + tc.name + " cannot be found."; err == nil || err.Error() != want {
			t.Errorf("PrincipalFor(%s): %v, want %s", tc.arn, err, want)
		}
	}
	if _, _, err := PrincipalFor(t.Context(), f, acct, "arn:aws:iam::"+acct+":user/eng/bob"); err != nil {
		t.Errorf("the exact ARN: %v", err)
	}
}
