package iamapi

import (
	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
)

// str is the value of an optional string member, "" when absent.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }

// optStr is nil for "" (an absent optional member).
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nonNil makes an empty list serialise as an empty member rather than be
// left out (the models mark these lists required).
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// shapes converts each item of a list (never nil: list members are
// required in the answers).
func shapes[T, S any](items []T, shape func(T) S) []S {
	out := make([]S, len(items))
	for i, it := range items {
		out[i] = shape(it)
	}
	return out
}

// storePage decodes the Marker and MaxItems members of a list input into
// the store's page.
func storePage(marker *string, maxItems *int32) (store.Page, error) {
	p, err := api.PageFrom(marker, maxItems)
	if err != nil {
		return store.Page{}, err
	}
	return store.Page{After: p.After, Limit: p.Limit}, nil
}

// nextMarker is the IsTruncated and Marker of a page whose last item has
// sort key lastKey.
func nextMarker(more bool, lastKey string) (*bool, *string) {
	if !more {
		return ptr(false), nil
	}
	return ptr(true), ptr(api.EncodeMarker(lastKey))
}

// pageEnd is nextMarker for a page of items, key giving an item's sort key.
func pageEnd[T any](more bool, items []T, key func(T) string) (*bool, *string) {
	last := ""
	if len(items) > 0 {
		last = key(items[len(items)-1])
	}
	return nextMarker(more, last)
}

// Sort keys of the listed entities, as the domain pages them.
func userKey(u iam.User) string                        { return store.NameKey(u.Name) }
func groupKey(g iam.Group) string                      { return store.NameKey(g.Name) }
func roleKey(r iam.Role) string                        { return store.NameKey(r.Name) }
func instanceProfileKey(ip iam.InstanceProfile) string { return store.NameKey(ip.Name) }
func mfaDeviceKey(d iam.MFADevice) string              { return d.SerialNumber }
