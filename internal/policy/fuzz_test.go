package policy_test

// Differential fuzzing: the bytes choose a policy set and a request from
// small alphabets (so that actions, resources and condition values match
// often), and the compiled engine must decide exactly as the reference
// evaluator of reference_test.go. `go test` runs the seeds in
// testdata/fuzz/FuzzDifferential; `go test -fuzz=FuzzDifferential` explores.

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iamd/iamd/internal/policy"
)

// byteSource hands out the fuzz input one choice at a time; once the input
// is used up every choice is 0, so any input describes a finite case.
type byteSource struct {
	b []byte
}

func (s *byteSource) next() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

// pick returns one element of a non-empty list.
func pick[T any](s *byteSource, xs []T) T { return xs[int(s.next())%len(xs)] }

// upTo returns 0..n.
func (s *byteSource) upTo(n int) int { return int(s.next()) % (n + 1) }

var (
	fzActions = []string{"s3:GetObject", "s3:Get*", "s3:*", "*", "S3:getobject", "s3:?etObject",
		"s3:PutObject", "iam:GetUser", "iam:*User", "sts:AssumeRole", "iam:ListRolePolicies", "iam:List*Policies"}
	fzReqActions = []string{"s3:GetObject", "s3:PutObject", "iam:GetUser", "sts:AssumeRole", "s3:getobject",
		"iam:ListRolePolicies", "iam:ListUserPolicies"}
	fzResources = []string{"*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k", "arn:aws:s3:::*/k",
		"arn:aws:s3:::${aws:username}/*", "arn:aws:s3:::b/${aws:PrincipalTag/team, 'k'}",
		"arn:aws:s3:::b/${*}", "arn:aws:s3:::b/?", "arn:aws:iam::111122223333:user/${aws:username}",
		"arn:aws:iam::*:role/*"}
	fzReqResources = []string{"arn:aws:s3:::b/k", "arn:aws:s3:::alice/k", "arn:aws:s3:::b/*", "*",
		"arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:role/dev", "arn:aws:s3:::b/blue"}
	fzOperators = []string{"StringEquals", "StringNotEquals", "StringLike", "StringNotLike",
		"StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "NumericEquals", "NumericLessThan",
		"NumericGreaterThanEquals", "NumericNotEquals", "DateGreaterThan", "DateLessThanEquals", "DateNotEquals",
		"Bool", "IpAddress", "NotIpAddress", "ArnLike", "ArnNotEquals", "Null", "BinaryEquals"}
	fzPrefixes = []string{"", "", "ForAllValues:", "ForAnyValue:"}
	fzKeys     = []string{"iamd:k", "aws:TagKeys", "aws:SourceIp", "iamd:n", "aws:CurrentTime",
		"aws:username", "aws:PrincipalArn", "aws:PrincipalTag/team", "aws:SecureTransport", "IAMD:K"}
	fzValues = []string{"a", "b", "A", "a*", "${aws:username}", "alice", "10.0.0.0/8", "10.0.0.1",
		"2001:db8::/32", "1", "10", "1.5", "-2", "true", "false", "2020-01-01T00:00:00Z", "1600000000",
		"arn:aws:iam::111122223333:*", "arn:aws:iam::111122223333:user/${aws:username}", "blue",
		"${aws:PrincipalTag/team, 'a'}", "YQ=="}
	fzDates     = []string{"2020-01-01T00:00:00Z", "1600000000", "2026-06-01", "2019-06-01T00:00:00Z", "2030-01-01T00:00:00+02:00"}
	fzCtxValues = []string{"a", "b", "A", "a*", "alice", "10.0.0.1", "2001:db8::1", "1", "10", "1.5",
		"true", "false", "2019-06-01T00:00:00Z", "blue", "x"}
	fzPrincipalValues = []string{"*", "arn:aws:iam::111122223333:user/alice", "111122223333",
		"arn:aws:iam::111122223333:role/dev", "arn:aws:sts::111122223333:assumed-role/dev/s1",
		"arn:aws:iam::444455556666:root", "arn:aws:sts::111122223333:federated-user/fed",
		"arn:aws:iam::111122223333:root"}
	fzVersions = []any{"2012-10-17", "2012-10-17", "2008-10-17", nil}
)

