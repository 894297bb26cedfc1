package policy_test

// This file is a reference evaluator written straight from
// /work/shared/reference/{evaluation,policy-grammar,conditions}.md. It is
// deliberately naive and shares no code with the engine: it decodes the
// documents into maps itself, loops over every statement, and matches
// wildcards with a plain dynamic-programming table. Its only job is to be
// obviously correct, so that the corpus and the differential fuzz test have
// a second opinion to compare the engine with.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// refPolicy is one policy handed to the reference evaluator.
type refPolicy struct {
	ID   string
	Kind string // identity, resource, trust, boundary, session
	Doc  map[string]any
}

// refSet mirrors the policy types of evaluation.md §2.
type refSet struct {
	Identity   []refPolicy
	Resource   *refPolicy
	Boundary   *refPolicy
	Session    []refPolicy
	HasSession bool
}

// refRequest is the request as the reference sees it. Context keys are
// lower-cased; every key present has a (possibly empty) list of values.
type refRequest struct {
	Principal       corpusPrincipal
	Action          string
	Resource        string
	ResourceAccount string
	Context         map[string][]string
	multi           map[string]bool
}

type refMatch struct {
	Policy string
	Sid    string
	Kind   string
}

type refResult struct {
	Decision string // Allow, ExplicitDeny, ImplicitDeny
	Matched  []refMatch
	Failed   string // for ImplicitDeny: identity, resource, trust, boundary, session
}

