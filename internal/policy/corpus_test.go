package policy_test

// The corpus: named cases under testdata/corpus/*.json, each pinning one rule
// of the reference notes (its "rule" field cites the section). Every
// evaluation case runs against the engine and against the reference
// evaluator of reference_test.go; both must produce the expected decision,
// deciding statements and failing policy type. Validation cases run
// Validate and compare the error messages; size cases run CheckSize.
//
// A case the engine is known to get wrong carries "knownFailure": the engine
// check is skipped with that reason until the engine is fixed, the
// reference check still runs.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/policy"
)

type corpusFile struct {
	Topic string       `json:"topic"`
	Cases []corpusCase `json:"cases"`
}

type corpusCase struct {
	Name         string `json:"name"`
	Rule         string `json:"rule"`
	KnownFailure string `json:"knownFailure,omitempty"`

	// Evaluation cases.
	Policies *corpusPolicies `json:"policies,omitempty"`
	Request  *corpusRequest  `json:"request,omitempty"`

	// Validation cases.
	Validate *corpusValidate `json:"validate,omitempty"`
	// Size cases.
	Size *corpusSize `json:"size,omitempty"`

	Expect corpusExpect `json:"expect"`
}

type corpusPolicy struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind,omitempty"` // resource or trust, for the resource policy
	Document json.RawMessage `json:"document"`
}

type corpusPolicies struct {
	Identity []corpusPolicy `json:"identity,omitempty"`
	Resource *corpusPolicy  `json:"resource,omitempty"`
	Boundary *corpusPolicy  `json:"boundary,omitempty"`
	// Session is absent when the session was created without session
	// policies, and a (possibly empty) list when it was created with them.
	Session *[]corpusPolicy `json:"session,omitempty"`
}

