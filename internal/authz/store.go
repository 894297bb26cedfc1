package authz

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
	"github.com/iamd/iamd/internal/store"
)

// StoreSource gathers policies and resolves entities from the store. It
// implements PolicySource, Resolver, Revisions and KeyAgeLimits; each call is one
// read-only transaction (a consistent snapshot).
type StoreSource struct {
	st store.Store
	// aws holds the shipped AWS managed policies by ARN (they are not rows).
	aws map[string]iam.ManagedPolicy
}

// NewStoreSource returns the store-backed source.
func NewStoreSource(st store.Store) *StoreSource {
	m := map[string]iam.ManagedPolicy{}
	for _, p := range iam.ManagedPolicies() {
		m[p.ARN] = p
	}
	return &StoreSource{st: st, aws: m}
}

// Revision implements Revisions.
func (s *StoreSource) Revision(ctx context.Context, accountID string) (int64, error) {
	var rev int64
	err := s.st.View(ctx, func(tx store.Txn) error {
		var err error
		rev, err = tx.Revision(ctx, accountID)
		return err
	})
	return rev, err
}

// MaxAccessKeyAge implements KeyAgeLimits.
func (s *StoreSource) MaxAccessKeyAge(ctx context.Context, accountID string) (time.Duration, error) {
	var age time.Duration
	err := s.st.View(ctx, func(tx store.Txn) error {
		var err error
		age, err = iam.ReadMaxAccessKeyAge(ctx, tx, accountID)
		return err
	})
	return age, err
}

// Policies implements PolicySource.
func (s *StoreSource) Policies(ctx context.Context, sub Subject) (Policies, error) {
	var out Policies
	err := s.st.View(ctx, func(tx store.Txn) error {
		out = Policies{}
		acct := sub.AccountID
		var id, boundary string
		var inlineType SourceType
		switch sub.Kind {
		case store.PrincipalUser:
			u, err := tx.GetUserByName(ctx, acct, sub.Name)
			if err != nil {
				return notFound(err, sub)
			}
			id, boundary, inlineType = u.ID, u.PermissionsBoundaryARN, SourceUser
			out.ARN = iam.UserARN(acct, u.Path, u.Name)
			if out.Tags, err = tags(ctx, tx, acct, store.TagKindUser, u.ID); err != nil {
				return err
			}
		case store.PrincipalGroup:
			g, err := tx.GetGroupByName(ctx, acct, sub.Name)
			if err != nil {
				return notFound(err, sub)
			}
			id, inlineType = g.ID, SourceGroup
			out.ARN = iam.GroupARN(acct, g.Path, g.Name)
		case store.PrincipalRole:
			r, err := tx.GetRoleByName(ctx, acct, sub.Name)
			if err != nil {
				return notFound(err, sub)
			}
			id, boundary, inlineType = r.ID, r.PermissionsBoundaryARN, SourceRole
			out.ARN = iam.RoleARN(acct, r.Path, r.Name)
			if out.Tags, err = tags(ctx, tx, acct, store.TagKindRole, r.ID); err != nil {
				return err
			}
		default:
			return fmt.Errorf("authz: unknown principal kind %q", sub.Kind)
		}
		out.ID = id
		if err := s.principalDocs(ctx, tx, acct, sub.Kind, id, inlineType, &out.Identity); err != nil {
			return err
		}
		if sub.Kind == store.PrincipalUser {
			groups, _, err := tx.ListGroupsForUser(ctx, acct, id, store.Page{})
			if err != nil {
				return err
			}
			for _, g := range groups {
				out.Groups = append(out.Groups, g.Name)
				if err := s.principalDocs(ctx, tx, acct, store.PrincipalGroup, g.ID, SourceGroup, &out.Identity); err != nil {
					return err
				}
			}
		}
		if boundary != "" {
			d, ok, err := s.managedDoc(ctx, tx, acct, boundary)
			if err != nil {
				return err
			}
			if !ok {
				// A boundary that names no policy allows nothing: keep it as
				// an empty allow-nothing document rather than dropping the
				// limit.
				d = Doc{ID: boundary, Type: SourceUserManaged, Document: `{"Version":"2012-10-17","Statement":[]}`}
			}
			out.Boundary = &d
		}
		return nil
	})
	return out, err
}