func fzPrincipals() []corpusPrincipal {
	return []corpusPrincipal{
		{Type: "User", ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333",
			UserID: "AIDAALICEXXXXXXXXXXXX", Username: "alice", Tags: map[string]string{"team": "blue"}},
		{Type: "User", ARN: "arn:aws:iam::111122223333:user/bob", Account: "111122223333",
			UserID: "AIDABOBXXXXXXXXXXXXXX", Username: "bob"},
		{Type: "AssumedRole", ARN: "arn:aws:sts::111122223333:assumed-role/dev/s1", Account: "111122223333",
			UserID: "AROADEVXXXXXXXXXXXXXX:s1", RoleARN: "arn:aws:iam::111122223333:role/dev"},
		{Type: "FederatedUser", ARN: "arn:aws:sts::111122223333:federated-user/fed", Account: "111122223333",
			UserID: "111122223333:fed", ParentUserARN: "arn:aws:iam::111122223333:user/alice"},
		{Type: "User", ARN: "arn:aws:iam::444455556666:user/carol", Account: "444455556666",
			UserID: "AIDACAROLXXXXXXXXXXXX", Username: "carol"},
		{Type: "Service", ARN: "ec2.amazonaws.com"},
		{Type: "Root", ARN: "arn:aws:iam::111122223333:root", Account: "111122223333", UserID: "111122223333"},
	}
}

// fzList returns one string or a list of 1..3, as the grammar allows.
func fzList(s *byteSource, xs []string) any {
	n := s.upTo(3)
	if n == 0 {
		return pick(s, xs)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = pick(s, xs)
	}
	return out
}

func fzStatement(s *byteSource, kind string, sid int) map[string]any {
	st := map[string]any{"Sid": "S" + string(rune('0'+sid))}
	st["Effect"] = pick(s, []string{"Allow", "Allow", "Deny"})
	switch {
	case kind == "trust":
		// IAM allows only the STS assume actions in trust policies.
		st["Action"] = fzList(s, []string{"sts:AssumeRole", "sts:TagSession"})
	case s.upTo(3) == 0:
		st["NotAction"] = fzList(s, fzActions)
	default:
		st["Action"] = fzList(s, fzActions)
	}
	switch kind {
	case "trust":
		// no Resource in trust policies
	default:
		if s.upTo(4) == 0 {
			st["NotResource"] = fzList(s, fzResources)
		} else {
			st["Resource"] = fzList(s, fzResources)
		}
	}
	if kind == "trust" || kind == "resource" {
		el := "Principal"
		if kind == "resource" && s.upTo(5) == 0 {
			el = "NotPrincipal" // not allowed in trust policies
		}
		switch s.upTo(5) {
		case 0:
			st[el] = "*"
		case 1:
			st[el] = map[string]any{"Service": pick(s, []string{"ec2.amazonaws.com", "lambda.amazonaws.com"})}
		default:
			st[el] = map[string]any{"AWS": fzList(s, fzPrincipalValues)}
		}
	}
	if n := s.upTo(3); n > 0 && n <= 2 {
		cond := map[string]any{}
		for range n {
			op := pick(s, fzOperators)
			if op != "Null" {
				op = pick(s, fzPrefixes) + op
				if s.upTo(3) == 0 {
					op += "IfExists"
				}
			}
			keys, _ := cond[op].(map[string]any)
			if keys == nil {
				keys = map[string]any{}
				cond[op] = keys
			}
			switch {
			case op == "Null":
				keys[pick(s, fzKeys)] = pick(s, []string{"true", "false"})
			case strings.Contains(op, "Date"):
				// IAM rejects Date values that are not dates at save time.
				keys[pick(s, fzKeys)] = fzList(s, fzDates)
			case strings.Contains(op, "Numeric"):
				// Policy values of typed operators are kept well-formed:
				// what an unparsable policy value means is undocumented.
				keys[pick(s, fzKeys)] = fzList(s, []string{"1", "10", "1.5", "-2"})
			case strings.Contains(op, "IpAddress"):
				keys[pick(s, fzKeys)] = fzList(s, []string{"10.0.0.0/8", "10.0.0.1", "2001:db8::/32"})
			case strings.Contains(op, "Binary"):
				keys[pick(s, fzKeys)] = fzList(s, []string{"YQ==", "Yg=="})
			default:
				keys[pick(s, fzKeys)] = fzList(s, fzValues)
			}
		}
		st["Condition"] = cond
	}
	return st
}

