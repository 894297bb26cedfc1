package policy

import (
	"errors"
	"strings"
	"testing"
)

// wrap builds a one-statement identity document around a statement body.
func wrap(stmt string) string {
	return `{"Version":"2012-10-17","Statement":` + stmt + `}`
}

func TestValidateMessages(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
		want string // first error message; "" = accepted
	}{
		{"minimal", KindIdentity, wrap(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`), ""},
		{"statement list", KindIdentity, wrap(`[{"Effect":"Allow","Action":["s3:Get*"],"Resource":["*"]}]`), ""},
		{"no version", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, ""},
		{"2008 version", KindIdentity, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, ""},
		{"bad version", KindIdentity, `{"Version":"2013-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, MsgSyntax},
		{"not json", KindIdentity, `{"Version":`, MsgSyntax},
		{"array root", KindIdentity, `[]`, MsgSyntax},
		{"unknown top element", KindIdentity, `{"Version":"2012-10-17","Foo":1,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, MsgSyntax},
		{"id not string", KindIdentity, `{"Id":1,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, MsgSyntax},
		{"id accepted", KindIdentity, `{"Id":"x","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, ""},
		{"missing statement", KindIdentity, `{"Version":"2012-10-17"}`, MsgSyntax},
		{"empty statement list", KindIdentity, wrap(`[]`), MsgSyntax},
		{"statement not object", KindIdentity, wrap(`["x"]`), MsgSyntax},
		{"duplicate key", KindIdentity, wrap(`{"Effect":"Allow","Effect":"Allow","Action":"*","Resource":"*"}`), MsgSyntax},
		{"duplicate key in condition", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"Bool":{"aws:SecureTransport":"false"}}}`), MsgSyntax},
		{"unknown statement element", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Foo":"x"}`), MsgSyntax},
		{"missing effect", KindIdentity, wrap(`{"Action":"*","Resource":"*"}`), MsgSyntax},
		{"effect lower case", KindIdentity, wrap(`{"Effect":"allow","Action":"*","Resource":"*"}`), MsgLegacy},
		{"effect other", KindIdentity, wrap(`{"Effect":"Permit","Action":"*","Resource":"*"}`), MsgSyntax},
		{"sid not string", KindIdentity, wrap(`{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}`), MsgSyntax},
		{"duplicate sid", KindIdentity, wrap(`[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]`), MsgSidUnique},
		{"duplicate empty sid", KindIdentity, wrap(`[{"Sid":"","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"","Effect":"Deny","Action":"*","Resource":"*"}]`), ""},
		{"action and notaction", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}`), MsgSyntax},
		{"no action", KindIdentity, wrap(`{"Effect":"Allow","Resource":"*"}`), MsgNoActions},
		{"empty action list", KindIdentity, wrap(`{"Effect":"Allow","Action":[],"Resource":"*"}`), MsgNoActions},
		{"action no vendor", KindIdentity, wrap(`{"Effect":"Allow","Action":"invalid","Resource":"*"}`), MsgVendorMissing},
		{"action empty", KindIdentity, wrap(`{"Effect":"Allow","Action":"","Resource":"*"}`), MsgVendorMissing},
		{"action two colons", KindIdentity, wrap(`{"Effect":"Allow","Action":"s3:List:Bucket","Resource":"*"}`), MsgOneColon},
		{"vendor space", KindIdentity, wrap(`{"Effect":"Allow","Action":"a a:ListBucket","Resource":"*"}`), "Vendor a a is not valid"},
		{"vendor wildcard", KindIdentity, wrap(`{"Effect":"Allow","Action":"s3*:Get*","Resource":"*"}`), "Vendor s3* is not valid"},
		{"vendor star accepted", KindIdentity, wrap(`{"Effect":"Allow","Action":"*:GetUser","Resource":"*"}`), ""},
		{"unknown action accepted", KindIdentity, wrap(`{"Effect":"Allow","Action":"iam: asdf safdsf af ","Resource":"*"}`), ""},
		{"action not string", KindIdentity, wrap(`{"Effect":"Allow","Action":[1],"Resource":"*"}`), MsgSyntax},
		{"resource and notresource", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}`), MsgSyntax},
		{"no resource identity", KindIdentity, wrap(`{"Effect":"Allow","Action":"*"}`), MsgNoResources},
		{"empty resource list", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":[]}`), MsgNoResources},
		{"resource null in list", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":["*",null]}`), ""},
		{"resource not arn", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"invalid resource"}`), `Resource invalid resource must be in ARN format or "*".`},
		{"resource empty", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":""}`), `Resource  must be in ARN format or "*".`},
		{"resource partition", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"aws:s3:::b"}`), `Partition "s3" is not valid for resource "arn:s3:::b:*".`},
		{"resource no vendor", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"arn:aws"}`), MsgResourceVendor},
		{"iam region", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam:us-east-1::x"}`), "IAM resource arn:aws:iam:us-east-1::x cannot contain region information."},
		{"s3 region", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:us-east-1::b"}`), "Resource arn:aws:s3:us-east-1::b can not contain region information."},
		{"iam path", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam:::example"}`), `IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`},
		{"legacy short arn", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3::bucket"}`), MsgLegacy},
		{"legacy empty service", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"arn:aws::::x"}`), MsgLegacy},
		{"short arn accepted", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:fdsasf"}`), ""},
		{"unknown service accepted", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:invalid-service:::x"}`), ""},
		{"principal in identity", KindIdentity, wrap(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), MsgNoPrincipalAllowed},
		{"condition not object", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":"x"}`), MsgSyntax},
		{"unknown operator with keys", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"x":{"a":"1"}}}`), MsgSyntax},
		{"unknown operator empty", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"a":{}}}`), ""},
		{"empty condition", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}`), ""},
		{"double colon operator", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue::StringEqualsIfExists":{"a":"b"}}}`), MsgSyntax},
		{"null ifexists", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"a":"true"}}}`), MsgSyntax},
		{"bad date", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}}`), MsgLegacy},
		{"odd date accepted", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2016-12-13t2:00:00.593194+23"}}}`), ""},
		{"epoch date", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:EpochTime":1700000000}}}`), ""},
		{"empty date list", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"a":[]}}}`), ""},
		{"bool json", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":true}}}`), ""},
		{"condition value object", KindIdentity, wrap(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":{}}}}`), MsgSyntax},
		{"trust ok", KindTrust, wrap(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}`), ""},
		{"trust service", KindTrust, wrap(`{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}`), ""},
		{"trust no principal", KindTrust, wrap(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), MsgMissingPrincipal},
		{"trust resource", KindTrust, wrap(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}`), "Has prohibited field Resource."},
		{"trust notprincipal", KindTrust, wrap(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}`), "Has prohibited field NotPrincipal."},
		{"trust other action", KindTrust, wrap(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}`), MsgTrustActions},
		{"trust wildcard action", KindTrust, wrap(`{"Effect":"Allow","Principal":"*","Action":"sts:Assume*"}`), ""},
		{"partial wildcard principal", KindTrust, wrap(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:user/*"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"arn:aws:iam::1:user/*"`},
		{"principal string not star", KindResource, wrap(`{"Effect":"Allow","Principal":"arn:aws:iam::111122223333:root","Action":"s3:*"}`), MsgSyntax},
		{"principal unknown type", KindResource, wrap(`{"Effect":"Allow","Principal":{"Foo":"x"},"Action":"s3:*"}`), MsgSyntax},
		{"resource policy no principal", KindResource, wrap(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), MsgMissingPrincipal},
		{"resource policy notprincipal", KindResource, wrap(`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/a","111122223333"]},"Action":"s3:*","Resource":"*"}`), ""},
		{"session needs resource", KindSession, wrap(`{"Effect":"Allow","Action":"s3:*"}`), MsgNoResources},
		// Precedence: a legacy-parsing error outranks a missing action.
		{"precedence legacy before actions", KindIdentity, wrap(`[{"Effect":"Allow","Resource":"*"},{"Effect":"deny","Action":"*","Resource":"*"}]`), MsgLegacy},
		// Sid uniqueness outranks the action vendor check.
		{"precedence sid before vendor", KindIdentity, wrap(`[{"Sid":"A","Effect":"Allow","Action":"x","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}]`), MsgSidUnique},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs []Finding
			for _, f := range Validate(tt.kind, []byte(tt.doc)) {
				if f.Severity == SeverityError {
					errs = append(errs, f)
				}
			}
			_, err := Parse(tt.kind, []byte(tt.doc))
			if tt.want == "" {
				if len(errs) > 0 || err != nil {
					t.Fatalf("rejected: %v / %v", errs, err)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("accepted, want %q", tt.want)
			}
			if errs[0].Message != tt.want {
				t.Fatalf("first error %q, want %q (all: %v)", errs[0].Message, tt.want, errs)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Error() != tt.want || ve.AWSErrorCode() != "MalformedPolicyDocument" {
				t.Fatalf("Parse error %v, want *ValidationError %q", err, tt.want)
			}
		})
	}
}

func TestValidateManagedVersion(t *testing.T) {
	doc := []byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	if _, err := ParseManaged(KindIdentity, doc); err == nil || err.Error() != MsgVersion {
		t.Fatalf("managed without version: %v", err)
	}
	if _, err := Parse(KindIdentity, doc); err != nil {
		t.Fatalf("inline without version: %v", err)
	}
	if _, err := Parse(KindBoundary, doc); err == nil || err.Error() != MsgVersion {
		t.Fatalf("boundary without version: %v", err)
	}
	// The version error outranks legacy parsing errors.
	bad := []byte(`{"Version":"2008-10-17","Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`)
	if _, err := ParseManaged(KindIdentity, bad); err == nil || err.Error() != MsgVersion {
		t.Fatalf("managed 2008 with legacy error: %v", err)
	}
}

func TestFindingPositions(t *testing.T) {
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"},\n    {\"Effect\": \"Allow\", \"Action\": \"bad\", \"Resource\": \"*\"}\n  ]\n}"
	fs := Validate(KindIdentity, []byte(doc))
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	f := fs[0]
	if f.Message != MsgVendorMissing || f.Line != 5 || f.Column != 35 || f.Path != "Statement[1].Action[0]" {
		t.Fatalf("finding %+v", f)
	}
	p, err := Parse(KindIdentity, []byte(strings.Replace(doc, `"bad"`, `"s3:Get*"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Statements[1].Actions[0].Pos; got != (Pos{Line: 5, Column: 35}) {
		t.Fatalf("action position %+v", got)
	}
	if got := p.Statements[1].Pos; got != (Pos{Line: 5, Column: 5}) {
		t.Fatalf("statement position %+v", got)
	}
}

func TestParseShapes(t *testing.T) {
	doc := `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"S","Effect":"Deny","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/r"],"Service":"ec2.amazonaws.com","Federated":"accounts.google.com","CanonicalUser":"abc"},"NotAction":"s3:Get*","NotResource":["arn:aws:s3:::b",null],"Condition":{"NumericLessThan":{"k":10,"j":[1.5,"2"]},"Bool":{"b":true}}}]}`
	p, err := Parse(KindResource, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasID || p.ID != "x" || !p.StatementIsList || p.Version != Version2012 {
		t.Fatalf("policy %+v", p)
	}
	s := p.Statements[0]
	if s.Effect != EffectDeny || !s.NotAction || !s.NotResource || len(s.Resources) != 1 || s.Principal == nil || len(s.Principal.Entries) != 5 {
		t.Fatalf("statement %+v", s)
	}
	var vals []string
	for _, c := range s.Conditions {
		for _, v := range c.Values {
			vals = append(vals, c.Key+"="+v.Value)
		}
	}
	if got := strings.Join(vals, ","); got != "k=10,j=1.5,j=2,b=true" {
		t.Fatalf("condition values %s", got)
	}
}

func TestConditionKeys(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"StringEquals":{"aws:PrincipalTag/Team":"${aws:RequestTag/team}"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`
	p, err := Parse(KindIdentity, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(p.ConditionKeys(), ",")
	if got != "aws:principaltag/team,aws:requesttag/team,aws:sourceip,aws:username" {
		t.Fatalf("keys %s", got)
	}
}

func TestCheckSize(t *testing.T) {
	stmt := `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("a", 2000) + `"}`
	doc := []byte(wrap(stmt))
	if err := CheckSize(KindIdentity, doc); err != nil {
		t.Fatalf("identity: %v", err)
	}
	err := CheckSize(KindTrust, doc)
	var se *SizeError
	if !errors.As(err, &se) || se.Code != "LimitExceeded" || se.Message != "Cannot exceed quota for ACLSizePerRole: 2048" {
		t.Fatalf("trust: %v", err)
	}
	// White space outside strings does not count; inside strings it does.
	spaced := []byte("{ \"a\" :\n\t\"b c\" }")
	if n := Size(spaced); n != len(`{"a":"b c"}`) {
		t.Fatalf("Size = %d", n)
	}
	big := []byte(wrap(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::` + strings.Repeat("b", 7000) + `"}`))
	if err := CheckSize(KindIdentity, big); err == nil || !strings.Contains(err.Error(), "Cannot exceed quota for PolicySize: 6144") {
		t.Fatalf("managed: %v", err)
	}
	if err := CheckInlineSize("user", "bob", doc[:1000], doc[:1100]); err == nil ||
		err.(*SizeError).Message != "Maximum policy size of 2048 bytes exceeded for user bob" {
		t.Fatalf("inline: %v", err)
	}
	if err := CheckSize(KindSession, []byte(strings.Repeat(" ", 2049))); err == nil {
		t.Fatal("session policy: plain length counts")
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range []Kind{KindIdentity, KindResource, KindTrust, KindBoundary, KindSession, KindSCP} {
		got, err := ParseKind(strings.ToUpper(k.String()))
		if err != nil || got != k {
			t.Fatalf("ParseKind(%s) = %v, %v", k, got, err)
		}
	}
	if _, err := ParseKind("group"); err == nil {
		t.Fatal("unknown kind accepted")
	}
}

// TestStatementSpan: each statement's opening brace and the position just
// past its closing brace (the simulator reports both).
func TestStatementSpan(t *testing.T) {
	doc := "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},\n  {\"Effect\":\"Deny\",\n   \"Action\":\"s3:Delete*\",\"Resource\":\"*\"}]}"
	p, err := Parse(KindIdentity, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]Pos{{{1, 38}, {1, 87}}, {{2, 3}, {3, 41}}}
	for i, w := range want {
		if s := p.Statements[i]; s.Pos != w[0] || s.End != w[1] {
			t.Errorf("statement %d spans %v-%v, want %v-%v", i, s.Pos, s.End, w[0], w[1])
		}
	}
	p, err = Parse(KindIdentity, []byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Statements[0]; s.Pos != (Pos{1, 14}) || s.End != (Pos{1, 60}) {
		t.Errorf("single statement spans %v-%v", s.Pos, s.End)
	}
}
