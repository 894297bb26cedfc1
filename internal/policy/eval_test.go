package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const acct = "111122223333"

var (
	alice = Principal{Type: PrincipalUser, ARN: "arn:aws:iam::" + acct + ":user/alice", Account: acct,
		UserID: "AIDAALICEEXAMPLE0000", Username: "alice", Tags: []Tag{{Key: "Team", Value: "blue"}}}
	devSession = Principal{Type: PrincipalAssumedRole, ARN: "arn:aws:sts::" + acct + ":assumed-role/dev/s1", Account: acct,
		UserID: "AROADEVEXAMPLE000000:s1", RoleARN: "arn:aws:iam::" + acct + ":role/dev"}
	fedBob = Principal{Type: PrincipalFederatedUser, ARN: "arn:aws:sts::" + acct + ":federated-user/bob", Account: acct,
		UserID: acct + ":bob", ParentUserARN: "arn:aws:iam::" + acct + ":user/alice"}
	root     = Principal{Type: PrincipalRoot, ARN: "arn:aws:iam::" + acct + ":root", Account: acct, UserID: acct}
	outsider = Principal{Type: PrincipalUser, ARN: "arn:aws:iam::444455556666:user/eve", Account: "444455556666",
		UserID: "AIDAEVEEXAMPLE000000", Username: "eve"}
)

