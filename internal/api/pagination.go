package api

import (
	"encoding/base64"
	"sort"
	"strings"
)

// Pagination of IAM list operations (protocol.md §7): MaxItems 1..1000
// (range checked by the model), default 100; an opaque Marker; IsTruncated
// always set, Marker only when truncated.
const (
	DefaultMaxItems = 100
	MaxMaxItems     = 1000
)

// markerPrefix versions the marker format so that it can change without
// misreading old markers.
const markerPrefix = "v1:"

// Page is a decoded page request: return items whose key sorts after After,
// at most Limit of them.
type Page struct {
	After string // "" on the first page
	Limit int
}

// PageFrom decodes the Marker and MaxItems members of a list input. A marker
// this server did not issue is InvalidInput.
func PageFrom(marker *string, maxItems *int32) (Page, error) {
	p := Page{Limit: DefaultMaxItems}
	if maxItems != nil {
		p.Limit = min(max(int(*maxItems), 1), MaxMaxItems)
	}
	if marker != nil && *marker != "" {
		key, err := DecodeMarker(*marker)
		if err != nil {
			return Page{}, err
		}
		p.After = key
	}
	return p, nil
}

// EncodeMarker turns the sort key of the last item of a page into an opaque
// marker.
func EncodeMarker(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(markerPrefix + key))
}

// DecodeMarker returns the sort key inside a marker made by EncodeMarker.
func DecodeMarker(m string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || !strings.HasPrefix(string(b), markerPrefix) {
		return "", newError(CodeInvalidInput, "Invalid Marker.")
	}
	return string(b[len(markerPrefix):]), nil
}

// Paginate cuts one page out of items, which must be sorted by key in
// ascending byte order (use a key such as lower(name)+"\x00"+name for AWS's
// case-insensitive order). It returns the page, whether more items follow
// and, if so, the marker of the next page. Keying on the last item rather
// than an offset keeps pages stable when items are added or removed between
// calls.
func Paginate[T any](items []T, key func(T) string, p Page) (page []T, truncated bool, next *string) {
	start := 0
	if p.After != "" {
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > p.After })
	}
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultMaxItems
	}
	end := min(start+limit, len(items))
	page = items[start:end]
	if end < len(items) {
		m := EncodeMarker(key(items[end-1]))
		return page, true, &m
	}
	return page, false, nil
}
