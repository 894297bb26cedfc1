package iam

// Inline policies of users, groups and roles (Put/Get/List/Delete
// {User,Group,Role}Policy).

import (
	"context"

	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/store"
)

func inlinePolicyNotFound(kind, name string) *Error {
	return NoSuchEntity("The %s policy with name %s cannot be found.", kind, name)
}

// InlinePolicy is an inline policy with its document as submitted.
type InlinePolicy struct {
	PrincipalName string // the user, group or role, as stored
	PolicyName    string
	Document      string
}

// PutInlinePolicy creates or replaces (by name, case-insensitively) an
// inline policy of the named user, group or role. The document is
// validated as an identity policy; the aggregate size of the principal's
// inline policies after the change is limited by the per-kind quota
// (UserPolicySize, GroupPolicySize, RolePolicySize; counted like
// policy.Size).
func (s *Service) PutInlinePolicy(ctx context.Context, accountID, kind, principalName, policyName, doc string) error {
	if err := ValidatePolicyName(policyName); err != nil {
		return err
	}
	if _, err := policy.Parse(policy.KindIdentity, []byte(doc)); err != nil {
		return malformed(err)
	}
	return s.tx(ctx, func(tx store.Txn) error {
		pr, err := principalByName(ctx, tx, accountID, kind, principalName)
		if err != nil {
			return err
		}
		existing, _, err := tx.ListInlinePolicies(ctx, accountID, kind, pr.id, store.Page{})
		if err != nil {
			return err
		}
		total := policy.Size([]byte(doc))
		for _, p := range existing {
			if store.NameKey(p.Name) != store.NameKey(policyName) {
				total += policy.Size([]byte(p.Document))
			}
		}
		if limit := s.quotas.InlineSizeLimit(kind); total > limit {
			return LimitExceeded("Maximum policy size of %d bytes exceeded for %s %s", limit, kind, pr.name)
		}
		return tx.PutInlinePolicy(ctx, store.InlinePolicy{AccountID: accountID, PrincipalKind: kind, PrincipalID: pr.id,
			Name: policyName, Document: doc})
	})
}

// GetInlinePolicy returns an inline policy of the named principal.
func (s *Service) GetInlinePolicy(ctx context.Context, accountID, kind, principalName, policyName string) (InlinePolicy, error) {
	var out InlinePolicy
	err := s.view(ctx, func(tx store.Txn) error {
		pr, err := principalByName(ctx, tx, accountID, kind, principalName)
		if err != nil {
			return err
		}
		p, err := tx.GetInlinePolicy(ctx, accountID, kind, pr.id, policyName)
		if err != nil {
			return mapStoreErr(err, inlinePolicyNotFound(kind, policyName), nil)
		}
		out = InlinePolicy{PrincipalName: pr.name, PolicyName: p.Name, Document: p.Document}
		return nil
	})
	return out, err
}

// ListInlinePolicyNames lists the names of the principal's inline policies
// ordered by store.NameKey(name) (the page key).
func (s *Service) ListInlinePolicyNames(ctx context.Context, accountID, kind, principalName string, p store.Page) ([]string, bool, error) {
	var out []string
	var more bool
	err := s.view(ctx, func(tx store.Txn) error {
		out = nil
		pr, err := principalByName(ctx, tx, accountID, kind, principalName)
		if err != nil {
			return err
		}
		ps, m, err := tx.ListInlinePolicies(ctx, accountID, kind, pr.id, p)
		if err != nil {
			return err
		}
		more = m
		for _, ip := range ps {
			out = append(out, ip.Name)
		}
		return nil
	})
	return out, more, err
}

// DeleteInlinePolicy deletes an inline policy of the named principal.
func (s *Service) DeleteInlinePolicy(ctx context.Context, accountID, kind, principalName, policyName string) error {
	return s.tx(ctx, func(tx store.Txn) error {
		pr, err := principalByName(ctx, tx, accountID, kind, principalName)
		if err != nil {
			return err
		}
		return mapStoreErr(tx.DeleteInlinePolicy(ctx, accountID, kind, pr.id, policyName), inlinePolicyNotFound(kind, policyName), nil)
	})
}