func mustCompile(t testing.TB, id string, kind Kind, doc string) *Compiled {
	t.Helper()
	p, err := Parse(kind, []byte(doc))
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	c, err := Compile(id, kind, p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// idp builds a one-statement identity policy document.
func idp(effect, action, resource string, cond string) string {
	s := fmt.Sprintf(`{"Sid":"S","Effect":%q,"Action":%s,"Resource":%s`, effect, action, resource)
	if cond != "" {
		s += `,"Condition":` + cond
	}
	return `{"Version":"2012-10-17","Statement":[` + s + `}]}`
}

func q(s string) string { return fmt.Sprintf("%q", s) }

func ctxOf(kv ...string) *Context {
	c := NewContext()
	for i := 0; i+1 < len(kv); i += 2 {
		if strings.HasPrefix(kv[i+1], "[") {
			vals := strings.Split(strings.Trim(kv[i+1], "[]"), ",")
			if kv[i+1] == "[]" {
				vals = nil
			}
			c.SetMulti(kv[i], vals...)
			continue
		}
		c.Set(kv[i], kv[i+1])
	}
	return c
}

// evalBoth evaluates with a plain Set and with its Prepared form and
// checks they agree.
func evalBoth(t *testing.T, s *Set, req *Request) Result {
	t.Helper()
	var a, b Result
	s.Evaluate(req, &a)
	s.Prepare().Evaluate(req, &b)
	if a.Decision != b.Decision || a.DeniedBy != b.DeniedBy || !slices.Equal(a.Matched, b.Matched) {
		t.Fatalf("Set %v/%v/%v, Prepared %v/%v/%v", a.Decision, a.DeniedBy, a.Matched, b.Decision, b.DeniedBy, b.Matched)
	}
	return a
}

func TestEvaluateMatching(t *testing.T) {
	tests := []struct {
		name     string
		policy   string
		action   string
		resource string
		want     Decision
	}{
		{"exact", idp("Allow", q("s3:GetObject"), q("*"), ""), "s3:GetObject", "arn:aws:s3:::b/k", Allow},
		{"action case", idp("Allow", q("S3:getobject"), q("*"), ""), "s3:GetObject", "arn:aws:s3:::b/k", Allow},
		{"action star", idp("Allow", q("s3:Get*"), q("*"), ""), "s3:GETOBJECT", "arn:aws:s3:::b/k", Allow},
		{"action question", idp("Allow", q("s3:?etObject"), q("*"), ""), "s3:GetObject", "arn:aws:s3:::b/k", Allow},
		{"action question one char", idp("Allow", q("s3:?tObject"), q("*"), ""), "s3:GetObject", "arn:aws:s3:::b/k", ImplicitDeny},
		{"action leading star", idp("Allow", q("s3:*Object"), q("*"), ""), "s3:GetObject", "arn:aws:s3:::b/k", Allow},
		{"all actions", idp("Allow", q("*"), q("*"), ""), "iam:ListUsers", "*", Allow},
		{"vendor star", idp("Allow", q("*:GetObject"), q("*"), ""), "s3:GetObject", "arn:aws:s3:::b/k", Allow},
		{"other service", idp("Allow", q("s3:*"), q("*"), ""), "iam:GetUser", "*", ImplicitDeny},
		{"prefix is not service", idp("Allow", q("s3:*"), q("*"), ""), "s3x:Get", "*", ImplicitDeny},
		{"resource segment star", idp("Allow", q("s3:*"), q("arn:aws:s3:::b/*"), ""), "s3:GetObject", "arn:aws:s3:::b/x/y/z", Allow},
		{"resource case sensitive", idp("Allow", q("s3:*"), q("arn:aws:s3:::b/Bob"), ""), "s3:GetObject", "arn:aws:s3:::b/bob", ImplicitDeny},
		{"resource head case", idp("Allow", q("ec2:*"), q("arn:aws:EC2:US-EAST-1:111122223333:instance/i-1"), ""), "ec2:StartInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", Allow},
		{"resource part case", idp("Allow", q("ec2:*"), q("arn:aws:ec2:us-east-1:111122223333:instance/I-1"), ""), "ec2:StartInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", ImplicitDeny},
		{"segment wildcards", idp("Allow", q("ec2:*"), q("arn:aws:ec2:*:*:instance/*"), ""), "ec2:StartInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", Allow},
		{"account wildcard", idp("Allow", q("iam:*"), q("arn:aws:iam::*:user/x"), ""), "iam:GetUser", "arn:aws:iam::111122223333:user/x", Allow},
		{"star does not cross segments", idp("Allow", q("ec2:*"), q("arn:aws:ec2:*:instance/i-1"), ""), "ec2:StartInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", ImplicitDeny},
		{"resource question", idp("Allow", q("s3:*"), q("arn:aws:s3:::b/?"), ""), "s3:GetObject", "arn:aws:s3:::b/k", Allow},
		{"resource middle", idp("Allow", q("s3:*"), q("arn:aws:s3:::b/1/*/test/*"), ""), "s3:GetObject", "arn:aws:s3:::b/1///test///x", Allow},
		{"resource middle miss", idp("Allow", q("s3:*"), q("arn:aws:s3:::b/1/*/test/*"), ""), "s3:GetObject", "arn:aws:s3:::b/1-test/x", ImplicitDeny},
		{"user path pattern does not grant star", idp("Allow", q("iam:ListUsers"), q("arn:aws:iam::111122223333:user/*"), ""), "iam:ListUsers", "*", ImplicitDeny},
		{"short arn pattern", idp("Allow", q("ec2:*"), q("arn:aws:ec2"), ""), "ec2:StartInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", Allow},
		{"two services second", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:Get*","iam:List*"],"Resource":"*"}}`, "iam:ListUsers", "*", Allow},
		{"two services wildcard-any", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:Get*","iam:*"],"Resource":"*"}}`, "iam:GetUser", "*", Allow},
		{"two services same letter", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:*Object","iam:List*"],"Resource":"*"}}`, "s3:ListObject", "*", Allow},
		{"notaction", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`, "s3:GetObject", "*", Allow},
		{"notaction excluded", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`, "IAM:GetUser", "*", ImplicitDeny},
		{"notresource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}}`, "s3:GetObject", "arn:aws:s3:::b/k", Allow},
		{"notresource excluded", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}}`, "s3:GetObject", "arn:aws:s3:::secret/k", ImplicitDeny},
		{"deny wins", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}`, "s3:DeleteObject", "arn:aws:s3:::b/k", ExplicitDeny},
		{"variable in resource", idp("Allow", q("s3:*"), q("arn:aws:s3:::home/${aws:username}/*"), ""), "s3:GetObject", "arn:aws:s3:::home/alice/x", Allow},
		{"variable other user", idp("Allow", q("s3:*"), q("arn:aws:s3:::home/${aws:username}/*"), ""), "s3:GetObject", "arn:aws:s3:::home/bob/x", ImplicitDeny},
		{"variable literal in 2008", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`, "s3:GetObject", "arn:aws:s3:::home/${aws:username}/x", Allow},
		{"variable unresolved", idp("Allow", q("s3:*"), q("arn:aws:s3:::home/${aws:PrincipalTag/nope}/*"), ""), "s3:GetObject", "arn:aws:s3:::home//x", ImplicitDeny},
		{"variable default", idp("Allow", q("s3:*"), q("arn:aws:s3:::home/${aws:PrincipalTag/nope, 'shared'}/*"), ""), "s3:GetObject", "arn:aws:s3:::home/shared/x", Allow},
		{"variable tag any case", idp("Allow", q("s3:*"), q("arn:aws:s3:::t/${aws:principaltag/TEAM}"), ""), "s3:GetObject", "arn:aws:s3:::t/blue", Allow},
		{"escape star literal", idp("Allow", q("s3:*"), q("arn:aws:s3:::b/${*}"), ""), "s3:GetObject", "arn:aws:s3:::b/x", ImplicitDeny},
		{"escape star matches star", idp("Allow", q("s3:*"), q("arn:aws:s3:::b/${*}"), ""), "s3:GetObject", "arn:aws:s3:::b/*", Allow},
		{"variable value is literal", idp("Allow", q("s3:*"), q("arn:aws:s3:::b/${aws:PrincipalTag/Team}"), ""), "s3:GetObject", "arn:aws:s3:::b/blue", Allow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Set{Identity: []*Compiled{mustCompile(t, "p", KindIdentity, tt.policy)}}
			res := evalBoth(t, s, &Request{Principal: alice, Action: tt.action, Resource: tt.resource})
			if res.Decision != tt.want {
				t.Fatalf("decision %v, want %v", res.Decision, tt.want)
			}
		})
	}
}

func TestEvaluateConditions(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		cond string
		ctx  *Context
		want bool
	}{
		{"string equals", `{"StringEquals":{"k":"v"}}`, ctxOf("k", "v"), true},
		{"string equals case", `{"StringEquals":{"k":"V"}}`, ctxOf("k", "v"), false},
		{"key name any case", `{"StringEquals":{"AWS:SourceVpc":"v"}}`, ctxOf("aws:sourcevpc", "v"), true},
		{"values OR", `{"StringEquals":{"k":["a","v"]}}`, ctxOf("k", "v"), true},
		{"keys AND", `{"StringEquals":{"k":"v","j":"w"}}`, ctxOf("k", "v", "j", "x"), false},
		{"operators AND", `{"StringEquals":{"k":"v"},"StringLike":{"j":"w*"}}`, ctxOf("k", "v", "j", "wx"), true},
		{"missing positive", `{"StringEquals":{"k":"v"}}`, ctxOf(), false},
		{"missing negated", `{"StringNotEquals":{"k":"v"}}`, ctxOf(), true},
		{"not equals none of", `{"StringNotEquals":{"k":["a","b"]}}`, ctxOf("k", "b"), false},
		{"not equals other", `{"StringNotEquals":{"k":["a","b"]}}`, ctxOf("k", "c"), true},
		{"ignore case", `{"StringEqualsIgnoreCase":{"k":"VaLuE"}}`, ctxOf("k", "value"), true},
		{"not equals ignore case", `{"StringNotEqualsIgnoreCase":{"k":"VaLuE"}}`, ctxOf("k", "value"), false},
		{"like", `{"StringLike":{"k":"a*c?"}}`, ctxOf("k", "abbbcd"), true},
		{"like anchored", `{"StringLike":{"k":"a*c"}}`, ctxOf("k", "abcd"), false},
		{"equals star literal", `{"StringEquals":{"k":"a*"}}`, ctxOf("k", "abc"), false},
		{"not like", `{"StringNotLike":{"k":"a*"}}`, ctxOf("k", "bcd"), true},
		{"ifexists missing", `{"StringEqualsIfExists":{"k":"v"}}`, ctxOf(), true},
		{"ifexists present", `{"StringEqualsIfExists":{"k":"v"}}`, ctxOf("k", "w"), false},
		{"numeric", `{"NumericLessThan":{"n":"10"}}`, ctxOf("n", "9.5"), true},
		{"numeric json number", `{"NumericGreaterThanEquals":{"n":10}}`, ctxOf("n", "10"), true},
		{"numeric unparsable request", `{"NumericNotEquals":{"n":"10"}}`, ctxOf("n", "abc"), false},
		{"numeric not equals", `{"NumericNotEquals":{"n":["1","2"]}}`, ctxOf("n", "3"), true},
		{"date less", `{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, ctxOf(), true},
		{"date greater", `{"DateGreaterThan":{"aws:CurrentTime":"2030-01"}}`, ctxOf(), false},
		{"date digits are epoch", `{"DateGreaterThan":{"aws:CurrentTime":"2030"}}`, ctxOf(), true},
		{"date epoch policy", `{"DateGreaterThan":{"aws:CurrentTime":"1700000000"}}`, ctxOf(), true},
		{"date zone", `{"DateEquals":{"t":"2025-06-01T14:00:00+02:00"}}`, ctxOf("t", "2025-06-01T12:00:00Z"), true},
		{"current time is not a number", `{"NumericGreaterThan":{"aws:CurrentTime":"1"}}`, ctxOf(), false},
		{"epoch numeric", `{"NumericGreaterThan":{"aws:EpochTime":"1700000000"}}`, ctxOf(), true},
		{"bool", `{"Bool":{"aws:SecureTransport":"true"}}`, ctxOf("aws:SecureTransport", "TRUE"), true},
		{"bool json", `{"Bool":{"aws:SecureTransport":false}}`, ctxOf("aws:SecureTransport", "false"), true},
		{"bool other value", `{"Bool":{"aws:SecureTransport":"yes"}}`, ctxOf("aws:SecureTransport", "true"), false},
		{"bool mfa absent", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, ctxOf(), true},
		{"binary", `{"BinaryEquals":{"k":"aGVsbG8="}}`, ctxOf("k", "hello"), true},
		{"ip v4 cidr", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctxOf("aws:SourceIp", "10.1.2.3"), true},
		{"ip v4 bare", `{"IpAddress":{"aws:SourceIp":"10.1.2.3"}}`, ctxOf("aws:SourceIp", "10.1.2.4"), false},
		{"ip v6", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctxOf("aws:SourceIp", "2001:db8:1234:5678::1"), true},
		{"ip family mismatch", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctxOf("aws:SourceIp", "2001:db8::1"), false},
		{"not ip", `{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}`, ctxOf("aws:SourceIp", "203.0.113.9"), true},
		{"not ip family mismatch", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctxOf("aws:SourceIp", "2001:db8::1"), true},
		{"ip unparsable request", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctxOf("aws:SourceIp", "nope"), false},
		{"date unparsable request", `{"DateNotEquals":{"t":"2020-01-01"}}`, ctxOf("t", "nope"), false},
		{"bool unparsable request", `{"Bool":{"b":"true"}}`, ctxOf("b", "yes"), false},
		{"like many values", `{"StringLike":{"k":["x*","a?c"]}}`, ctxOf("k", "abc"), true},
		{"not like many values", `{"StringNotLike":{"k":["x*","a?c"]}}`, ctxOf("k", "abc"), false},
		{"numeric many values", `{"NumericEquals":{"n":["1","2.0"]}}`, ctxOf("n", "2"), true},
		{"not ip missing", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctxOf(), true},
		{"arn like", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:topic-*"}}`, ctxOf("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic-a"), true},
		{"arn like no segment cross", `{"ArnLike":{"k":"arn:aws:svc:*:111122223333:finance/*"}}`, ctxOf("k", "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc"), false},
		{"string like crosses", `{"StringLike":{"k":"arn:aws:svc:*:111122223333:finance/*"}}`, ctxOf("k", "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc"), true},
		{"arn not equals", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/bob"}}`, ctxOf(), true},
		{"arn with variable", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/alice"}}`, ctxOf(), true},
		{"null true", `{"Null":{"k":"true"}}`, ctxOf(), true},
		{"null false", `{"Null":{"k":"false"}}`, ctxOf("k", "v"), true},
		{"null present", `{"Null":{"k":"true"}}`, ctxOf("k", ""), false},
		{"plain op on multivalued", `{"StringEquals":{"aws:TagKeys":"a"}}`, ctxOf("aws:TagKeys", "[a]"), false},
		{"for any value", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctxOf("aws:TagKeys", "[c,b]"), true},
		{"for any value missing", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`, ctxOf(), false},
		{"for any value empty set", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`, ctxOf("aws:TagKeys", "[]"), false},
		{"for all values", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctxOf("aws:TagKeys", "[a,b]"), true},
		{"for all values outside", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctxOf("aws:TagKeys", "[a,c]"), false},
		{"for all values missing", `{"ForAllValues:StringEquals":{"aws:TagKeys":"a"}}`, ctxOf(), true},
		{"for all values empty", `{"ForAllValues:StringEquals":{"aws:TagKeys":"a"}}`, ctxOf("aws:TagKeys", "[]"), true},
		{"for all not like", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, ctxOf("aws:TagKeys", "[a,key1x]"), false},
		{"for any not equals", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, ctxOf("aws:TagKeys", "[a,z]"), true},
		{"set op on single key", `{"ForAnyValue:StringEquals":{"k":"v"}}`, ctxOf("k", "v"), true},
		{"variable username", `{"StringEquals":{"k":"${aws:username}"}}`, ctxOf("k", "alice"), true},
		{"variable embedded", `{"StringLike":{"k":"home/${aws:username}/*"}}`, ctxOf("k", "home/alice/x"), true},
		{"variable value literal", `{"StringLike":{"k":"${aws:PrincipalTag/Team}"}}`, ctxOf("k", "blue"), true},
		{"variable unresolved positive", `{"StringEquals":{"k":"${aws:PrincipalTag/nope}"}}`, ctxOf("k", ""), false},
		{"variable unresolved negated", `{"StringNotEquals":{"k":"${aws:PrincipalTag/nope}"}}`, ctxOf("k", "x"), true},
		{"variable multivalued never", `{"StringEquals":{"k":"${aws:TagKeys}"}}`, ctxOf("k", "a", "aws:TagKeys", "[a]"), false},
		{"variable in numeric is literal", `{"NumericEquals":{"n":"${n}"}}`, ctxOf("n", "1"), false},
		{"variable in bool", `{"Bool":{"b":"${flag}"}}`, ctxOf("b", "true", "flag", "TRUE"), true},
		{"principal type derived", `{"StringEquals":{"aws:PrincipalType":"User"}}`, ctxOf(), true},
		{"principal arn derived", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/al*"}}`, ctxOf(), true},
		{"userid derived", `{"StringEquals":{"aws:userid":"AIDAALICEEXAMPLE0000"}}`, ctxOf(), true},
		{"context overrides derived", `{"StringEquals":{"aws:username":"mallory"}}`, ctxOf("aws:username", "mallory"), true},
		{"empty value list positive", `{"StringEquals":{"k":[]}}`, ctxOf("k", "v"), false},
		{"empty value list negated", `{"StringNotEquals":{"k":[]}}`, ctxOf("k", "v"), true},
		{"unknown operator empty map", `{"FooBar":{}}`, ctxOf(), false},
		{"empty block", `{}`, ctxOf(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompile(t, "p", KindIdentity, idp("Allow", q("s3:GetObject"), q("*"), tt.cond))
			req := &Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: tt.ctx, Time: now}
			res := evalBoth(t, &Set{Identity: []*Compiled{c}}, req)
			if got := res.Decision == Allow; got != tt.want {
				t.Fatalf("condition %v, want %v", got, tt.want)
			}
			// The general path must agree with the typed shortcut.
			slow := mustCompile(t, "p", KindIdentity, idp("Allow", q("s3:GetObject"), q("*"), tt.cond))
			for i := range slow.stmts {
				for k := range slow.stmts[i].conds {
					slow.stmts[i].conds[k].fast = fastNone
				}
			}
			var sres Result
			(&Set{Identity: []*Compiled{slow}}).Evaluate(req, &sres)
			if sres.Decision != res.Decision {
				t.Fatalf("general path %v, shortcut %v", sres.Decision, res.Decision)
			}
		})
	}
}

func TestEvaluatePolicyTypes(t *testing.T) {
	allowAll := idp("Allow", q("s3:*"), q("*"), "")
	allowGet := idp("Allow", q("s3:GetObject"), q("*"), "")
	denyGet := idp("Deny", q("s3:GetObject"), q("*"), "")
	allowList := idp("Allow", q("s3:ListBucket"), q("*"), "")
	resPol := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":{"Sid":"R","Effect":"Allow","Principal":` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`
	}
	id := func(docs ...string) []*Compiled {
		var out []*Compiled
		for i, d := range docs {
			out = append(out, mustCompile(t, fmt.Sprintf("id%d", i), KindIdentity, d))
		}
		return out
	}
	res := func(doc string) *Compiled { return mustCompile(t, "r", KindResource, doc) }
	bnd := func(doc string) *Compiled { return mustCompile(t, "b", KindBoundary, doc) }
	ses := func(docs ...string) []*Compiled {
		var out []*Compiled
		for i, d := range docs {
			out = append(out, mustCompile(t, fmt.Sprintf("s%d", i), KindSession, d))
		}
		return out
	}
	tests := []struct {
		name      string
		set       Set
		principal Principal
		resource  string
		want      Decision
		deniedBy  Kind
		matched   string
	}{
		{"identity allows", Set{Identity: id(allowGet)}, alice, "", Allow, 0, "id0#S"},
		{"nothing", Set{}, alice, "", ImplicitDeny, KindIdentity, ""},
		{"identity deny wins", Set{Identity: id(allowAll, denyGet)}, alice, "", ExplicitDeny, KindIdentity, "id1#S"},
		{"boundary caps", Set{Identity: id(allowAll), Boundary: bnd(allowList)}, alice, "", ImplicitDeny, KindBoundary, ""},
		{"boundary allows", Set{Identity: id(allowGet), Boundary: bnd(allowAll)}, alice, "", Allow, 0, "b#S,id0#S"},
		{"boundary never grants", Set{Boundary: bnd(allowAll)}, alice, "", ImplicitDeny, KindIdentity, ""},
		{"boundary deny", Set{Identity: id(allowAll), Boundary: bnd(denyGet)}, alice, "", ExplicitDeny, KindBoundary, "b#S"},
		{"role session no session policy", Set{Identity: id(allowGet)}, devSession, "", Allow, 0, "id0#S"},
		{"role session policy caps", Set{Identity: id(allowAll), Session: ses(allowList)}, devSession, "", ImplicitDeny, KindSession, ""},
		{"role session policies present empty", Set{Identity: id(allowAll), HasSession: true}, devSession, "", ImplicitDeny, KindSession, ""},
		{"role session policy allows", Set{Identity: id(allowGet), Session: ses(allowList, allowAll)}, devSession, "", Allow, 0, "id0#S,s1#S"},
		{"session deny", Set{Identity: id(allowAll), Session: ses(denyGet)}, devSession, "", ExplicitDeny, KindSession, "s0#S"},
		{"federated without session policy", Set{Identity: id(allowAll)}, fedBob, "", ImplicitDeny, KindSession, ""},
		{"federated with session policy", Set{Identity: id(allowAll), Session: ses(allowGet)}, fedBob, "", Allow, 0, "id0#S,s0#S"},
		{"user ignores session policies", Set{Identity: id(allowGet), Session: ses(allowList)}, alice, "", Allow, 0, "id0#S"},
		{"resource names user", Set{Resource: res(resPol(`{"AWS":"arn:aws:iam::111122223333:user/alice"}`))}, alice, "", Allow, 0, "r#R"},
		{"resource names user despite boundary", Set{Resource: res(resPol(`{"AWS":"arn:aws:iam::111122223333:user/alice"}`)), Boundary: bnd(allowList)}, alice, "", Allow, 0, "r#R"},
		{"resource star", Set{Resource: res(resPol(`"*"`)), Boundary: bnd(allowList)}, devSession, "", Allow, 0, "r#R"},
		{"resource names account", Set{Resource: res(resPol(`{"AWS":"111122223333"}`))}, alice, "", ImplicitDeny, KindIdentity, ""},
		{"resource names account identity allows", Set{Resource: res(resPol(`{"AWS":"arn:aws:iam::111122223333:root"}`)), Identity: id(allowGet)}, alice, "", Allow, 0, "id0#S"},
		{"resource names role", Set{Resource: res(resPol(`{"AWS":"arn:aws:iam::111122223333:role/dev"}`))}, devSession, "", Allow, 0, "r#R"},
		{"resource names role boundary blocks", Set{Resource: res(resPol(`{"AWS":"arn:aws:iam::111122223333:role/dev"}`)), Boundary: bnd(allowList)}, devSession, "", ImplicitDeny, KindBoundary, ""},
		{"resource names role session blocks", Set{Resource: res(resPol(`{"AWS":"arn:aws:iam::111122223333:role/dev"}`)), Session: ses(allowList)}, devSession, "", ImplicitDeny, KindSession, ""},
		{"resource names session", Set{Resource: res(resPol(`{"AWS":"arn:aws:sts::111122223333:assumed-role/dev/s1"}`)), Session: ses(allowList)}, devSession, "", Allow, 0, "r#R"},
		{"resource names role unique id", Set{Resource: res(resPol(`{"AWS":"AROADEVEXAMPLE000000"}`))}, devSession, "", Allow, 0, "r#R"},
		{"resource names federated parent user", Set{Resource: res(resPol(`{"AWS":"arn:aws:iam::111122223333:user/alice"}`))}, fedBob, "", ImplicitDeny, KindSession, ""},
		{"resource names federated user", Set{Resource: res(resPol(`{"AWS":"arn:aws:sts::111122223333:federated-user/bob"}`))}, fedBob, "", Allow, 0, "r#R"},
		{"resource other user", Set{Resource: res(resPol(`{"AWS":"arn:aws:iam::111122223333:user/bob"}`))}, alice, "", ImplicitDeny, KindIdentity, ""},
		{"resource deny beats identity", Set{Identity: id(allowAll), Resource: res(`{"Version":"2012-10-17","Statement":{"Sid":"D","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}}`)}, alice, "", ExplicitDeny, KindResource, "r#D"},
		{"cross account needs both", Set{Identity: id(allowAll)}, outsider, "", ImplicitDeny, KindResource, ""},
		{"cross account resource only", Set{Resource: res(resPol(`{"AWS":"444455556666"}`))}, outsider, "", ImplicitDeny, KindIdentity, ""},
		{"cross account both", Set{Resource: res(resPol(`{"AWS":"444455556666"}`)), Identity: id(allowAll)}, outsider, "", Allow, 0, "id0#S,r#R"},
		{"cross account direct still needs identity", Set{Resource: res(resPol(`{"AWS":"arn:aws:iam::444455556666:user/eve"}`))}, outsider, "", ImplicitDeny, KindIdentity, ""},
		{"root same account", Set{}, root, "", Allow, 0, ""},
		{"root resource deny", Set{Resource: res(`{"Version":"2012-10-17","Statement":{"Sid":"D","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}}`)}, root, "", ExplicitDeny, KindResource, "r#D"},
		{"notprincipal deny spares fully listed", Set{Identity: id(allowAll), Resource: res(`{"Version":"2012-10-17","Statement":{"Sid":"D","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","111122223333"]},"Action":"s3:*","Resource":"*"}}`)}, alice, "", Allow, 0, "id0#S"},
		{"notprincipal deny needs account", Set{Identity: id(allowAll), Resource: res(`{"Version":"2012-10-17","Statement":{"Sid":"D","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"*"}}`)}, alice, "", ExplicitDeny, KindResource, "r#D"},
		{"notprincipal deny with boundary", Set{Identity: id(allowAll), Boundary: bnd(allowAll), Resource: res(`{"Version":"2012-10-17","Statement":{"Sid":"D","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","111122223333"]},"Action":"s3:*","Resource":"*"}}`)}, alice, "", ExplicitDeny, KindResource, "r#D"},
		{"scp blocks", Set{Identity: id(allowAll), SCP: [][]*Compiled{{mustCompile(t, "scp", KindSCP, allowList)}}}, alice, "", ImplicitDeny, KindSCP, ""},
		{"scp every level", Set{Identity: id(allowAll), SCP: [][]*Compiled{{mustCompile(t, "scp1", KindSCP, allowAll)}, {mustCompile(t, "scp2", KindSCP, allowGet)}}}, alice, "", Allow, 0, "id0#S,scp1#S"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resource := tt.resource
			if resource == "" {
				resource = "arn:aws:s3:::b/k"
			}
			r := evalBoth(t, &tt.set, &Request{Principal: tt.principal, Action: "s3:GetObject", Resource: resource,
				ResourceAccount: acct})
			if r.Decision != tt.want {
				t.Fatalf("decision %v, want %v (denied by %v, matched %v)", r.Decision, tt.want, r.DeniedBy, r.Matched)
			}
			if tt.want != Allow && r.DeniedBy != tt.deniedBy {
				t.Fatalf("denied by %v, want %v", r.DeniedBy, tt.deniedBy)
			}
			var got []string
			for _, m := range r.Matched {
				got = append(got, m.Policy+"#"+m.Sid)
			}
			slices.Sort(got)
			if strings.Join(got, ",") != tt.matched {
				t.Fatalf("matched %v, want %s", got, tt.matched)
			}
		})
	}
}

func TestEvaluateTrust(t *testing.T) {
	trust := mustCompile(t, "trust", KindTrust, `{"Version":"2012-10-17","Statement":[
		{"Sid":"Users","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":["sts:AssumeRole","sts:TagSession"]},
		{"Sid":"Account","Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x-1"}}},
		{"Sid":"OIDC","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:org/*"}}}]}`)
	role := "arn:aws:iam::111122223333:role/target"
	web := Principal{Type: PrincipalWebIdentity, Provider: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}
	allowAssume := mustCompile(t, "caller", KindIdentity, idp("Allow", q("sts:AssumeRole"), q(role), ""))
	tests := []struct {
		name     string
		set      Set
		req      Request
		want     Decision
		deniedBy Kind
	}{
		{"named user needs no identity policy", Set{Resource: trust}, Request{Principal: alice, Action: "sts:AssumeRole"}, Allow, 0},
		{"tag session", Set{Resource: trust}, Request{Principal: alice, Action: "sts:TagSession"}, Allow, 0},
		{"silent trust identity not enough", Set{Resource: trust, Identity: []*Compiled{allowAssume}}, Request{Principal: devSession, Action: "sts:AssumeRole"}, ImplicitDeny, KindTrust},
		{"cross account with external id and identity", Set{Resource: trust, Identity: []*Compiled{allowAssume}}, Request{Principal: outsider, Action: "sts:AssumeRole", Context: ctxOf("sts:ExternalId", "x-1")}, Allow, 0},
		{"cross account without identity", Set{Resource: trust}, Request{Principal: outsider, Action: "sts:AssumeRole", Context: ctxOf("sts:ExternalId", "x-1")}, ImplicitDeny, KindIdentity},
		{"cross account wrong external id", Set{Resource: trust, Identity: []*Compiled{allowAssume}}, Request{Principal: outsider, Action: "sts:AssumeRole", Context: ctxOf("sts:ExternalId", "nope")}, ImplicitDeny, KindTrust},
		{"web identity", Set{Resource: trust}, Request{Principal: web, Action: "sts:AssumeRoleWithWebIdentity", Context: ctxOf("token.actions.githubusercontent.com:sub", "repo:org/app:ref:refs/heads/main")}, Allow, 0},
		{"web identity wrong repo", Set{Resource: trust}, Request{Principal: web, Action: "sts:AssumeRoleWithWebIdentity", Context: ctxOf("token.actions.githubusercontent.com:sub", "repo:other/app")}, ImplicitDeny, KindTrust},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.Resource = role
			r := evalBoth(t, &tt.set, &req)
			if r.Decision != tt.want {
				t.Fatalf("decision %v, want %v (denied by %v)", r.Decision, tt.want, r.DeniedBy)
			}
			if r.Decision == ImplicitDeny && r.DeniedBy != tt.deniedBy {
				t.Fatalf("denied by %v, want %v", r.DeniedBy, tt.deniedBy)
			}
			if tt.set.Identity == nil && tt.req.Principal.Account != outsider.Account {
				var alone Result
				EvaluateTrust(trust, &req, &alone)
				if alone.Decision != tt.want {
					t.Fatalf("EvaluateTrust %v, want %v", alone.Decision, tt.want)
				}
			}
		})
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		res  Result
		want string
	}{
		{Result{Decision: ImplicitDeny, DeniedBy: KindIdentity}, "because no identity-based policy allows the s3:GetObject action"},
		{Result{Decision: ImplicitDeny, DeniedBy: KindBoundary}, "because no permissions boundary allows the s3:GetObject action"},
		{Result{Decision: ImplicitDeny, DeniedBy: KindSession}, "because no session policy allows the s3:GetObject action"},
		{Result{Decision: ImplicitDeny, DeniedBy: KindResource}, "because no resource-based policy allows the s3:GetObject action"},
		{Result{Decision: ImplicitDeny, DeniedBy: KindSCP}, "because no service control policy allows the s3:GetObject action"},
		{Result{Decision: ExplicitDeny, DeniedBy: KindIdentity}, "with an explicit deny in an identity-based policy"},
		{Result{Decision: ExplicitDeny, DeniedBy: KindBoundary}, "with an explicit deny in a permissions boundary"},
		{Result{Decision: ExplicitDeny, DeniedBy: KindTrust}, "with an explicit deny in a resource-based policy"},
		{Result{Decision: Allow}, ""},
	}
	for _, tt := range tests {
		if got := tt.res.Reason("s3:GetObject"); got != tt.want {
			t.Errorf("%v/%v: %q, want %q", tt.res.Decision, tt.res.DeniedBy, got, tt.want)
		}
	}
	r := Result{Decision: ImplicitDeny, DeniedBy: KindIdentity}
	want := "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::111122223333:user/ because no identity-based policy allows the iam:ListUsers action"
	if got := r.AccessDeniedMessage(alice.ARN, "iam:ListUsers", "arn:aws:iam::111122223333:user/"); got != want {
		t.Fatalf("message %q", got)
	}
}

func TestMissingKeys(t *testing.T) {
	s := &Set{Identity: []*Compiled{mustCompile(t, "p", KindIdentity,
		idp("Allow", q("s3:*"), q("arn:aws:s3:::b/${aws:PrincipalTag/project}"), `{"StringEquals":{"s3:prefix":"x","aws:SourceVpc":"v"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`))}}
	res := Result{CollectMissing: true}
	s.Evaluate(&Request{Principal: alice, Action: "s3:ListBucket", Resource: "arn:aws:s3:::b/x", Context: ctxOf("aws:SourceVpc", "v")}, &res)
	if got := strings.Join(res.Missing, ","); got != "aws:principaltag/project" {
		t.Fatalf("missing %q", got)
	}
	// With the variable resolved, the conditions run.
	p := alice
	p.Tags = append(slices.Clone(p.Tags), Tag{Key: "project", Value: "x"})
	s.Evaluate(&Request{Principal: p, Action: "s3:ListBucket", Resource: "arn:aws:s3:::b/x", Context: ctxOf("aws:SourceVpc", "v")}, &res)
	if got := strings.Join(res.Missing, ","); got != "s3:prefix" {
		t.Fatalf("missing %q", got)
	}
}

func TestContext(t *testing.T) {
	c := NewContext()
	c.Set("AWS:SourceIp", "10.0.0.1")
	c.Set("aws:TagKeys", "a")
	c.Set("k", "1", "2")
	if v, ok := c.Get("aws:sourceip"); !ok || v[0] != "10.0.0.1" {
		t.Fatalf("case-insensitive get: %v %v", v, ok)
	}
	if e := c.lookup("aws:tagkeys"); e == nil || !e.multi {
		t.Fatal("aws:TagKeys must be multivalued")
	}
	if e := c.lookup("k"); e == nil || !e.multi {
		t.Fatal("two values make a set")
	}
	c.Set("AWS:SOURCEIP", "10.0.0.2")
	if v, _ := c.Get("aws:SourceIp"); len(c.Keys()) != 3 || v[0] != "10.0.0.2" {
		t.Fatalf("replace: %v %v", c.Keys(), v)
	}
	c.Delete("k")
	c.Reset()
	if _, ok := c.Get("aws:sourceip"); ok || len(c.Keys()) != 0 {
		t.Fatal("reset")
	}
}

func TestEvaluateNoAllocation(t *testing.T) {
	s := &Set{Identity: []*Compiled{
		mustCompile(t, "p1", KindIdentity, idp("Allow", q("s3:Get*"), q("arn:aws:s3:::home/${aws:username}/*"), `{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`)),
		mustCompile(t, "p2", KindIdentity, idp("Deny", q("s3:Delete*"), q("*"), "")),
	}}
	req := &Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice/x",
		Context: ctxOf("aws:SecureTransport", "true", "aws:SourceIp", "10.1.2.3"), Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	prepared := s.Prepare()
	var res Result
	for _, ev := range []interface{ Evaluate(*Request, *Result) }{s, prepared} {
		ev.Evaluate(req, &res)
		if res.Decision != Allow {
			t.Fatalf("decision %v", res.Decision)
		}
		if n := testing.AllocsPerRun(100, func() { ev.Evaluate(req, &res) }); n != 0 {
			t.Fatalf("%T: %v allocations per Evaluate", ev, n)
		}
	}
}

func TestActionCacheBounded(t *testing.T) {
	c := mustCompile(t, "p", KindIdentity, idp("Allow", q("s3:Get*"), q("*"), ""))
	s := &Set{Identity: []*Compiled{c}}
	var res Result
	for i := 0; i < maxCachedActions+10; i++ {
		s.Evaluate(&Request{Principal: alice, Action: fmt.Sprintf("s3:GetThing%d", i), Resource: "*"}, &res)
		if res.Decision != Allow {
			t.Fatalf("action %d: %v", i, res.Decision)
		}
	}
	if n := len(c.cache.snap.Load().entries); n != maxCachedActions {
		t.Fatalf("cache holds %d actions", n)
	}
	s.Evaluate(&Request{Principal: alice, Action: "s3:PutThing", Resource: "*"}, &res)
	if res.Decision != ImplicitDeny {
		t.Fatalf("past the bound: %v", res.Decision)
	}
}

// TestConcurrentEvaluate shares compiled policies and a prepared set
// between goroutines while their action caches fill (run with -race).
func TestConcurrentEvaluate(t *testing.T) {
	c := mustCompile(t, "p", KindIdentity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}`)
	s := &Set{Identity: []*Compiled{c}}
	p := s.Prepare()
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			var res Result
			for i := 0; i < 200; i++ {
				action := fmt.Sprintf("s3:Get%d", i%50)
				want := Allow
				if i%3 == 0 {
					action, want = fmt.Sprintf("s3:Delete%d", i%50), ExplicitDeny
				}
				req := &Request{Principal: alice, Action: action, Resource: "arn:aws:s3:::b/k"}
				s.Evaluate(req, &res)
				if res.Decision != want {
					t.Errorf("set %s: %v", action, res.Decision)
				}
				p.Evaluate(req, &res)
				if res.Decision != want {
					t.Errorf("prepared %s: %v", action, res.Decision)
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestNonASCIIActionCachedOnce(t *testing.T) {
	c := mustCompile(t, "p", KindIdentity, idp("Allow", q("s3:*"), q("*"), ""))
	s := &Set{Identity: []*Compiled{c}}
	var res Result
	for i := 0; i < 3; i++ {
		s.Evaluate(&Request{Principal: alice, Action: "s3:É", Resource: "*"}, &res)
	}
	if n := len(c.cache.snap.Load().entries); n != 1 {
		t.Fatalf("%d cache entries for one action", n)
	}
}

func TestActionCacheCollisions(t *testing.T) {
	c := mustCompile(t, "p", KindIdentity, idp("Allow", q("s3:Get*"), q("*"), ""))
	s := &Set{Identity: []*Compiled{c}}
	var res Result
	// Same length, same first and last eight bytes: one quickKey.
	for i := 0; i < 10; i++ {
		action := fmt.Sprintf("s3:GetThing%cMiddleObject", 'a'+i)
		s.Evaluate(&Request{Principal: alice, Action: action, Resource: "*"}, &res)
		if res.Decision != Allow {
			t.Fatalf("%s: %v", action, res.Decision)
		}
	}
	if n := len(c.cache.snap.Load().entries); n != maxSameKey {
		t.Fatalf("%d colliding actions cached, want %d", n, maxSameKey)
	}
	s.Evaluate(&Request{Principal: alice, Action: "s3:PutThingaMiddleObject", Resource: "*"}, &res)
	if res.Decision != ImplicitDeny {
		t.Fatalf("collision decided %v", res.Decision)
	}
}