type corpusPrincipal struct {
	Type          string            `json:"type"` // User, AssumedRole, Root, FederatedUser, WebIdentity, Service, Anonymous
	ARN           string            `json:"arn"`
	Account       string            `json:"account,omitempty"`
	UserID        string            `json:"userId,omitempty"`
	Username      string            `json:"username,omitempty"`
	RoleARN       string            `json:"roleArn,omitempty"`
	ParentUserARN string            `json:"parentUserArn,omitempty"`
	Provider      string            `json:"provider,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
}

type corpusRequest struct {
	Principal       corpusPrincipal     `json:"principal"`
	Action          string              `json:"action"`
	Resource        string              `json:"resource"`
	ResourceAccount string              `json:"resourceAccount,omitempty"`
	Context         map[string][]string `json:"context,omitempty"`
	// Time is RFC 3339; defaultTime when absent.
	Time string `json:"time,omitempty"`
}

type corpusValidate struct {
	Kind string `json:"kind"`
	// Document is a JSON document; Text, when set, is used verbatim
	// instead (for documents that are not valid JSON or that must keep
	// duplicate members, odd spacing and so on).
	Document json.RawMessage `json:"document,omitempty"`
	Text     *string         `json:"text,omitempty"`
}

// corpusSize describes a document built to an exact size: a trust or
// identity policy whose padding brings the count of characters that IAM
// counts (everything except white space outside strings) to Chars, then
// Whitespace extra blanks and newlines spread outside strings.
type corpusSize struct {
	Kind       string `json:"kind"`
	Chars      int    `json:"chars"`
	Whitespace int    `json:"whitespace,omitempty"`
	// InString puts this many of the counted characters as spaces inside a
	// string value (they count).
	InString int `json:"inString,omitempty"`
}

type corpusMatch struct {
	Policy string `json:"policy"`
	Sid    string `json:"sid"`
}

type corpusExpect struct {
	Decision string        `json:"decision,omitempty"`
	Matched  []corpusMatch `json:"matched,omitempty"`
	// Failed is the policy type that failed to allow, for ImplicitDeny.
	Failed string `json:"failed,omitempty"`
	// Findings are the expected error messages of a validation case, in
	// order; empty means the document is valid.
	Findings []string `json:"findings,omitempty"`
	// SizeError is the expected CheckSize message; empty means within quota.
	SizeError string `json:"sizeError,omitempty"`
}

// defaultTime is the request time of cases that give none.
var defaultTime = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// loadCorpus reads every corpus file; names are file/case.
func loadCorpus(t testing.TB) (names []string, cases []corpusCase) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields() // a typo in a field name must not silently drop an expectation
		var cf corpusFile
		if err := dec.Decode(&cf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		base := strings.TrimSuffix(filepath.Base(f), ".json")
		for _, c := range cf.Cases {
			name := base + "/" + c.Name
			if seen[name] {
				t.Fatalf("duplicate case name %s", name)
			}
			seen[name] = true
			if err := c.wellFormed(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			names = append(names, name)
			cases = append(cases, c)
		}
	}
	return names, cases
}

// wellFormed rejects corpus cases that could not fail: every case needs a
// rule, exactly one of the three forms, and a concrete expectation.
func (c corpusCase) wellFormed() error {
	if c.Name == "" || c.Rule == "" {
		return errors.New("case without name or rule")
	}
	n := 0
	if c.Policies != nil || c.Request != nil {
		n++
		if c.Policies == nil || c.Request == nil {
			return errors.New("evaluation case needs policies and request")
		}
		if _, err := policy.ParseDecision(c.Expect.Decision); err != nil {
			return err
		}
		seen := map[string]bool{}
		for k := range c.Request.Context {
			if seen[strings.ToLower(k)] {
				return errors.New("context key " + k + " given twice (key names are case-insensitive)")
			}
			seen[strings.ToLower(k)] = true
		}
		if c.Expect.Decision == "ImplicitDeny" && c.Expect.Failed == "" {
			return errors.New("ImplicitDeny case without expect.failed")
		}
		// The root user is allowed by no statement at all in its own
		// account; every other Allow names its statements.
		if c.Expect.Decision != "ImplicitDeny" && len(c.Expect.Matched) == 0 && c.Request.Principal.Type != "Root" {
			return errors.New(c.Expect.Decision + " case without expect.matched")
		}
	}
	if c.Validate != nil {
		n++
	}
	if c.Size != nil {
		n++
	}
	if n != 1 {
		return errors.New("case must be exactly one of evaluation, validate, size")
	}
	return nil
}

func TestCorpus(t *testing.T) {
	names, cases := loadCorpus(t)
	if len(cases) < 300 {
		t.Errorf("corpus has %d cases, want at least 300", len(cases))
	}
	for i, c := range cases {
		t.Run(names[i], func(t *testing.T) {
			switch {
			case c.Validate != nil:
				runValidateCase(t, c)
			case c.Size != nil:
				runSizeCase(t, c)
			default:
				t.Run("reference", func(t *testing.T) { refCheckCorpusAgrees(t, c) })
				t.Run("engine", func(t *testing.T) {
					if c.KnownFailure != "" {
						t.Skip("known engine failure: " + c.KnownFailure)
					}
					runEngineCase(t, c)
				})
			}
		})
	}
}

// TestCorpusKnownFailuresStillFail keeps the knownFailure markers honest: a
// marked case that now passes against the engine is reported so the marker
// gets removed.
func TestCorpusKnownFailuresStillFail(t *testing.T) {
	names, cases := loadCorpus(t)
	for i, c := range cases {
		if c.KnownFailure == "" {
			continue
		}
		res, err := engineEvaluate(c)
		if err != nil {
			continue
		}
		if c.engineMismatch(res) == "" {
			t.Errorf("%s: marked knownFailure (%s) but the engine now passes; remove the marker", names[i], c.KnownFailure)
		}
	}
}

func parseKind(t testing.TB, s string) policy.Kind {
	t.Helper()
	k, err := policy.ParseKind(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (c corpusCase) validateDoc() []byte {
	if c.Validate.Text != nil {
		return []byte(*c.Validate.Text)
	}
	return c.Validate.Document
}

func runValidateCase(t *testing.T, c corpusCase) {
	k := parseKind(t, c.Validate.Kind)
	doc := c.validateDoc()
	if c.KnownFailure != "" {
		t.Skip("known engine failure: " + c.KnownFailure)
	}
	var got []string
	var warnings []string
	for _, f := range policy.Validate(k, doc) {
		if f.Severity == policy.SeverityError {
			got = append(got, f.Message)
			if f.Code != policy.CodeMalformedPolicyDocument {
				t.Errorf("finding %q has code %q", f.Message, f.Code)
			}
			if f.Line < 1 || f.Column < 1 {
				t.Errorf("finding %q has no position (%d:%d)", f.Message, f.Line, f.Column)
			}
		} else {
			warnings = append(warnings, f.Message)
		}
	}
	if !slices.Equal(got, c.Expect.Findings) {
		t.Fatalf("Validate(%s) errors\n got: %q\nwant: %q\n(warnings: %q)", c.Validate.Kind, got, c.Expect.Findings, warnings)
	}
	// Parse must agree with Validate: it fails exactly when there are
	// errors, and its message is the first one's.
	_, err := policy.Parse(k, doc)
	switch {
	case len(got) == 0 && err != nil:
		t.Fatalf("Validate found no error but Parse failed: %v", err)
	case len(got) > 0 && err == nil:
		t.Fatalf("Validate found %q but Parse succeeded", got)
	case len(got) > 0:
		var ve *policy.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Parse error is %T, want *policy.ValidationError", err)
		}
		if err.Error() != got[0] || ve.AWSErrorCode() != policy.CodeMalformedPolicyDocument {
			t.Fatalf("Parse error = %s %q, want %q", ve.AWSErrorCode(), err.Error(), got[0])
		}
	}
}

// buildSizedDoc builds a valid policy whose counted size is exactly
// s.Chars. The padding is a Sid (trust) or a StringEquals value.
func buildSizedDoc(t testing.TB, s corpusSize) []byte {
	t.Helper()
	stmt := map[string]any{"Sid": "", "Effect": "Allow", "Action": "sts:AssumeRole"}
	if s.Kind == "trust" {
		stmt["Principal"] = map[string]any{"AWS": "arn:aws:iam::111122223333:root"}
	} else {
		stmt["Resource"] = "*"
		stmt["Action"] = "s3:GetObject"
	}
	pad := strings.Repeat(" ", s.InString)
	stmt["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:UserAgent": pad}}
	doc := map[string]any{"Version": "2012-10-17", "Statement": []any{stmt}}
	base, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	// json.Marshal writes no white space outside strings, so len(base) is
	// the counted size before padding the Sid.
	n := s.Chars - len(base)
	if n < 0 {
		t.Fatalf("size %d is smaller than the skeleton (%d)", s.Chars, len(base))
	}
	stmt["Sid"] = strings.Repeat("A", n)
	out, _ := json.Marshal(doc)
	if len(out) != s.Chars {
		t.Fatalf("built %d chars, want %d", len(out), s.Chars)
	}
	if s.Whitespace > 0 {
		out = spreadWhitespace(out, s.Whitespace)
	}
	return out
}

// spreadWhitespace inserts n blanks and newlines after the structural
// characters outside strings.
func spreadWhitespace(doc []byte, n int) []byte {
	var out []byte
	inStr, esc := false, false
	var points []int
	for i, b := range doc {
		switch {
		case esc:
			esc = false
		case inStr && b == '\\':
			esc = true
		case b == '"':
			inStr = !inStr
		case !inStr && (b == ',' || b == ':' || b == '{' || b == '['):
			points = append(points, i+1)
		}
	}
	per := make([]int, len(points))
	for i := 0; i < n; i++ {
		per[i%len(points)]++
	}
	prev := 0
	for i, p := range points {
		out = append(out, doc[prev:p]...)
		for j := 0; j < per[i]; j++ {
			if j%8 == 0 {
				out = append(out, '\n')
			} else {
				out = append(out, ' ')
			}
		}
		prev = p
	}
	return append(out, doc[prev:]...)
}

func runSizeCase(t *testing.T, c corpusCase) {
	k := parseKind(t, c.Size.Kind)
	doc := buildSizedDoc(t, *c.Size)
	if _, err := policy.Parse(k, doc); err != nil {
		t.Fatalf("sized document does not parse: %v\n%s", err, doc)
	}
	if c.KnownFailure != "" {
		t.Skip("known engine failure: " + c.KnownFailure)
	}
	err := policy.CheckSize(k, doc)
	got := ""
	if err != nil {
		got = err.Error()
		type coded interface{ AWSErrorCode() string }
		var ce coded
		if !errors.As(err, &ce) || ce.AWSErrorCode() != "LimitExceeded" {
			t.Errorf("CheckSize error %v is not a LimitExceeded error", err)
		}
		if ce != nil {
			if m, ok := ce.(interface{ AWSMessage() string }); ok {
				got = m.AWSMessage()
			}
		}
	}
	if got != c.Expect.SizeError {
		t.Fatalf("CheckSize(%s, %d chars + %d blanks) = %q, want %q", c.Size.Kind, c.Size.Chars, c.Size.Whitespace, got, c.Expect.SizeError)
	}
}

var principalTypes = map[string]policy.PrincipalType{
	"User": policy.PrincipalUser, "AssumedRole": policy.PrincipalAssumedRole, "Root": policy.PrincipalRoot,
	"FederatedUser": policy.PrincipalFederatedUser, "WebIdentity": policy.PrincipalWebIdentity,
	"Service": policy.PrincipalService, "Anonymous": policy.PrincipalAnonymous,
}

func (r *corpusRequest) time() (time.Time, error) {
	if r.Time == "" {
		return defaultTime, nil
	}
	return time.Parse(time.RFC3339, r.Time)
}

// engineRequest converts the corpus request into the engine's.
func (r *corpusRequest) engineRequest() (*policy.Request, error) {
	pt, ok := principalTypes[r.Principal.Type]
	if !ok {
		return nil, fmt.Errorf("unknown principal type %q", r.Principal.Type)
	}
	at, err := r.time()
	if err != nil {
		return nil, err
	}
	p := policy.Principal{Type: pt, ARN: r.Principal.ARN, Account: r.Principal.Account,
		UserID: r.Principal.UserID, Username: r.Principal.Username, RoleARN: r.Principal.RoleARN,
		ParentUserARN: r.Principal.ParentUserARN, Provider: r.Principal.Provider}
	keys := make([]string, 0, len(r.Principal.Tags))
	for k := range r.Principal.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.Tags = append(p.Tags, policy.Tag{Key: k, Value: r.Principal.Tags[k]})
	}
	ctx := policy.NewContext()
	ckeys := make([]string, 0, len(r.Context))
	for k := range r.Context {
		ckeys = append(ckeys, k)
	}
	sort.Strings(ckeys)
	for _, k := range ckeys {
		ctx.Set(k, r.Context[k]...)
	}
	return &policy.Request{Principal: p, Action: r.Action, Resource: r.Resource,
		ResourceAccount: r.ResourceAccount, Context: ctx, Time: at}, nil
}

func compileCorpusPolicy(p corpusPolicy, kind policy.Kind) (*policy.Compiled, error) {
	parsed, err := policy.Parse(kind, p.Document)
	if err != nil {
		return nil, fmt.Errorf("policy %s does not parse as %s: %v", p.ID, kind, err)
	}
	return policy.Compile(p.ID, kind, parsed)
}

// engineSet compiles the case's policies.
func (c corpusCase) engineSet() (*policy.Set, error) {
	s := &policy.Set{}
	for _, p := range c.Policies.Identity {
		cp, err := compileCorpusPolicy(p, policy.KindIdentity)
		if err != nil {
			return nil, err
		}
		s.Identity = append(s.Identity, cp)
	}
	if p := c.Policies.Resource; p != nil {
		k := policy.KindResource
		if p.Kind == "trust" {
			k = policy.KindTrust
		}
		cp, err := compileCorpusPolicy(*p, k)
		if err != nil {
			return nil, err
		}
		s.Resource = cp
	}
	if p := c.Policies.Boundary; p != nil {
		cp, err := compileCorpusPolicy(*p, policy.KindBoundary)
		if err != nil {
			return nil, err
		}
		s.Boundary = cp
	}
	if c.Policies.Session != nil {
		s.HasSession = true
		for _, p := range *c.Policies.Session {
			cp, err := compileCorpusPolicy(p, policy.KindSession)
			if err != nil {
				return nil, err
			}
			s.Session = append(s.Session, cp)
		}
	}
	return s, nil
}

func engineEvaluate(c corpusCase) (*policy.Result, error) {
	set, err := c.engineSet()
	if err != nil {
		return nil, err
	}
	req, err := c.Request.engineRequest()
	if err != nil {
		return nil, err
	}
	var res policy.Result
	set.Evaluate(req, &res)
	return &res, nil
}

func runEngineCase(t *testing.T, c corpusCase) {
	res, err := engineEvaluate(c)
	if err != nil {
		t.Fatal(err)
	}
	if msg := c.engineMismatch(res); msg != "" {
		t.Fatal(msg)
	}
}

func matchKeys(ms []corpusMatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Policy + "#" + m.Sid
	}
	sort.Strings(out)
	return out
}

// engineMismatch compares an engine result with the expectation; "" when
// they agree.
func (c corpusCase) engineMismatch(res *policy.Result) string {
	var got []corpusMatch
	for _, m := range res.Matched {
		got = append(got, corpusMatch{Policy: m.Policy, Sid: m.Sid})
	}
	return c.mismatch(res.Decision.String(), got, res.DeniedBy.String())
}

func (c corpusCase) mismatch(decision string, matched []corpusMatch, failed string) string {
	e := c.Expect
	var msgs []string
	if decision != e.Decision {
		msgs = append(msgs, fmt.Sprintf("decision %s, want %s", decision, e.Decision))
	}
	if e.Decision != "ImplicitDeny" && decision == e.Decision {
		if g, w := matchKeys(matched), matchKeys(e.Matched); !slices.Equal(g, w) {
			msgs = append(msgs, fmt.Sprintf("matched %v, want %v", g, w))
		}
	}
	if e.Decision == "ImplicitDeny" && decision == e.Decision && failed != e.Failed {
		msgs = append(msgs, fmt.Sprintf("failed policy type %s, want %s", failed, e.Failed))
	}
	return strings.Join(msgs, "; ")
}

// refInputs converts the case for the reference evaluator, decoding the
// documents with its own decoder.
func (c corpusCase) refInputs() (refSet, refRequest, error) {
	var s refSet
	conv := func(p corpusPolicy, kind string) (refPolicy, error) {
		doc, err := decodeRefDoc(p.Document)
		if err != nil {
			return refPolicy{}, fmt.Errorf("policy %s: %v", p.ID, err)
		}
		return refPolicy{ID: p.ID, Kind: kind, Doc: doc}, nil
	}
	for _, p := range c.Policies.Identity {
		rp, err := conv(p, "identity")
		if err != nil {
			return s, refRequest{}, err
		}
		s.Identity = append(s.Identity, rp)
	}
	if p := c.Policies.Resource; p != nil {
		kind := "resource"
		if p.Kind == "trust" {
			kind = "trust"
		}
		rp, err := conv(*p, kind)
		if err != nil {
			return s, refRequest{}, err
		}
		s.Resource = &rp
	}
	if p := c.Policies.Boundary; p != nil {
		rp, err := conv(*p, "boundary")
		if err != nil {
			return s, refRequest{}, err
		}
		s.Boundary = &rp
	}
	if c.Policies.Session != nil {
		s.HasSession = true
		for _, p := range *c.Policies.Session {
			rp, err := conv(p, "session")
			if err != nil {
				return s, refRequest{}, err
			}
			s.Session = append(s.Session, rp)
		}
	}
	at, err := c.Request.time()
	if err != nil {
		return s, refRequest{}, err
	}
	r := c.Request
	return s, newRefRequest(r.Principal, r.Action, r.Resource, r.ResourceAccount, r.Context, at), nil
}

func (c corpusCase) checkRef(t *testing.T, got refResult) {
	t.Helper()
	var matched []corpusMatch
	for _, m := range got.Matched {
		matched = append(matched, corpusMatch{Policy: m.Policy, Sid: m.Sid})
	}
	if msg := c.mismatch(got.Decision, matched, got.Failed); msg != "" {
		t.Fatal("reference evaluator: " + msg)
	}
}

// reuseActions are evaluated, in order and then in reverse, against each
// case's compiled policies. Several pairs share their length and their
// first and last bytes (iam:ListRolePolicies / iam:ListUserPolicies), so a
// per-policy action cache that confused them would answer one with the
// other's result.
var reuseActions = []string{
	"iam:ListRolePolicies", "iam:ListUserPolicies", "IAM:listuserpolicies", "iam:GetUser", "iam:GetRole",
	"s3:GetObject", "s3:GetObjectAcl", "s3:PutObject", "s3:PutObjectAcl", "sts:AssumeRole", "sts:TagSession",
	"ec2:StartInstances", "ec2:StopInstances", "iam:CreateAccessKey", "iam:DeleteAccessKey",
}

// TestCorpusReusedSet evaluates many requests against the same compiled
// set, as the server does, and compares every answer with the reference:
// no state kept between evaluations (caches, reused Result slices) may
// change a decision.
func TestCorpusReusedSet(t *testing.T) {
	names, cases := loadCorpus(t)
	for i, c := range cases {
		if c.Policies == nil || c.KnownFailure != "" {
			continue
		}
		set, err := c.engineSet()
		if err != nil {
			t.Fatalf("%s: %v", names[i], err)
		}
		rs, _, err := c.refInputs()
		if err != nil {
			t.Fatalf("%s: %v", names[i], err)
		}
		actions := append([]string{c.Request.Action}, reuseActions...)
		for j := len(reuseActions) - 1; j >= 0; j-- {
			actions = append(actions, reuseActions[j])
		}
		actions = append(actions, c.Request.Action)
		var res policy.Result // reused on purpose
		for _, action := range actions {
			r := *c.Request
			r.Action = action
			req, err := r.engineRequest()
			if err != nil {
				t.Fatal(err)
			}
			set.Evaluate(req, &res)
			at, _ := r.time()
			want := refEvaluate(rs, newRefRequest(r.Principal, r.Action, r.Resource, r.ResourceAccount, r.Context, at))
			if res.Decision.String() != want.Decision {
				t.Errorf("%s with action %s on the reused set: engine %s, reference %s", names[i], action, res.Decision, want.Decision)
			}
		}
	}
}
