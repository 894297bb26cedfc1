package policy

import (
	"encoding/json"
	"testing"
	"time"
)

func TestGlob(t *testing.T) {
	tests := []struct {
		p, s string
		fold bool
		want bool
	}{
		{"*", "", false, true},
		{"*", "anything/at:all", false, true},
		{"a*c", "abc", false, true},
		{"a*c", "ac", false, true},
		{"a*c", "acb", false, false},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"a?c", "aéc", false, true}, // ? is one character, not one byte
		{"*a*b*c*", "xxaxxbxxcxx", false, true},
		{"*a*b*c*", "xxaxxcxxbxx", false, false},
		{"ABC", "abc", false, false},
		{"ABC*", "abcdef", true, true},
		{"b/1/*/test/*", "b/1///test///x", false, true},
		{"b/1/*/test/*", "b/1-test/x", false, false},
	}
	for _, tt := range tests {
		if got := globImpl(tt.p, nil, tt.s, tt.fold); got != tt.want {
			t.Errorf("glob(%q, %q, fold=%v) = %v", tt.p, tt.s, tt.fold, got)
		}
		pat := newPattern(tt.p)
		if got := pat.match(tt.s, tt.fold); got != tt.want {
			t.Errorf("pattern(%q).match(%q, fold=%v) = %v", tt.p, tt.s, tt.fold, got)
		}
	}
	// A literal mask turns wildcards into ordinary characters.
	if globBytes([]byte("a*"), []bool{false, true}, "abc", false) {
		t.Error("literal * matched a run")
	}
	if !globBytes([]byte("a*"), []bool{false, true}, "a*", false) {
		t.Error("literal * did not match itself")
	}
}

func TestParseDate(t *testing.T) {
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2020", utc(1970, 1, 1, 0, 33, 40, 0), true}, // digits only: epoch seconds
		{"2020-03", utc(2020, 3, 1, 0, 0, 0, 0), true},
		{"2020-03-04", utc(2020, 3, 4, 0, 0, 0, 0), true},
		{"2020-03-04T05:06Z", utc(2020, 3, 4, 5, 6, 0, 0), true},
		{"2020-03-04T05:06:07Z", utc(2020, 3, 4, 5, 6, 7, 0), true},
		{"2020-03-04T05:06:07.5Z", utc(2020, 3, 4, 5, 6, 7, 500000000), true},
		{"2020-03-04T05:06:07+02:00", utc(2020, 3, 4, 3, 6, 7, 0), true},
		{"2020-03-04T05:06:07-01:30", utc(2020, 3, 4, 6, 36, 7, 0), true},
		{"2016-12-13t2:00:00.593194+23", utc(2016, 12, 12, 3, 0, 0, 593194000), true},
		{"1700000000", time.Unix(1700000000, 0).UTC(), true},
		{"2020-13-01", time.Time{}, false},
		{"2020-01-01T25:00Z", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
		{"99999999999999999999", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.in)
		if ok != tt.ok || (ok && !got.Equal(tt.want)) {
			t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		in   string
		want []part
	}{
		{"plain", []part{{kind: partText, text: "plain"}}},
		{"a/${aws:username}/b", []part{{kind: partText, text: "a/"}, {kind: partVar, key: "aws:username", keyHash: hashLower("aws:username"), derived: dUsername}, {kind: partText, text: "/b"}}},
		{"${aws:PrincipalTag/team, 'company-wide'}", []part{{kind: partVar, key: "aws:principaltag/team", keyHash: hashLower("aws:principaltag/team"), derived: dPrincipalTag, def: "company-wide", hasDefault: true}}},
		{"${*}${?}${$}", []part{{kind: partLit, text: "*"}, {kind: partLit, text: "?"}, {kind: partLit, text: "$"}}},
		{"${unclosed", []part{{kind: partText, text: "${unclosed"}}},
		{"${bad default, x}", []part{{kind: partText, text: "${bad default, x}"}}},
	}
	for _, tt := range tests {
		got := parseTemplate(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("parseTemplate(%q) = %+v", tt.in, got)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseTemplate(%q)[%d] = %+v, want %+v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}

func TestParseJSON(t *testing.T) {
	n, err := parseJSON([]byte(`{"a": "x\u00e9\ud83d\ude00\n", "b": [1, -2.5e3, true, null]}`))
	if err != nil {
		t.Fatal(err)
	}
	if n.members[0].value.text != "xé😀\n" || n.members[1].value.elems[1].text != "-2.5e3" {
		t.Fatalf("%+v", n)
	}
	for _, bad := range []string{`{"a":}`, `{"a":1,}`, `[1 2]`, `"x`, `{"a":01}`, `{} x`, "\"a\x01\""} {
		if _, err := parseJSON([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	deep := make([]byte, 0, 200)
	for i := 0; i < 100; i++ {
		deep = append(deep, '[')
	}
	if _, err := parseJSON(deep); err == nil {
		t.Error("accepted a 100-deep document")
	}
}

// FuzzParseEvaluate: any document, of any kind, is either rejected with
// findings or parsed, compiled and evaluated without panicking; what the
// JSON reader accepts, encoding/json accepts too.
func FuzzParseEvaluate(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`), uint8(0))
	f.Add([]byte(`{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"NotAction":"iam:*","NotResource":"*"}]}`), uint8(1))
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"x"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"ForAllValues:StringLike":{"k":["a*","${*}"]}}}}`), uint8(2))
	f.Fuzz(func(t *testing.T, doc []byte, k uint8) {
		kind := Kind(k % 6)
		if _, err := parseJSON(doc); err == nil && !json.Valid(doc) {
			t.Fatalf("parseJSON accepted what encoding/json rejects: %q", doc)
		}
		fs := Validate(kind, doc)
		p, err := Parse(kind, doc)
		if err != nil {
			if len(fs) == 0 {
				t.Fatal("Parse failed but Validate found nothing")
			}
			return
		}
		c, err := Compile("p", kind, p)
		if err != nil {
			t.Fatal(err)
		}
		_ = p.ConditionKeys()
		set := &Set{Identity: []*Compiled{c}}
		if kind == KindResource || kind == KindTrust {
			set = &Set{Resource: c}
		}
		req := &Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/alice/k",
			Context: ctxOf("k", "abc", "aws:SourceIp", "10.1.2.3", "aws:TagKeys", "[a,b]"), Time: time.Unix(1700000000, 0)}
		var a, b Result
		set.Evaluate(req, &a)
		set.Prepare().Evaluate(req, &b)
		if a.Decision != b.Decision {
			t.Fatalf("Set %v, Prepared %v", a.Decision, b.Decision)
		}
	})
}
