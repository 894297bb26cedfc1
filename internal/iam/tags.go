package iam

import (
	"context"

	"github.com/iamd/iamd/internal/store"
)

// taggable is a resource of the Tag*, Untag* and List*Tags operations:
// everything those operations do is the same for all kinds but how the
// resource's identifier is checked and how the resource is found.
type taggable struct {
	// kind is the resource's store.TagKind*.
	kind string
	// check validates the identifier before any transaction (nil: none).
	check func() error
	// find reads the resource inside a Tx for operation op and returns the
	// ID its tags are stored under, or the resource's AWS error (typically
	// NoSuchEntity). An empty ID with no error is a resource that has no
	// tags of its own (an AWS managed policy when listing).
	find func(ctx context.Context, tx store.Txn, op string) (string, error)
}

// checked turns a validator's *Error into an error that is nil when the
// validator found nothing (not a typed nil).
func checked(err *Error) error {
	if err == nil {
		return nil
	}
	return err
}

func (r taggable) validate() error {
	if r.check == nil {
		return nil
	}
	return r.check()
}

// tagResource adds or replaces tags of r (op is the AWS operation): keys
// already present (case-insensitively) are replaced, and more than the
// per-resource quota in all is LimitExceeded.
func (s *Service) tagResource(ctx context.Context, accountID, op string, r taggable, tags []Tag) error {
	if err := r.validate(); err != nil {
		return err
	}
	if err := ValidateTags(tags); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		id, err := r.find(ctx, tx, op)
		if err != nil {
			return err
		}
		existing, err := tx.ListTags(ctx, accountID, r.kind, id)
		if err != nil {
			return err
		}
		merged, verr := MergeTags(tagsFromStore(existing), tags)
		if verr != nil {
			return verr
		}
		if len(merged) > s.quotas.TagsPerResource {
			return LimitExceeded("The number of tags has reached the maximum limit.")
		}
		return tx.PutTags(ctx, accountID, r.kind, id, storeTags(tags))
	})
}

// untagResource removes tags of r by key, case-insensitively; absent keys
// are ignored.
func (s *Service) untagResource(ctx context.Context, accountID, op string, r taggable, keys []string) error {
	if err := r.validate(); err != nil {
		return err
	}
	if err := ValidateTagKeys(keys); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		id, err := r.find(ctx, tx, op)
		if err != nil {
			return err
		}
		return tx.DeleteTags(ctx, accountID, r.kind, id, keys)
	})
}

// listResourceTags returns all of r's tags ordered by store.NameKey(key)
// (the API layer pages through them).
func (s *Service) listResourceTags(ctx context.Context, accountID, op string, r taggable) ([]Tag, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	var out []Tag
	err := s.view(ctx, func(tx store.Txn) error {
		out = nil
		id, err := r.find(ctx, tx, op)
		if err != nil || id == "" {
			return err
		}
		tags, err := tx.ListTags(ctx, accountID, r.kind, id)
		out = tagsFromStore(tags)
		return err
	})
	return out, err
}