func notFound(err error, sub Subject) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s %s", ErrNoSuchSubject, sub.Kind, sub.Name)
	}
	return err
}

func tags(ctx context.Context, tx store.Txn, acct, kind, id string) ([]policy.Tag, error) {
	ts, err := tx.ListTags(ctx, acct, kind, id)
	if err != nil {
		return nil, err
	}
	out := make([]policy.Tag, len(ts))
	for i, t := range ts {
		out[i] = policy.Tag{Key: t.Key, Value: t.Value}
	}
	return out, nil
}

// principalDocs appends the inline and attached managed policies of one
// user, group or role.
func (s *StoreSource) principalDocs(ctx context.Context, tx store.Txn, acct, kind, id string, inlineType SourceType, out *[]Doc) error {
	inline, _, err := tx.ListInlinePolicies(ctx, acct, kind, id, store.Page{})
	if err != nil {
		return err
	}
	for _, p := range inline {
		*out = append(*out, Doc{ID: p.Name, Type: inlineType, Document: p.Document})
	}
	attached, _, err := tx.ListAttachedPolicies(ctx, acct, kind, id, "", store.Page{})
	if err != nil {
		return err
	}
	var customer map[string]string
	for _, a := range attached {
		if p, ok := s.aws[a.PolicyARN]; ok {
			*out = append(*out, Doc{ID: a.PolicyARN, Type: SourceAWSManaged, Document: p.Document})
			continue
		}
		if customer == nil {
			docs, err := tx.ListAttachedPolicyDocuments(ctx, acct, kind, id)
			if err != nil {
				return err
			}
			customer = make(map[string]string, len(docs))
			for _, d := range docs {
				customer[d.PolicyARN] = d.Document
			}
		}
		if d, ok := customer[a.PolicyARN]; ok {
			*out = append(*out, Doc{ID: a.PolicyARN, Type: SourceUserManaged, Document: d})
		}
	}
	return nil
}

// Managed implements PolicySource.
func (s *StoreSource) Managed(ctx context.Context, acct string, arns []string) ([]Doc, error) {
	var out []Doc
	err := s.st.View(ctx, func(tx store.Txn) error {
		out = out[:0]
		for _, arn := range arns {
			d, ok, err := s.managedDoc(ctx, tx, acct, arn)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, d)
			}
		}
		return nil
	})
	return out, err
}

// managedDoc returns the default version of a managed policy by ARN.
func (s *StoreSource) managedDoc(ctx context.Context, tx store.Txn, acct, arn string) (Doc, bool, error) {
	if p, ok := s.aws[arn]; ok {
		return Doc{ID: arn, Type: SourceAWSManaged, Document: p.Document}, true, nil
	}
	p, ok, err := customerPolicy(ctx, tx, acct, arn)
	if err != nil || !ok {
		return Doc{}, false, err
	}
	v, err := tx.GetPolicyVersion(ctx, acct, p.ID, p.DefaultVersionID)
	if errors.Is(err, store.ErrNotFound) {
		return Doc{}, false, nil
	}
	if err != nil {
		return Doc{}, false, err
	}
	return Doc{ID: arn, Type: SourceUserManaged, Document: v.Document}, true, nil
}

// customerPolicy finds a customer managed policy of the account by ARN.
func customerPolicy(ctx context.Context, tx store.Txn, acct, arn string) (store.ManagedPolicy, bool, error) {
	a, err := iam.ParseARN(arn)
	if err != nil || a.Account != acct {
		return store.ManagedPolicy{}, false, nil
	}
	typ, _, name, ok := a.PathName()
	if !ok || typ != "policy" {
		return store.ManagedPolicy{}, false, nil
	}
	p, err := tx.GetPolicyByName(ctx, acct, name)
	if errors.Is(err, store.ErrNotFound) || err == nil && p.ARN != arn {
		return store.ManagedPolicy{}, false, nil
	}
	return p, err == nil, err
}