func fzPolicy(s *byteSource, id, kind string) corpusPolicy {
	n := 1 + s.upTo(2)
	stmts := make([]any, n)
	for i := range stmts {
		stmts[i] = fzStatement(s, kind, i)
	}
	doc := map[string]any{"Statement": stmts}
	if v := pick(s, fzVersions); v != nil {
		doc["Version"] = v
	}
	if kind == "boundary" {
		// A boundary is a managed policy: IAM requires 2012-10-17.
		doc["Version"] = "2012-10-17"
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	p := corpusPolicy{ID: id, Document: raw}
	if kind == "trust" || kind == "resource" {
		p.Kind = kind
	}
	return p
}

// fzCase builds a whole evaluation case from the fuzz bytes.
func fzCase(data []byte) corpusCase {
	s := &byteSource{b: data}
	var c corpusCase
	c.Policies = &corpusPolicies{}
	for i := range s.upTo(3) {
		c.Policies.Identity = append(c.Policies.Identity, fzPolicy(s, "id"+string(rune('0'+i)), "identity"))
	}
	switch s.upTo(3) {
	case 1:
		p := fzPolicy(s, "res", "resource")
		c.Policies.Resource = &p
	case 2:
		p := fzPolicy(s, "trust", "trust")
		c.Policies.Resource = &p
	}
	if s.upTo(2) == 1 {
		p := fzPolicy(s, "bnd", "boundary")
		c.Policies.Boundary = &p
	}
	if n := s.upTo(3); n > 0 {
		sess := []corpusPolicy{}
		for i := range n - 1 {
			sess = append(sess, fzPolicy(s, "ses"+string(rune('0'+i)), "session"))
		}
		c.Policies.Session = &sess
	}
	r := &corpusRequest{Principal: pick(s, fzPrincipals()), Action: pick(s, fzReqActions),
		Resource: pick(s, fzReqResources), Context: map[string][]string{}}
	if s.upTo(3) == 0 {
		r.ResourceAccount = pick(s, []string{"111122223333", "444455556666"})
	}
	for range s.upTo(3) {
		k := pick(s, []string{"iamd:k", "aws:TagKeys", "aws:SourceIp", "iamd:n", "aws:SecureTransport", "iamd:K"})
		vals := []string{}
		for range s.upTo(3) {
			vals = append(vals, pick(s, fzCtxValues))
		}
		if fzHasKeyFold(r.Context, k) {
			continue // one key, one value set: the names are case-insensitive
		}
		r.Context[k] = vals
	}
	c.Request = r
	return c
}

// fzSeeds are byte strings that exercise the main shapes; testdata holds
// more (including ones that once found a disagreement).
var fzSeeds = [][]byte{
	{1, 0, 0, 0, 0, 0},
	{2, 1, 1, 0, 3, 1, 0, 0, 2, 1, 1, 0, 0, 0, 0, 0},
	{1, 0, 1, 2, 1, 1, 3, 0, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
	{0, 1, 0, 2, 0, 1, 1, 1, 0, 1, 0, 2, 3, 4, 0, 2, 1, 1, 1, 1},
	{3, 2, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22},
	[]byte("iamd policy differential seed with a longer tail of choices 0123456789"),
}

func FuzzDifferential(f *testing.F) {
	for _, s := range fzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := fzCase(data)
		set, err := c.engineSet()
		if err != nil {
			// Generated documents are valid by construction; the
			// validator is fuzzed on its own below.
			t.Fatalf("generated policy rejected: %v", err)
		}
		req, err := c.Request.engineRequest()
		if err != nil {
			t.Fatal(err)
		}
		var res policy.Result
		set.Evaluate(req, &res)
		rs, rr, err := c.refInputs()
		if err != nil {
			t.Fatal(err)
		}
		want := refEvaluate(rs, rr)
		if res.Decision.String() != want.Decision {
			t.Fatalf("engine %s, reference %s\n%s", res.Decision, want.Decision, describeCase(c))
		}
		// The same compiled set and Result, reused for every other action
		// (as the server reuses them), must still agree with the reference.
		var again policy.Result
		for _, action := range fzReqActions {
			r2 := *c.Request
			r2.Action = action
			req2, err := r2.engineRequest()
			if err != nil {
				t.Fatal(err)
			}
			set.Evaluate(req2, &again)
			at, _ := r2.time()
			if w := refEvaluate(rs, newRefRequest(r2.Principal, action, r2.Resource, r2.ResourceAccount, r2.Context, at)); again.Decision.String() != w.Decision {
				t.Fatalf("reused set, action %s: engine %s, reference %s\n%s", action, again.Decision, w.Decision, describeCase(c))
			}
		}
		switch res.Decision {
		case policy.Allow:
			// Which statement of a policy type is reported is the
			// engine's choice; which policy types had to allow is not.
			var got, exp []string
			for _, m := range res.Matched {
				got = append(got, m.Kind.String())
			}
			for _, m := range want.Matched {
				exp = append(exp, m.Kind)
			}
			sort.Strings(got)
			sort.Strings(exp)
			if !slices.Equal(got, exp) {
				t.Fatalf("policy types that granted: engine %v, reference %v\n%s", got, exp, describeCase(c))
			}
		case policy.ExplicitDeny:
			var got, exp []string
			for _, m := range res.Matched {
				got = append(got, m.Policy+"#"+m.Sid)
			}
			for _, m := range want.Matched {
				exp = append(exp, m.Policy+"#"+m.Sid)
			}
			sort.Strings(got)
			sort.Strings(exp)
			if !slices.Equal(got, exp) {
				t.Fatalf("denying statements: engine %v, reference %v\n%s", got, exp, describeCase(c))
			}
		case policy.ImplicitDeny:
			if res.DeniedBy.String() != want.Failed {
				t.Fatalf("failed policy type: engine %s, reference %s\n%s", res.DeniedBy, want.Failed, describeCase(c))
			}
		}
	})
}

