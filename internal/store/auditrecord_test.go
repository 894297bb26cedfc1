package store

import (
	"reflect"
	"testing"
	"time"
)

func TestAuditRecordRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	for _, tc := range []struct {
		name string
		e    AuditEvent
	}{
		{"empty lists", AuditEvent{Time: t0, RequestID: "r", Status: 200, Resources: []string{}, Statements: []AuditStatement{}}},
		{"everything", AuditEvent{Time: t0, RequestID: "req-1", SourceIP: "192.0.2.7", UserAgent: "ua/1 é", Region: "eu-west-1",
			Decision: AuditExplicitDeny, ErrorCode: "AccessDenied", Status: 403, Resources: []string{"arn:a", "", "arn:b"},
			Statements: []AuditStatement{{Policy: "p", Sid: "S", Index: 300, Effect: "Deny", Type: "identity"}, {Index: -1}}}},
		{"before 1970", AuditEvent{Time: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), Resources: []string{}, Statements: []AuditStatement{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := AppendAuditRecord([]byte("prefix"), &tc.e)
			var got AuditEvent
			if err := DecodeAuditRecord(data[len("prefix"):], &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.e) {
				t.Fatalf("got %+v\nwant %+v", got, tc.e)
			}
			// Every truncation and a trailing byte are refused.
			for n := range len(data) - len("prefix") {
				if err := DecodeAuditRecord(data[len("prefix"):len("prefix")+n], &got); err == nil {
					t.Fatalf("truncated to %d bytes: accepted", n)
				}
			}
			if err := DecodeAuditRecord(append(data[len("prefix"):], 0), &got); err == nil {
				t.Fatal("trailing byte accepted")
			}
		})
	}
	// A huge list count in a short record fails without allocating it.
	if err := DecodeAuditRecord([]byte{auditRecordV1, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}, &AuditEvent{}); err == nil {
		t.Fatal("huge count accepted")
	}
}

func TestAuditRecordLegacy(t *testing.T) {
	var e AuditEvent
	err := DecodeAuditRecord([]byte(`{"time":"2026-11-23T12:00:00.000001Z","requestId":"r","sourceIp":null,"userAgent":"u",
"region":null,"decision":"Allow","errorCode":null,"status":200,"resources":["arn:x"],"statements":[]}`), &e)
	if err != nil {
		t.Fatal(err)
	}
	want := AuditEvent{Time: time.Date(2026, 11, 23, 12, 0, 0, 1000, time.UTC), RequestID: "r", UserAgent: "u",
		Decision: AuditAllow, Status: 200, Resources: []string{"arn:x"}, Statements: []AuditStatement{}}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("got %+v\nwant %+v", e, want)
	}
}

func TestAuditIDBound(t *testing.T) {
	t0 := time.UnixMicro(0x646a1f0b4c580).UTC()
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{t0, "000646a1f0b4c580"},
		{t0.Add(time.Nanosecond), "000646a1f0b4c581"}, // a fraction rounds up
		{t0.Add(-time.Nanosecond), "000646a1f0b4c580"},
		{time.Unix(-5, 0), "0000000000000000"},
	} {
		if got := AuditIDBound(tc.t); got != tc.want {
			t.Errorf("AuditIDBound(%v) = %s, want %s", tc.t, got, tc.want)
		}
	}
}