// Entity implements Resolver.
func (s *StoreSource) Entity(ctx context.Context, acct string, kind EntityKind, key string) (Entity, bool, error) {
	var out Entity
	var found bool
	err := s.st.View(ctx, func(tx store.Txn) error {
		var err error
		out, found, err = s.entity(ctx, tx, acct, kind, key)
		return err
	})
	return out, found, err
}

func (s *StoreSource) entity(ctx context.Context, tx store.Txn, acct string, kind EntityKind, key string) (Entity, bool, error) {
	missing := func(err error) (Entity, bool, error) {
		if errors.Is(err, store.ErrNotFound) {
			return Entity{}, false, nil
		}
		return Entity{}, false, err
	}
	withTags := func(e Entity, tagKind, id string) (Entity, bool, error) {
		t, err := tags(ctx, tx, acct, tagKind, id)
		if err != nil {
			return Entity{}, false, err
		}
		e.Tags = t
		return e, true, nil
	}
	switch kind {
	case EntityUser:
		u, err := tx.GetUserByName(ctx, acct, key)
		if err != nil {
			return missing(err)
		}
		return withTags(Entity{ARN: iam.UserARN(acct, u.Path, u.Name), PermissionsBoundary: u.PermissionsBoundaryARN, Kind: EntityUser}, store.TagKindUser, u.ID)
	case EntityGroup:
		g, err := tx.GetGroupByName(ctx, acct, key)
		if err != nil {
			return missing(err)
		}
		return Entity{ARN: iam.GroupARN(acct, g.Path, g.Name), Kind: EntityGroup}, true, nil
	case EntityRole:
		r, err := tx.GetRoleByName(ctx, acct, key)
		if err != nil {
			return missing(err)
		}
		return withTags(Entity{ARN: iam.RoleARN(acct, r.Path, r.Name), PermissionsBoundary: r.PermissionsBoundaryARN, Kind: EntityRole}, store.TagKindRole, r.ID)
	case EntityInstanceProfile:
		p, err := tx.GetInstanceProfileByName(ctx, acct, key)
		if err != nil {
			return missing(err)
		}
		return withTags(Entity{ARN: iam.InstanceProfileARN(acct, p.Path, p.Name), Kind: EntityInstanceProfile}, store.TagKindInstanceProfile, p.ID)
	case EntityPolicy:
		if _, ok := s.aws[key]; ok {
			return Entity{ARN: key, Kind: EntityPolicy}, true, nil
		}
		p, ok, err := customerPolicy(ctx, tx, acct, key)
		if err != nil || !ok {
			return Entity{}, false, err
		}
		return withTags(Entity{ARN: p.ARN, Kind: EntityPolicy}, store.TagKindPolicy, p.ID)
	case EntityMFADevice:
		d, err := tx.GetMFADevice(ctx, acct, key)
		if err != nil {
			return missing(err)
		}
		return withTags(Entity{ARN: d.SerialNumber, Kind: EntityMFADevice}, store.TagKindMFADevice, d.SerialNumber)
	case EntityOIDCProvider:
		p, err := tx.GetOIDCProvider(ctx, acct, key)
		if err != nil {
			return missing(err)
		}
		return withTags(Entity{ARN: p.ARN, Kind: EntityOIDCProvider}, store.TagKindOIDCProvider, p.ARN)
	case EntityAccessKeyOwner:
		k, err := tx.GetAccessKey(ctx, key)
		if err != nil {
			return missing(err)
		}
		if k.AccountID != acct {
			return Entity{}, false, nil
		}
		if k.UserID == "" {
			return Entity{ARN: iam.RootARN(acct)}, true, nil
		}
		u, err := tx.GetUserByID(ctx, acct, k.UserID)
		if err != nil {
			return missing(err)
		}
		return withTags(Entity{ARN: iam.UserARN(acct, u.Path, u.Name), PermissionsBoundary: u.PermissionsBoundaryARN, Kind: EntityUser}, store.TagKindUser, u.ID)
	}
	// Server certificates and SAML providers have no store yet: their ARN
	// is built from the request.
	return Entity{}, false, nil
}
