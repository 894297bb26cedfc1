package iam

// Reads for the authorization layer: the identity policies of a principal
// (attached managed policies at their default version, and inline
// policies), as documents. Compiling them is the caller's business.

import (
	"context"

	"github.com/iamd/iamd/internal/store"
)

// PolicyDocument is one identity policy of a principal.
type PolicyDocument struct {
	// Managed policies: the policy ARN and its default version; inline
	// policies: ARN "" and Name the inline policy's name.
	ARN        string
	Name       string
	VersionID  string
	AWSManaged bool
	Document   string
}

// PrincipalPolicies are the identity policies attached to or embedded in
// one user, group or role.
type PrincipalPolicies struct {
	Managed []PolicyDocument // attachment order (policy name, then ARN)
	Inline  []PolicyDocument // by name, case-insensitively
}

// PrincipalPolicies returns the identity policies of one principal
// (kind: store.PrincipalUser, PrincipalGroup or PrincipalRole; principalID
// its unique ID) in one read-only transaction. A principal without
// policies (or that does not exist) has none. For a user, the policies of
// its groups are separate: see UserPolicies.
func (s *Service) PrincipalPolicies(ctx context.Context, accountID, kind, principalID string) (PrincipalPolicies, error) {
	var out PrincipalPolicies
	err := s.view(ctx, func(tx store.Txn) error {
		var err error
		out, err = principalPolicies(ctx, tx, accountID, kind, principalID)
		return err
	})
	return out, err
}

// UserPolicies returns a user's own identity policies and those of each of
// its groups (keyed by group ID), read in one transaction.
func (s *Service) UserPolicies(ctx context.Context, accountID, userID string) (user PrincipalPolicies, groups map[string]PrincipalPolicies, err error) {
	err = s.view(ctx, func(tx store.Txn) error {
		var err error
		if user, err = principalPolicies(ctx, tx, accountID, store.PrincipalUser, userID); err != nil {
			return err
		}
		gs, _, err := tx.ListGroupsForUser(ctx, accountID, userID, store.Page{})
		if err != nil {
			return err
		}
		groups = make(map[string]PrincipalPolicies, len(gs))
		for _, g := range gs {
			if groups[g.ID], err = principalPolicies(ctx, tx, accountID, store.PrincipalGroup, g.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return user, groups, err
}

// principalPolicies reads one principal's policies inside tx.
func principalPolicies(ctx context.Context, tx store.Txn, accountID, kind, principalID string) (PrincipalPolicies, error) {
	var out PrincipalPolicies
	attached, _, err := tx.ListAttachedPolicies(ctx, accountID, kind, principalID, "", store.Page{})
	if err != nil {
		return out, err
	}
	var local map[string]store.AttachedDocument
	for _, a := range attached {
		if IsAWSManagedPolicyARN(a.PolicyARN) {
			mp, ok := ManagedPolicyByARN(a.PolicyARN)
			if !ok {
				// Attached in an earlier release that shipped it: no
				// document to grant anything with.
				continue
			}
			out.Managed = append(out.Managed, PolicyDocument{ARN: mp.ARN, Name: mp.Name, VersionID: mp.DefaultVersionID,
				AWSManaged: true, Document: mp.Document})
			continue
		}
		if local == nil {
			docs, err := tx.ListAttachedPolicyDocuments(ctx, accountID, kind, principalID)
			if err != nil {
				return out, err
			}
			local = make(map[string]store.AttachedDocument, len(docs))
			for _, d := range docs {
				local[d.PolicyARN] = d
			}
		}
		if d, ok := local[a.PolicyARN]; ok {
			out.Managed = append(out.Managed, PolicyDocument{ARN: d.PolicyARN, Name: a.PolicyName,
				VersionID: d.DefaultVersionID, Document: d.Document})
		}
	}
	inline, _, err := tx.ListInlinePolicies(ctx, accountID, kind, principalID, store.Page{})
	if err != nil {
		return out, err
	}
	for _, p := range inline {
		out.Inline = append(out.Inline, PolicyDocument{Name: p.Name, Document: p.Document})
	}
	return out, nil
}

// ManagedPolicyDocument returns the default version's document of a managed
// policy (customer of the account, or AWS managed), e.g. a permissions
// boundary or a session policy ARN. NoSuchEntity when it does not exist.
func (s *Service) ManagedPolicyDocument(ctx context.Context, accountID, policyARN string) (PolicyDocument, error) {
	var out PolicyDocument
	err := s.view(ctx, func(tx store.Txn) error {
		ref, err := resolvePolicy(ctx, tx, accountID, policyARN, noSuchAttachablePolicy)
		if err != nil {
			return err
		}
		if ref.aws != nil {
			out = PolicyDocument{ARN: ref.aws.ARN, Name: ref.aws.Name, VersionID: ref.aws.DefaultVersionID, AWSManaged: true, Document: ref.aws.Document}
			return nil
		}
		v, err := tx.GetPolicyVersion(ctx, accountID, ref.local.ID, ref.local.DefaultVersionID)
		if err != nil {
			return err
		}
		out = PolicyDocument{ARN: ref.local.ARN, Name: ref.local.Name, VersionID: v.VersionID, Document: v.Document}
		return nil
	})
	return out, err
}
