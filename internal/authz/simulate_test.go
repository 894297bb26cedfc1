package authz

import (
	"errors"
	"reflect"
	"testing"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
)

const simPolicyDoc = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::bucket/*",
     "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/secret/*"}
  ]
}`

func TestSimulate(t *testing.T) {
	req := SimRequest{
		Identity:  []Doc{{ID: "PolicyInputList.1", Document: simPolicyDoc}},
		Actions:   []string{"s3:GetObject", "s3:PutObject"},
		Resources: []string{"arn:aws:s3:::bucket/a", "arn:aws:s3:::bucket/secret/b"},
		Context:   []ContextEntry{{Name: "aws:SourceIp", Values: []string{"10.1.2.3"}, Type: "ip"}},
		Now:       t0,
	}
	got, err := Simulate(req)
	if err != nil {
		t.Fatal(err)
	}
	read := SimStatement{PolicyID: "PolicyInputList.1", Start: policy.Pos{Line: 4, Column: 5}, End: policy.Pos{Line: 5, Column: 65}}
	deny := SimStatement{PolicyID: "PolicyInputList.1", Start: policy.Pos{Line: 6, Column: 5}, End: policy.Pos{Line: 6, Column: 113}}
	want := []SimResult{
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/a", Decision: policy.Allow, Matched: []SimStatement{read}},
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/secret/b", Decision: policy.ExplicitDeny, Matched: []SimStatement{deny}},
		{Action: "s3:PutObject", Resource: "arn:aws:s3:::bucket/a", Decision: policy.ImplicitDeny},
		{Action: "s3:PutObject", Resource: "arn:aws:s3:::bucket/secret/b", Decision: policy.ImplicitDeny},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}

	// Without the context value the key is reported missing, as spelled.
	req.Context = nil
	req.Actions, req.Resources = []string{"s3:GetObject"}, []string{"arn:aws:s3:::bucket/a"}
	got, _ = Simulate(req)
	if got[0].Decision != policy.ImplicitDeny || !reflect.DeepEqual(got[0].Missing, []string{"aws:SourceIp"}) {
		t.Fatalf("missing: %+v", got[0])
	}

	// A boundary: the decision detail says whether it alone allows.
	req.Context = []ContextEntry{{Name: "aws:SourceIp", Values: []string{"10.1.2.3"}, Type: "ip"}}
	req.Boundary = &Doc{ID: "PermissionsBoundaryPolicyInputList.1", Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:List*","Resource":"*"}}`}
	got, _ = Simulate(req)
	if got[0].Decision != policy.ImplicitDeny || got[0].BoundaryAllowed == nil || *got[0].BoundaryAllowed {
		t.Fatalf("boundary: %+v", got[0])
	}
	if SimDecision(got[0].Decision) != "implicitDeny" || SimDecision(policy.Allow) != "allowed" || SimDecision(policy.ExplicitDeny) != "explicitDeny" {
		t.Error("SimDecision spelling")
	}

	// A resource policy naming the caller grants without identity policies.
	req = SimRequest{
		Principal:      policy.Principal{Type: policy.PrincipalUser, ARN: "arn:aws:iam::" + acct + ":user/bob", Account: acct, Username: "bob"},
		Identity:       []Doc{{ID: "PolicyInputList.1", Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`}},
		ResourcePolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`,
		Actions:        []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::b/k"}, ResourceOwner: acct, Now: t0,
	}
	got, err = Simulate(req)
	if err != nil || got[0].Decision != policy.Allow || got[0].Matched[0].PolicyID != "ResourcePolicy" || got[0].Matched[0].Type != SourceResource {
		t.Fatalf("resource policy: %v %+v", err, got)
	}
}

func TestSimulateErrors(t *testing.T) {
	code := func(err error) string {
		var ie *iam.Error
		if errors.As(err, &ie) {
			return ie.Code + ": " + ie.Message
		}
		return ""
	}
	_, err := Simulate(SimRequest{Identity: []Doc{{ID: "p", Document: `{"Statement":[]`}}, Actions: []string{"s3:GetObject"}})
	if got := code(err); got != "MalformedPolicyDocument: Syntax errors in policy." {
		t.Errorf("malformed: %q", got)
	}
	for _, tc := range []struct {
		e    ContextEntry
		want string
	}{
		{ContextEntry{Name: "aws:SourceIp", Values: []string{"nope"}, Type: "ip"}, "InvalidInput: The value nope of the context key aws:SourceIp is not a valid ip."},
		{ContextEntry{Name: "n", Values: []string{"x1"}, Type: "numericList"}, "InvalidInput: The value x1 of the context key n is not a valid numeric."},
		{ContextEntry{Name: "b", Values: []string{"yes"}, Type: "boolean"}, "InvalidInput: The value yes of the context key b is not a valid boolean."},
		{ContextEntry{Name: "d", Values: []string{"yesterday"}, Type: "date"}, "InvalidInput: The value yesterday of the context key d is not a valid date."},
		{ContextEntry{Name: "s", Values: []string{"a", "b"}, Type: "string"}, "InvalidInput: The context key s has type string and takes one value; use stringList for several."},
	} {
		_, err := Simulate(SimRequest{Actions: []string{"s3:GetObject"}, Context: []ContextEntry{tc.e}})
		if got := code(err); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
	for _, ok := range []ContextEntry{
		{Name: "d", Values: []string{"2026-01-01T00:00:00Z", "1700000000", "2026-01-01"}, Type: "dateList"},
		{Name: "b", Values: []string{"AQID"}, Type: "binary"},
		{Name: "i", Values: []string{"10.0.0.0/8"}, Type: "ip"},
	} {
		if _, err := Simulate(SimRequest{Actions: []string{"s3:GetObject"}, Context: []ContextEntry{ok}}); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
}

func TestContextKeys(t *testing.T) {
	got, err := ContextKeys([]Doc{
		{Document: simPolicyDoc},
		{Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::*:user/${aws:username}","Condition":{"StringEquals":{"aws:PrincipalTag/Team":"x","AWS:SOURCEIP":"1"}}}}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"aws:PrincipalTag/Team", "aws:SourceIp", "aws:username"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
}

func TestSubjectAndCaller(t *testing.T) {
	if s, err := SubjectOf(acct, "arn:aws:iam::"+acct+":user/eng/bob"); err != nil || s != (Subject{AccountID: acct, Kind: "user", Name: "bob"}) {
		t.Errorf("user subject %+v %v", s, err)
	}
	for _, bad := range []string{"arn:aws:iam::" + acct + ":policy/p", "arn:aws:iam::999999999999:user/bob", "nope"} {
		if _, err := SubjectOf(acct, bad); err == nil {
			t.Errorf("SubjectOf(%s) accepted", bad)
		}
	}
	if p, err := CallerPrincipal("arn:aws:iam::" + acct + ":user/x/bob"); err != nil || p.Username != "bob" || p.Type != policy.PrincipalUser {
		t.Errorf("caller %+v %v", p, err)
	}
	if _, err := CallerPrincipal("arn:aws:s3:::bucket"); err == nil {
		t.Error("bucket caller accepted")
	}
	f := tableFixture()
	if _, _, err := PrincipalFor(t.Context(), f, acct, "arn:aws:iam::"+acct+":role/ghost"); err == nil || err.Error() != "NoSuchEntity: The role with name ghost cannot be found." {
		t.Errorf("missing role: %v", err)
	}
	pr, info, err := PrincipalFor(t.Context(), f, acct, "arn:aws:iam::"+acct+":user/eng/bob")
	if err != nil || pr.Username != "bob" || pr.ARN != "arn:aws:iam::"+acct+":user/eng/bob" || info.Boundary == nil {
		t.Errorf("bob: %+v %+v %v", pr, info, err)
	}
}
