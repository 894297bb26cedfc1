package iam

import (
	"testing"

	"github.com/iamd/iamd/internal/policy"
)

// Every shipped AWS managed policy is a valid managed identity policy, so
// the authorization layer can compile it (AWS managed policies are exempt
// from the size quota, hence no size check).
func TestManagedPoliciesParse(t *testing.T) {
	for _, p := range ManagedPolicies() {
		if _, err := policy.ParseManaged(policy.KindIdentity, []byte(p.Document)); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}
