package iamapi

import (
	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
)

// tagsIn converts the Tags member of a request (nil when absent).
func tagsIn(tags []iamshape.Tag) []iam.Tag {
	if tags == nil {
		return nil
	}
	out := make([]iam.Tag, len(tags))
	for i, t := range tags {
		out[i] = iam.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// tagsOut converts an entity's tags for an optional Tags member: nil, so
// omitted, when there are none.
func tagsOut(tags []iam.Tag) []iamshape.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]iamshape.Tag, len(tags))
	for i, t := range tags {
		out[i] = iamshape.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// listTagsPage answers a List*Tags call: the marker is decoded first, then
// list reads all the resource's tags (sorted by store.NameKey(key), which is
// the page key) and one page of them is cut. Tags is required in the
// answer, so an empty page is an empty list, never nil.
func listTagsPage(marker *string, maxItems *int32, list func() ([]iam.Tag, error)) (tags []iamshape.Tag, truncated *bool, next *string, err error) {
	p, err := api.PageFrom(marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	all, err := list()
	if err != nil {
		return nil, nil, nil, err
	}
	page, more, next := api.Paginate(all, func(t iam.Tag) string { return store.NameKey(t.Key) }, p)
	out := tagsOut(page)
	if out == nil {
		out = []iamshape.Tag{}
	}
	return out, &more, next, nil
}