// decodeRefDoc decodes a policy document into plain maps, keeping numbers as
// written.
func decodeRefDoc(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// refMultivalued are the keys conditions.md §3 lists as multivalued.
var refMultivalued = []string{
	"aws:tagkeys", "sts:transitivetagkeys", "aws:calledvia", "aws:principalservicenameslist",
	"aws:principalorgpaths", "aws:resourceorgpaths", "cognito-identity.amazonaws.com:amr",
	"sts:identitytokenaudience", "sts:requestcontextproviders", "iam:accountpropertynamespaces",
}

// newRefRequest builds the reference context: the explicit keys, then the
// keys derived from the principal and the time (conditions.md §4) when the
// request does not set them.
func newRefRequest(p corpusPrincipal, action, resource, resourceAccount string, ctx map[string][]string, at time.Time) refRequest {
	r := refRequest{Principal: p, Action: action, Resource: resource, ResourceAccount: resourceAccount,
		Context: map[string][]string{}, multi: map[string]bool{}}
	for k, v := range ctx {
		lk := strings.ToLower(k)
		r.Context[lk] = v
		r.multi[lk] = len(v) != 1
		for _, m := range refMultivalued {
			if lk == m {
				r.multi[lk] = true
			}
		}
		if strings.HasSuffix(lk, ":amr") {
			r.multi[lk] = true
		}
	}
	def := func(k, v string) {
		if v == "" {
			return
		}
		if _, ok := r.Context[k]; !ok {
			r.Context[k] = []string{v}
			r.multi[k] = false
		}
	}
	switch p.Type {
	case "User":
		def("aws:username", p.Username)
		def("aws:principalarn", p.ARN)
	case "AssumedRole", "WebIdentity":
		def("aws:principalarn", p.RoleARN)
	case "FederatedUser", "Root":
		def("aws:principalarn", p.ARN)
	}
	if p.Type != "Service" && p.Type != "Anonymous" {
		def("aws:userid", p.UserID)
		def("aws:principalaccount", p.Account)
	}
	def("aws:principaltype", map[string]string{"User": "User", "AssumedRole": "AssumedRole",
		"WebIdentity": "AssumedRole", "Root": "Account", "FederatedUser": "FederatedUser",
		"Anonymous": "Anonymous", "Service": "Service"}[p.Type])
	for k, v := range p.Tags {
		def("aws:principaltag/"+strings.ToLower(k), v)
	}
	if !at.IsZero() {
		def("aws:currenttime", at.UTC().Format(time.RFC3339))
		def("aws:epochtime", strconv.FormatInt(at.Unix(), 10))
	}
	return r
}

// refEvaluate is evaluation.md §2 without SCPs/RCPs.
func refEvaluate(s refSet, r refRequest) refResult {
	var denies []refMatch
	type allow struct {
		m     refMatch
		class int
	}
	allows := map[string][]allow{} // by policy type
	hasBoundary := s.Boundary != nil
	visit := func(p refPolicy, typ string) {
		for _, st := range refStatements(p.Doc) {
			ok, class := refApplies(p, st, r, hasBoundary)
			if !ok {
				continue
			}
			sid, _ := st["Sid"].(string)
			m := refMatch{Policy: p.ID, Sid: sid, Kind: p.Kind}
			if st["Effect"] == "Deny" {
				denies = append(denies, m)
			} else if st["Effect"] == "Allow" {
				allows[typ] = append(allows[typ], allow{m, class})
			}
		}
	}
	if s.Resource != nil {
		visit(*s.Resource, "resource")
	}
	for _, p := range s.Identity {
		visit(p, "identity")
	}
	if s.Boundary != nil {
		visit(*s.Boundary, "boundary")
	}
	for _, p := range s.Session {
		visit(p, "session")
	}
	// Step 1: an explicit deny anywhere wins.
	if len(denies) > 0 {
		return refResult{Decision: "ExplicitDeny", Matched: denies}
	}
	// Step 4: the best principal class named by an applicable resource Allow.
	rb, rbAt := classNone, -1
	for i, a := range allows["resource"] {
		if a.class > rb {
			rb, rbAt = a.class, i
		}
	}
	first := func(typ string) []refMatch {
		if len(allows[typ]) == 0 {
			return nil
		}
		return []refMatch{allows[typ][0].m}
	}
	resourceKind := "resource"
	isTrust := s.Resource != nil && s.Resource.Kind == "trust"
	if isTrust {
		resourceKind = "trust"
	}
	identityOK := len(allows["identity"]) > 0
	boundaryOK := s.Boundary == nil || len(allows["boundary"]) > 0
	sessionOK := true
	needSession := false
	switch r.Principal.Type {
	case "AssumedRole", "WebIdentity":
		needSession = s.HasSession
		sessionOK = !s.HasSession || len(allows["session"]) > 0
	case "FederatedUser":
		needSession = true
		sessionOK = s.HasSession && len(allows["session"]) > 0
	}
	deny := func(failed string) refResult { return refResult{Decision: "ImplicitDeny", Failed: failed} }
	var matched []refMatch
	if rbAt >= 0 {
		matched = append(matched, allows["resource"][rbAt].m)
	}
	tail := func() refResult {
		if !boundaryOK {
			return deny("boundary")
		}
		if !sessionOK {
			return deny("session")
		}
		if s.Boundary != nil {
			matched = append(matched, first("boundary")...)
		}
		if needSession {
			matched = append(matched, first("session")...)
		}
		return refResult{Decision: "Allow", Matched: matched}
	}
	// Service principals and anonymous callers have no account: there is
	// no "other side" to check.
	if r.Principal.Account != "" && refResourceAccount(r) != r.Principal.Account {
		// §11: both sides must allow.
		if rb == classNone {
			return deny(resourceKind)
		}
		if !identityOK {
			return deny("identity")
		}
		matched = append(first("identity"), matched...)
		return tail()
	}
	switch {
	case rb == classDirect:
		return refResult{Decision: "Allow", Matched: matched}
	case isTrust && rb == classNone:
		return deny("trust")
	case r.Principal.Type == "Root":
		// §2 notes: the root user needs no identity policy in its own
		// account; only an explicit deny (step 1) stops it.
		if rb < classRole {
			matched = nil
		}
		return refResult{Decision: "Allow", Matched: matched}
	case rb == classRole:
		return tail()
	}
	if !identityOK {
		return deny("identity")
	}
	if rb == classAccount && !isTrust {
		// Mere delegation: the identity policy is what grants.
		matched = nil
	}
	matched = append(first("identity"), matched...)
	return tail()
}

func refResourceAccount(r refRequest) string {
	if r.ResourceAccount != "" {
		return r.ResourceAccount
	}
	if parts := strings.SplitN(r.Resource, ":", 6); len(parts) == 6 && parts[4] != "" {
		return parts[4]
	}
	return r.Principal.Account
}

// Principal classes of evaluation.md §2 step 4, weakest first.
const (
	classNone = iota
	classAccount
	classRole
	classDirect
)

func refStatements(doc map[string]any) []map[string]any {
	switch v := doc["Statement"].(type) {
	case map[string]any:
		return []map[string]any{v}
	case []any:
		var out []map[string]any
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// refStrings turns a string-or-list element into strings; JSON numbers stay
// as written and booleans become "true"/"false"; nulls are dropped.
func refStrings(v any) []string {
	var out []string
	one := func(e any) {
		switch x := e.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		case bool:
			out = append(out, strconv.FormatBool(x))
		}
	}
	if l, ok := v.([]any); ok {
		for _, e := range l {
			one(e)
		}
	} else {
		one(v)
	}
	return out
}

// refApplies reports whether a statement applies to the request (§1) and,
// for resource policies, the class of the principal it names.
func refApplies(p refPolicy, st map[string]any, r refRequest, hasBoundary bool) (bool, int) {
	vars := p.Doc["Version"] == "2012-10-17"
	// Action / NotAction.
	if a, ok := st["Action"]; ok {
		if !refAnyAction(refStrings(a), r.Action) {
			return false, 0
		}
	} else if a, ok := st["NotAction"]; ok {
		if refAnyAction(refStrings(a), r.Action) {
			return false, 0
		}
	} else {
		return false, 0
	}
	// Resource / NotResource; absent only in trust policies.
	if v, ok := st["Resource"]; ok {
		if !refAnyResource(refStrings(v), r, vars) {
			return false, 0
		}
	} else if v, ok := st["NotResource"]; ok {
		if refAnyResource(refStrings(v), r, vars) {
			return false, 0
		}
	} else if p.Kind != "trust" {
		return false, 0
	}
	class := classNone
	if p.Kind == "resource" || p.Kind == "trust" {
		if v, ok := st["Principal"]; ok {
			class = refPrincipalClass(v, r.Principal)
			if class == classNone {
				return false, 0
			}
		} else if v, ok := st["NotPrincipal"]; ok {
			// A NotPrincipal Deny always applies to a principal with a
			// permissions boundary (§3).
			if refNotPrincipalExcludes(v, r.Principal) && !(st["Effect"] == "Deny" && hasBoundary) {
				return false, 0
			}
			class = classDirect
		} else {
			return false, 0
		}
	}
	if c, ok := st["Condition"]; ok {
		cm, ok := c.(map[string]any)
		if !ok || !refConditions(cm, r, vars) {
			return false, 0
		}
	}
	return true, class
}

func refAnyAction(patterns []string, action string) bool {
	for _, pat := range patterns {
		if refGlob(literalTokens(strings.ToLower(pat), true), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

func refAnyResource(patterns []string, r refRequest, vars bool) bool {
	for _, pat := range patterns {
		if pat == "*" {
			return true
		}
		toks, ok := refSubstitute(pat, r, vars, true)
		if !ok {
			continue // an unresolvable variable makes the entry match nothing
		}
		if refArnMatch(toks, r.Resource, true) {
			return true
		}
	}
	return false
}

// tok is one character of a pattern: a literal character or a wildcard.
type tok struct {
	r    rune
	wild bool // '*' or '?' acting as a wildcard
}

func literalTokens(s string, wildcards bool) []tok {
	var out []tok
	for _, c := range s {
		out = append(out, tok{c, wildcards && (c == '*' || c == '?')})
	}
	return out
}

// refGlob matches a whole string against a pattern with a DP table.
func refGlob(p []tok, s string) bool {
	sr := []rune(s)
	// m[i][j]: p[i:] matches sr[j:]
	m := make([][]bool, len(p)+1)
	for i := range m {
		m[i] = make([]bool, len(sr)+1)
	}
	m[len(p)][len(sr)] = true
	for i := len(p) - 1; i >= 0; i-- {
		for j := len(sr); j >= 0; j-- {
			switch {
			case p[i].wild && p[i].r == '*':
				m[i][j] = m[i+1][j] || (j < len(sr) && m[i][j+1])
			case p[i].wild && p[i].r == '?':
				m[i][j] = j < len(sr) && m[i+1][j+1]
			default:
				m[i][j] = j < len(sr) && sr[j] == p[i].r && m[i+1][j+1]
			}
		}
	}
	return m[0][0]
}

// refArnMatch compares an ARN pattern with an ARN segment by segment: the
// first five colon-separated parts each, then everything after the fifth
// colon. When foldPrefix is set the first five parts compare
// case-insensitively (Resource elements); ARN condition operators compare
// everything case-sensitively.
func refArnMatch(p []tok, arn string, foldPrefix bool) bool {
	var pp [][]tok
	start := 0
	for i, t := range p {
		if len(pp) < 5 && !t.wild && t.r == ':' {
			pp = append(pp, p[start:i])
			start = i + 1
		}
	}
	pp = append(pp, p[start:])
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return false
	}
	for i := range 6 {
		seg, val := pp[i], ap[i]
		if foldPrefix && i < 5 {
			seg = lowerTokens(seg)
			val = strings.ToLower(val)
		}
		if !refGlob(seg, val) {
			return false
		}
	}
	return true
}

func lowerTokens(p []tok) []tok {
	out := make([]tok, len(p))
	for i, t := range p {
		out[i] = tok{[]rune(strings.ToLower(string(t.r)))[0], t.wild}
	}
	return out
}

var refDefaultVar = regexp.MustCompile(`^(.+), '(.*)'$`)

// refSubstitute resolves ${…} policy variables (policy-grammar.md §3). The
// characters of the policy text keep their wildcard meaning when wildcards
// is set; substituted values and ${*} ${?} ${$} are literal. ok is false when
// a variable cannot be resolved.
func refSubstitute(s string, r refRequest, vars, wildcards bool) ([]tok, bool) {
	if !vars {
		return literalTokens(s, wildcards), true
	}
	var out []tok
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			break // "${" without "}" is literal text
		}
		out = append(out, literalTokens(s[:i], wildcards)...)
		inner := s[i+2 : i+j]
		s = s[i+j+1:]
		switch inner {
		case "*", "?", "$":
			out = append(out, literalTokens(inner, false)...)
			continue
		}
		key, def, hasDef := inner, "", false
		if m := refDefaultVar.FindStringSubmatch(inner); m != nil {
			key, def, hasDef = m[1], m[2], true
		}
		lk := strings.ToLower(key)
		vals, present := r.Context[lk]
		switch {
		case present && !r.multi[lk] && len(vals) == 1:
			out = append(out, literalTokens(vals[0], false)...)
		case !present && hasDef:
			out = append(out, literalTokens(def, false)...)
		default:
			return nil, false
		}
	}
	return append(out, literalTokens(s, wildcards)...), true
}

var refBaseOperators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true,
	"StringNotEqualsIgnoreCase": true, "StringLike": true, "StringNotLike": true,
	"NumericEquals": true, "NumericNotEquals": true, "NumericLessThan": true,
	"NumericLessThanEquals": true, "NumericGreaterThan": true, "NumericGreaterThanEquals": true,
	"DateEquals": true, "DateNotEquals": true, "DateLessThan": true, "DateLessThanEquals": true,
	"DateGreaterThan": true, "DateGreaterThanEquals": true, "Bool": true, "BinaryEquals": true,
	"IpAddress": true, "NotIpAddress": true, "ArnEquals": true, "ArnLike": true,
	"ArnNotEquals": true, "ArnNotLike": true, "Null": true,
}

var refNegated = map[string]bool{
	"StringNotEquals": true, "StringNotEqualsIgnoreCase": true, "StringNotLike": true,
	"NumericNotEquals": true, "DateNotEquals": true, "NotIpAddress": true,
	"ArnNotEquals": true, "ArnNotLike": true,
}

// refConditions: every operator and every key must hold (conditions.md §1).
func refConditions(block map[string]any, r refRequest, vars bool) bool {
	for op, keys := range block {
		km, ok := keys.(map[string]any)
		if !ok {
			return false
		}
		set, base, ifExists := "", op, false
		if rest, ok := strings.CutPrefix(base, "ForAllValues:"); ok {
			set, base = "all", rest
		} else if rest, ok := strings.CutPrefix(base, "ForAnyValue:"); ok {
			set, base = "any", rest
		}
		if rest, ok := strings.CutSuffix(base, "IfExists"); ok && base != "Null" {
			base, ifExists = rest, true
		}
		if !refBaseOperators[base] || (base == "Null" && (ifExists || set != "")) {
			// An unknown operator (IAM accepts one only with an empty
			// map) makes the block false.
			return false
		}
		for key, raw := range km {
			if !refCondition(set, base, ifExists, key, refStrings(raw), r, vars) {
				return false
			}
		}
	}
	return true
}

func refCondition(set, base string, ifExists bool, key string, policyVals []string, r refRequest, vars bool) bool {
	lk := strings.ToLower(key)
	reqVals, present := r.Context[lk]
	if base == "Null" {
		for _, v := range policyVals {
			switch strings.ToLower(v) {
			case "true":
				if !present {
					return true
				}
			case "false":
				if present {
					return true
				}
			}
		}
		return false
	}
	neg := refNegated[base]
	if !present {
		switch {
		case ifExists:
			return true
		case set == "all":
			return true
		case set == "any":
			return false
		}
		return neg
	}
	// one: does a single request value satisfy the operator (negation included)?
	one := func(v string) bool {
		if neg && !refParsable(base, v) {
			// A request value that does not parse as the operator's
			// type cannot match, not even a negated operator.
			return false
		}
		any := false
		for _, pv := range policyVals {
			if refValueMatches(base, pv, v, r, vars) {
				any = true
				break
			}
		}
		if neg {
			return !any
		}
		return any
	}
	switch set {
	case "all":
		for _, v := range reqVals {
			if !one(v) {
				return false
			}
		}
		return true
	case "any":
		for _, v := range reqVals {
			if one(v) {
				return true
			}
		}
		return false
	}
	if r.multi[lk] {
		return false // a plain operator never matches a multivalued key
	}
	return one(reqVals[0])
}

// refValueMatches is the positive form of an operator for one policy value
// and one request value.
func refValueMatches(base, pv, v string, r refRequest, vars bool) bool {
	switch base {
	case "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		toks, ok := refSubstitute(pv, r, vars, false)
		if !ok {
			return false
		}
		s := tokString(toks)
		if strings.Contains(base, "IgnoreCase") {
			return strings.EqualFold(s, v)
		}
		return s == v
	case "StringLike", "StringNotLike":
		toks, ok := refSubstitute(pv, r, vars, true)
		return ok && refGlob(toks, v)
	case "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike":
		toks, ok := refSubstitute(pv, r, vars, true)
		return ok && refArnMatch(toks, v, false)
	case "Bool":
		toks, ok := refSubstitute(pv, r, vars, false)
		if !ok {
			return false
		}
		s := strings.ToLower(tokString(toks))
		return (s == "true" || s == "false") && s == strings.ToLower(v)
	case "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
		"NumericGreaterThan", "NumericGreaterThanEquals":
		a, ok1 := refNumber(v)
		b, ok2 := refNumber(pv)
		return ok1 && ok2 && refCompare(base, a.Cmp(b))
	case "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
		"DateGreaterThan", "DateGreaterThanEquals":
		a, ok1 := refDate(v)
		b, ok2 := refDate(pv)
		return ok1 && ok2 && refCompare(base, a.Compare(b))
	case "IpAddress", "NotIpAddress":
		addr, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		var pfx netip.Prefix
		if strings.Contains(pv, "/") {
			pfx, err = netip.ParsePrefix(pv)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(pv)
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		if err != nil {
			return false
		}
		return pfx.Addr().Is4() == addr.Is4() && pfx.Masked().Contains(addr)
	case "BinaryEquals":
		b, err := base64.StdEncoding.DecodeString(pv)
		return err == nil && string(b) == v
	}
	return false
}

func tokString(t []tok) string {
	var b strings.Builder
	for _, x := range t {
		b.WriteRune(x.r)
	}
	return b.String()
}

// refCompare reads the comparison out of the operator's name.
func refCompare(base string, c int) bool {
	switch {
	case strings.HasSuffix(base, "NotEquals"):
		return c == 0 // positive form; the caller negates
	case strings.HasSuffix(base, "LessThanEquals"):
		return c <= 0
	case strings.HasSuffix(base, "LessThan"):
		return c < 0
	case strings.HasSuffix(base, "GreaterThanEquals"):
		return c >= 0
	case strings.HasSuffix(base, "GreaterThan"):
		return c > 0
	}
	return c == 0
}

var refNumberRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

// refNumber parses an integer or decimal exactly (as a rational), so that
// no float rounding can make two different numbers equal.
func refNumber(s string) (*big.Rat, bool) {
	if !refNumberRE.MatchString(s) {
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

var refDateLayouts = []string{
	"2006", "2006-01", "2006-01-02",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
}

// refDate parses the W3C ISO 8601 profile or integer epoch seconds
// (conditions.md §2 Date).
func refDate(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) != 4 {
		return time.Unix(n, 0).UTC(), n >= 0
	}
	u := strings.ToUpper(s)
	for _, l := range refDateLayouts {
		if t, err := time.Parse(l, u); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// refCheckCorpusAgrees is called by the corpus runner for every evaluation
// case.
func refCheckCorpusAgrees(t *testing.T, c corpusCase) {
	t.Helper()
	set, req, err := c.refInputs()
	if err != nil {
		t.Fatalf("reference inputs: %v", err)
	}
	got := refEvaluate(set, req)
	c.checkRef(t, got)
}

// refPrincipalClass returns the strongest class in which a Principal (or
// NotPrincipal) value names the caller (evaluation.md §3 tables), classNone
// when it does not name it.
func refPrincipalClass(v any, p corpusPrincipal) int {
	if s, ok := v.(string); ok {
		if s == "*" {
			return classDirect
		}
		return classNone
	}
	m, ok := v.(map[string]any)
	if !ok {
		return classNone
	}
	best := classNone
	up := func(c int) {
		if c > best {
			best = c
		}
	}
	for typ, vals := range m {
		for _, val := range refStrings(vals) {
			switch typ {
			case "AWS":
				up(refAWSPrincipalClass(val, p))
			case "Service":
				if p.Type == "Service" && val == p.ARN {
					up(classDirect)
				}
			case "Federated":
				if p.Type == "WebIdentity" && val == p.Provider {
					up(classDirect)
				}
			}
		}
	}
	return best
}

func refAWSPrincipalClass(val string, p corpusPrincipal) int {
	switch {
	case val == "*":
		return classDirect
	case p.Type == "Anonymous" || p.Type == "Service":
		return classNone
	case p.Account != "" && (val == p.Account || val == "arn:aws:iam::"+p.Account+":root"):
		// The account forms name the account (even for the root user
		// itself, whose ARN this is): delegation, §3.
		return classAccount
	case val == p.ARN:
		return classDirect
	case p.Type == "AssumedRole" && val == p.RoleARN:
		return classRole
	case p.Type == "FederatedUser" && val == p.ParentUserARN:
		return classRole
	case p.Type == "User" && val == p.UserID:
		return classDirect
	case p.Type == "AssumedRole" && strings.Contains(p.UserID, ":") && val == strings.SplitN(p.UserID, ":", 2)[0]:
		return classRole
	}
	return classNone
}

// refNotPrincipalExcludes: a NotPrincipal list exempts the caller only when
// it lists every identity AWS evaluates for it — AWS's guidance for
// NotPrincipal with Deny (evaluation.md §3): the user and its account; the
// session, its role and the account; the federated user and the account.
func refNotPrincipalExcludes(v any, p corpusPrincipal) bool {
	if s, ok := v.(string); ok {
		return s == "*"
	}
	m, _ := v.(map[string]any)
	has := func(typ string, want ...string) bool {
		for _, val := range refStrings(m[typ]) {
			for _, w := range want {
				if w != "" && val == w {
					return true
				}
			}
		}
		return false
	}
	if has("AWS", "*") {
		return true
	}
	account := p.Account != "" && has("AWS", p.Account, "arn:aws:iam::"+p.Account+":root")
	switch p.Type {
	case "User":
		return account && has("AWS", p.ARN, p.UserID)
	case "AssumedRole":
		roleID, _, _ := strings.Cut(p.UserID, ":")
		return account && has("AWS", p.ARN) && has("AWS", p.RoleARN, roleID)
	case "FederatedUser":
		return account && has("AWS", p.ARN)
	case "Root":
		return account
	case "Service":
		return has("Service", p.ARN)
	case "WebIdentity":
		return has("Federated", p.Provider)
	}
	return false
}

// refParsable reports whether a request value has the type the operator
// compares (conditions.md §2 Numeric: an unparsable value makes the
// comparison false, negated operators included).
func refParsable(base, v string) bool {
	switch {
	case strings.HasPrefix(base, "Numeric"):
		_, ok := refNumber(v)
		return ok
	case strings.HasPrefix(base, "Date"):
		_, ok := refDate(v)
		return ok
	case strings.HasSuffix(base, "IpAddress"):
		_, err := netip.ParseAddr(v)
		return err == nil
	}
	return true
}
