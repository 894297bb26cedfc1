package iam

import (
	"context"

	"github.com/iamd/iamd/internal/store"
)

// What users and groups depend on in other areas: DeleteUser and
// DeleteGroup refuse (DeleteConflict) while policies or MFA devices remain,
// and a permissions boundary is recorded as a usage of its policy.

// dependentCheck is one DeleteConflict precondition: count returns how many
// dependents of the principal remain.
type dependentCheck struct {
	message string
	count   func(ctx context.Context, tx store.Txn, accountID, kind, id string) (int, error)
}

var (
	checkMFADevices = dependentCheck{"Cannot delete entity, must delete MFA device first.",
		func(ctx context.Context, tx store.Txn, accountID, _, id string) (int, error) {
			return tx.CountMFADevicesForUser(ctx, accountID, id)
		}}
	checkInlinePolicies = dependentCheck{"Cannot delete entity, must delete policies first.",
		func(ctx context.Context, tx store.Txn, accountID, kind, id string) (int, error) {
			return tx.CountInlinePolicies(ctx, accountID, kind, id)
		}}
	checkAttachedPolicies = dependentCheck{"Cannot delete entity, must detach all policies first.",
		func(ctx context.Context, tx store.Txn, accountID, kind, id string) (int, error) {
			return tx.CountAttachedPolicies(ctx, accountID, kind, id)
		}}
)

// runDependentChecks returns the first failing check's DeleteConflict.
func runDependentChecks(ctx context.Context, tx store.Txn, accountID, kind, id string, checks ...dependentCheck) error {
	for _, c := range checks {
		n, err := c.count(ctx, tx, accountID, kind, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return DeleteConflict("%s", c.message)
		}
	}
	return nil
}

// recordBoundaryUsage tells the policies area which boundary a principal
// uses ("" = none), so that policy usage counts and DeletePolicy see it.
func recordBoundaryUsage(ctx context.Context, tx store.Txn, accountID, kind, id, policyARN string) error {
	return tx.SetBoundaryUsage(ctx, accountID, kind, id, policyARN)
}
