package api_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/iamd/iamd/internal/api"
)

func TestPageFrom(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	str := func(v string) *string { return &v }
	tests := []struct {
		name     string
		marker   *string
		maxItems *int32
		want     api.Page
		wantErr  bool
	}{
		{"defaults", nil, nil, api.Page{Limit: 100}, false},
		{"max items", nil, i32(5), api.Page{Limit: 5}, false},
		{"clamped high (the model rejects it before)", nil, i32(5000), api.Page{Limit: 1000}, false},
		{"marker", str(api.EncodeMarker("bob")), nil, api.Page{After: "bob", Limit: 100}, false},
		{"empty marker is the first page", str(""), nil, api.Page{Limit: 100}, false},
		{"foreign marker", str("not-ours"), nil, api.Page{}, true},
		{"base64 without our prefix", str("Ym9i"), nil, api.Page{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := api.PageFrom(tt.marker, tt.maxItems)
			if tt.wantErr {
				var ae api.AWSError
				if !errors.As(err, &ae) || ae.AWSErrorCode() != "InvalidInput" {
					t.Fatalf("got %v, want InvalidInput", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestPaginateWalk pages through a list with every page size and checks that
// the concatenated pages are the list, that IsTruncated is false exactly on
// the last page, and that a marker survives deletion of its item.
func TestPaginateWalk(t *testing.T) {
	var items []string
	for i := range 7 {
		items = append(items, fmt.Sprintf("user%02d", i))
	}
	key := func(s string) string { return s }
	for size := 1; size <= 8; size++ {
		var got []string
		p := api.Page{Limit: size}
		for n := 0; ; n++ {
			page, truncated, next := api.Paginate(items, key, p)
			got = append(got, page...)
			if truncated != (next != nil) {
				t.Fatalf("size %d: truncated=%v next=%v", size, truncated, next)
			}
			if !truncated {
				break
			}
			if n > len(items) {
				t.Fatalf("size %d: no progress", size)
			}
			var err error
			if p, err = api.PageFrom(next, nil); err != nil {
				t.Fatal(err)
			}
			p.Limit = size
		}
		if strings.Join(got, ",") != strings.Join(items, ",") {
			t.Errorf("size %d: got %v", size, got)
		}
	}
	// The item a marker points at is deleted before the next call.
	page, _, next := api.Paginate(items, key, api.Page{Limit: 3})
	p, err := api.PageFrom(next, nil)
	if err != nil {
		t.Fatal(err)
	}
	rest := append(append([]string{}, items[:2]...), items[3:]...)
	page2, _, _ := api.Paginate(rest, key, p)
	if page[2] != "user02" || len(page2) == 0 || page2[0] != "user03" {
		t.Errorf("after deletion: first page %v, next page %v", page, page2)
	}
}