// describeCase prints a failing generated case as a corpus entry, ready to
// be pasted into testdata/corpus once the expectation is filled in.
func describeCase(c corpusCase) string {
	c.Name, c.Rule = "fuzz", "?"
	b, _ := json.MarshalIndent(c, "", " ")
	return string(b)
}

// FuzzValidate: the decoder and validator must never panic, must return
// positions inside the document, and Parse must fail exactly when Validate
// reports an error. Every kind is tried on each input.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`))
	f.Add([]byte(`{"Statement":[{"Effect":"Deny","Principal":{"AWS":["*"]},"NotAction":"iam:*","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*",1,true,null]}}}]}`))
	f.Add([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"allow","Action":"a a:b","Resource":"arn:aws:iam:us-east-1::x"},{"Sid":"A"}]}`))
	f.Add([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${aws:username, 'x'}/${*}","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}`))
	f.Add([]byte("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\n\"Action\":\"s3:*\",\"Resource\":\"\\u0000\\ud800\"}]}"))
	f.Add([]byte(`[`))
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Effect":"Allow"}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		lines := 1
		for _, b := range doc {
			if b == '\n' {
				lines++
			}
		}
		for _, k := range []policy.Kind{policy.KindIdentity, policy.KindResource, policy.KindTrust,
			policy.KindBoundary, policy.KindSession, policy.KindSCP} {
			findings := policy.Validate(k, doc)
			errs := 0
			for _, fd := range findings {
				if fd.Severity == policy.SeverityError {
					errs++
					if fd.Message == "" || fd.Code != policy.CodeMalformedPolicyDocument {
						t.Fatalf("%s: error finding without message or code: %+v", k, fd)
					}
				}
				if fd.Line < 1 || fd.Line > lines || fd.Column < 1 {
					t.Fatalf("%s: finding position %d:%d outside the document (%d lines): %+v", k, fd.Line, fd.Column, lines, fd)
				}
				if !utf8.ValidString(fd.Message) {
					t.Fatalf("%s: message is not UTF-8: %q", k, fd.Message)
				}
			}
			p, err := policy.Parse(k, doc)
			if (errs > 0) != (err != nil) {
				t.Fatalf("%s: Validate found %d errors but Parse returned %v", k, errs, err)
			}
			if err == nil {
				if p == nil {
					t.Fatalf("%s: Parse returned neither policy nor error", k)
				}
				// A valid document compiles and evaluates without panicking.
				cp, err := policy.Compile("fuzz", k, p)
				if err != nil {
					t.Fatalf("%s: Compile of a valid policy failed: %v", k, err)
				}
				var set policy.Set
				switch k {
				case policy.KindResource, policy.KindTrust:
					set.Resource = cp
				case policy.KindBoundary:
					set.Boundary = cp
				case policy.KindSession:
					set.Session, set.HasSession = []*policy.Compiled{cp}, true
				case policy.KindSCP:
					set.SCP = [][]*policy.Compiled{{cp}}
				default:
					set.Identity = []*policy.Compiled{cp}
				}
				ctx := policy.NewContext()
				ctx.Set("aws:TagKeys", "a", "b")
				var res policy.Result
				set.Evaluate(&policy.Request{Principal: policy.Principal{Type: policy.PrincipalUser,
					ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333", Username: "alice"},
					Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctx,
					Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, &res)
			}
			_ = policy.CheckSize(k, doc)
		}
	})
}

func fzHasKeyFold(m map[string][]string, k string) bool {
	for x := range m {
		if strings.EqualFold(x, k) {
			return true
		}
	}
	return false
}
