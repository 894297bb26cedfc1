package store

import (
	"fmt"
	"testing"
	"time"
)

func TestTruncateAndFetchLimit(t *testing.T) {
	tests := []struct {
		limit, have int
		wantLen     int
		wantMore    bool
		wantFetch   int
	}{
		{limit: 0, have: 5, wantLen: 5, wantFetch: 0},
		{limit: 2, have: 3, wantLen: 2, wantMore: true, wantFetch: 3},
		{limit: 2, have: 2, wantLen: 2, wantFetch: 3},
		{limit: 3, have: 1, wantLen: 1, wantFetch: 4},
		{limit: -1, have: 4, wantLen: 4, wantFetch: 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.limit, "/", tt.have), func(t *testing.T) {
			p := Page{Limit: tt.limit}
			if got := p.FetchLimit(); got != tt.wantFetch {
				t.Errorf("FetchLimit = %d, want %d", got, tt.wantFetch)
			}
			items, more := Truncate(make([]int, tt.have), p)
			if len(items) != tt.wantLen || more != tt.wantMore {
				t.Errorf("Truncate = %d items, more %v; want %d, %v", len(items), more, tt.wantLen, tt.wantMore)
			}
		})
	}
}

func TestNameKeyAndUTC(t *testing.T) {
	if NameKey("Admins") != NameKey("ADMINS") || NameKey("a") == NameKey("b") {
		t.Fatal("NameKey does not fold case")
	}
	in := time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.FixedZone("Y", -3600))
	got := UTC(in)
	if got.Location() != time.UTC || got.Nanosecond() != 999999000 || !got.Equal(in.Truncate(time.Microsecond)) {
		t.Fatalf("UTC(%v) = %v", in, got)
	}
}
