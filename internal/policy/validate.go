package policy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// AWS's MalformedPolicyDocument messages (policy-grammar.md §1).
const (
	MsgSyntax             = "Syntax errors in policy."
	MsgVersion            = "Policy document must be version 2012-10-17 or greater."
	MsgLegacy             = "The policy failed legacy parsing"
	MsgSidUnique          = "Statement IDs (SID) in a single policy must be unique."
	MsgNoActions          = "Policy statement must contain actions."
	MsgNoResources        = "Policy statement must contain resources."
	MsgNoPrincipalAllowed = "Policy document should not specify a principal."
	MsgMissingPrincipal   = "Missing required field Principal"
	MsgVendorMissing      = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	MsgOneColon           = "Actions/Condition can contain only one colon."
	MsgResourceVendor     = "Resource vendor must be fully qualified and cannot contain regexes."
	// MsgTrustActions is IAM's answer to a trust policy statement whose
	// action cannot be an STS assume action.
	MsgTrustActions = "AssumeRole policy may only specify STS AssumeRole actions."
)

// Precedence classes: a lower rank is reported first (AWS reports only the
// first error; the order is the one of policy-grammar.md §1).
const (
	rankSyntax = iota
	rankVersion
	rankLegacy
	rankSid
	rankActionsPresent
	rankResourceFormat
	rankActionVendor
	rankKind
	rankWarning
)

type rankedFinding struct {
	rank int
	f    Finding
}

type validator struct {
	kind     Kind
	managed  bool
	findings []rankedFinding
}

func (v *validator) add(rank int, pos Pos, path, msg string) {
	sev := SeverityError
	code := CodeMalformedPolicyDocument
	if rank == rankWarning {
		sev, code = SeverityWarning, "PolicyWarning"
	}
	v.findings = append(v.findings, rankedFinding{rank: rank, f: Finding{
		Severity: sev, Code: code, Message: msg, Path: path, Line: pos.Line, Column: pos.Column,
	}})
}

func (v *validator) syntax(pos Pos, path string) { v.add(rankSyntax, pos, path, MsgSyntax) }

func (v *validator) warn(pos Pos, path, msg string) { v.add(rankWarning, pos, path, msg) }

func (v *validator) sorted() []Finding {
	sort.SliceStable(v.findings, func(i, j int) bool { return v.findings[i].rank < v.findings[j].rank })
	out := make([]Finding, len(v.findings))
	for i, r := range v.findings {
		out[i] = r.f
	}
	return out
}

// ValidateManaged is Validate for a managed policy (CreatePolicy,
// CreatePolicyVersion): the document must also say Version 2012-10-17.
// Permissions boundaries are managed policies, so KindBoundary always
// applies that rule.
func ValidateManaged(kind Kind, doc []byte) []Finding {
	_, f := parse(kind, doc, true)
	return f
}

// ParseManaged is Parse for a managed policy (see ValidateManaged).
func ParseManaged(kind Kind, doc []byte) (*Policy, error) {
	return finish(parse(kind, doc, true))
}

func finish(p *Policy, f []Finding) (*Policy, error) {
	var errs []Finding
	for _, x := range f {
		if x.Severity == SeverityError {
			errs = append(errs, x)
		}
	}
	if len(errs) > 0 {
		return nil, &ValidationError{Findings: errs}
	}
	return p, nil
}

func parse(kind Kind, doc []byte, managed bool) (*Policy, []Finding) {
	v := &validator{kind: kind, managed: managed || kind == KindBoundary}
	root, err := parseJSON(doc)
	if err != nil {
		pos := Pos{Line: 1, Column: 1}
		if je, ok := err.(*jsonError); ok {
			pos = je.pos
		}
		v.syntax(pos, "")
		return nil, v.sorted()
	}
	v.duplicates(root, nil)
	p := v.policy(root)
	return p, v.sorted()
}

// pathSeg is one step of a JSON path, rendered only for a finding.
type pathSeg struct {
	key string
	idx int // -1 for a member
}

func renderPath(segs []pathSeg) string {
	var b strings.Builder
	for _, s := range segs {
		if s.idx >= 0 {
			fmt.Fprintf(&b, "[%d]", s.idx)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}

// duplicates reports every repeated member name, at any depth.
func (v *validator) duplicates(n *jsonNode, path []pathSeg) {
	switch n.kind {
	case jsonObject:
		for i, m := range n.members {
			for _, prev := range n.members[:i] {
				if prev.key == m.key {
					v.syntax(m.keyPos, renderPath(append(path, pathSeg{key: m.key, idx: -1})))
					break
				}
			}
			if m.value.kind == jsonObject || m.value.kind == jsonArray {
				v.duplicates(m.value, append(path, pathSeg{key: m.key, idx: -1}))
			}
		}
	case jsonArray:
		for i, e := range n.elems {
			if e.kind == jsonObject || e.kind == jsonArray {
				v.duplicates(e, append(path, pathSeg{idx: i}))
			}
		}
	}
}

func (v *validator) policy(root *jsonNode) *Policy {
	p := &Policy{Kind: v.kind, Pos: root.pos}
	if root.kind != jsonObject {
		v.syntax(root.pos, "")
		return p
	}
	var stmt *jsonMember
	hasVersion := false
	for i := range root.members {
		m := &root.members[i]
		switch m.key {
		case "Version":
			hasVersion = true
			if m.value.kind != jsonString || (m.value.text != Version2012 && m.value.text != Version2008) {
				v.syntax(m.value.pos, "Version")
			} else {
				p.Version = m.value.text
			}
		case "Id":
			if m.value.kind != jsonString {
				v.syntax(m.value.pos, "Id")
			} else {
				p.ID, p.HasID = m.value.text, true
			}
		case "Statement":
			if stmt == nil {
				stmt = m
			}
		default:
			v.syntax(m.keyPos, m.key)
		}
	}
	if v.managed && p.Version != Version2012 {
		pos := root.pos
		if m, ok := root.member("Version"); ok {
			pos = m.value.pos
		}
		v.add(rankVersion, pos, "Version", MsgVersion)
	} else if !hasVersion {
		v.warn(root.pos, "Version", `no Version: the policy is read as 2008-10-17, without policy variables; write "Version": "2012-10-17"`)
	}
	if stmt == nil {
		v.syntax(root.pos, "Statement")
		return p
	}
	var nodes []*jsonNode
	switch stmt.value.kind {
	case jsonObject:
		nodes = []*jsonNode{stmt.value}
	case jsonArray:
		p.StatementIsList = true
		nodes = stmt.value.elems
		if len(nodes) == 0 {
			v.syntax(stmt.value.pos, "Statement")
		}
	default:
		v.syntax(stmt.value.pos, "Statement")
		return p
	}
	sids := map[string]bool{}
	p.Statements = make([]Statement, 0, len(nodes))
	for i, n := range nodes {
		path := "Statement"
		if p.StatementIsList {
			path = "Statement[" + strconv.Itoa(i) + "]"
		}
		if n.kind != jsonObject {
			v.syntax(n.pos, path)
			continue
		}
		s := v.statement(n, path, p)
		if s.HasSid && s.Sid != "" {
			if sids[s.Sid] {
				m, _ := n.member("Sid")
				v.add(rankSid, m.value.pos, path+".Sid", MsgSidUnique)
			}
			sids[s.Sid] = true
		}
		p.Statements = append(p.Statements, s)
	}
	return p
}

// stringList reads a string-or-list-of-strings element. allowNull drops
// JSON nulls inside the list (IAM accepts them in Resource).
func (v *validator) stringList(n *jsonNode, path string, allowNull bool) ([]String, bool) {
	switch n.kind {
	case jsonString:
		return []String{{Value: n.text, Pos: n.pos}}, true
	case jsonArray:
		out := make([]String, 0, len(n.elems))
		ok := true
		for i, e := range n.elems {
			switch {
			case e.kind == jsonString:
				out = append(out, String{Value: e.text, Pos: e.pos})
			case e.kind == jsonNull && allowNull:
			default:
				v.syntax(e.pos, fmt.Sprintf("%s[%d]", path, i))
				ok = false
			}
		}
		return out, ok
	}
	v.syntax(n.pos, path)
	return nil, false
}

func (v *validator) statement(n *jsonNode, path string, p *Policy) Statement {
	s := Statement{Pos: n.pos, End: n.end}
	var effect, action, notAction, resource, notResource, principal, notPrincipal, cond *jsonMember
	for i := range n.members {
		m := &n.members[i]
		var slot **jsonMember
		switch m.key {
		case "Sid":
			if m.value.kind != jsonString {
				v.syntax(m.value.pos, path+".Sid")
			} else if !s.HasSid {
				s.Sid, s.HasSid = m.value.text, true
			}
			continue
		case "Effect":
			slot = &effect
		case "Action":
			slot = &action
		case "NotAction":
			slot = &notAction
		case "Resource":
			slot = &resource
		case "NotResource":
			slot = &notResource
		case "Principal":
			slot = &principal
		case "NotPrincipal":
			slot = &notPrincipal
		case "Condition":
			slot = &cond
		default:
			v.syntax(m.keyPos, path+"."+m.key)
			continue
		}
		if *slot == nil {
			*slot = m
		}
	}

	// Effect.
	switch {
	case effect == nil:
		v.syntax(n.pos, path+".Effect")
	case effect.value.kind != jsonString:
		v.syntax(effect.value.pos, path+".Effect")
	case effect.value.text == "Allow":
		s.Effect = EffectAllow
	case effect.value.text == "Deny":
		s.Effect = EffectDeny
	case strings.EqualFold(effect.value.text, "Allow"), strings.EqualFold(effect.value.text, "Deny"):
		v.add(rankLegacy, effect.value.pos, path+".Effect", MsgLegacy)
	default:
		v.syntax(effect.value.pos, path+".Effect")
	}

	// Action / NotAction.
	if action != nil && notAction != nil {
		v.syntax(notAction.keyPos, path+".NotAction")
	}
	am := action
	if am == nil {
		am, s.NotAction = notAction, true
	}
	if am == nil {
		s.NotAction = false
		v.add(rankActionsPresent, n.pos, path+".Action", MsgNoActions)
	} else {
		ap := path + "." + am.key
		list, ok := v.stringList(am.value, ap, false)
		s.Actions = list
		if ok && len(list) == 0 {
			v.add(rankActionsPresent, am.value.pos, ap, MsgNoActions)
		}
		for i, a := range list {
			if msg := actionError(a.Value); msg != "" {
				v.add(rankActionVendor, a.Pos, fmt.Sprintf("%s[%d]", ap, i), msg)
			}
		}
		if v.kind == KindTrust {
			for i, a := range list {
				if !trustAction(a.Value) {
					v.add(rankKind, a.Pos, fmt.Sprintf("%s[%d]", ap, i), MsgTrustActions)
					break
				}
			}
		}
	}

	// Resource / NotResource.
	if resource != nil && notResource != nil {
		v.syntax(notResource.keyPos, path+".NotResource")
	}
	rm := resource
	if rm == nil {
		rm, s.NotResource = notResource, true
	}
	if rm == nil {
		s.NotResource = false
		if v.kind.requiresResource() {
			v.add(rankKind, n.pos, path+".Resource", MsgNoResources)
		}
	} else {
		s.HasResource = true
		rp := path + "." + rm.key
		list, ok := v.stringList(rm.value, rp, true)
		s.Resources = list
		if ok && rm.value.kind == jsonArray && len(rm.value.elems) == 0 && v.kind.requiresResource() {
			v.add(rankKind, rm.value.pos, rp, MsgNoResources)
		}
		for i, r := range list {
			legacy, msg := resourceError(r.Value)
			switch {
			case msg != "":
				v.add(rankResourceFormat, r.Pos, fmt.Sprintf("%s[%d]", rp, i), msg)
			case legacy:
				v.add(rankLegacy, r.Pos, fmt.Sprintf("%s[%d]", rp, i), MsgLegacy)
			}
		}
		if v.kind == KindTrust {
			v.add(rankKind, rm.keyPos, rp, "Has prohibited field "+rm.key+".")
		}
		if !p.VariablesEnabled() {
			for _, r := range list {
				if strings.Contains(r.Value, "${") && hasVariables(parseTemplate(r.Value)) {
					v.warn(r.Pos, rp, "policy variables are substituted only with Version 2012-10-17; here ${…} is literal text")
					break
				}
			}
		}
	}

	// Principal / NotPrincipal.
	if principal != nil && notPrincipal != nil {
		v.syntax(notPrincipal.keyPos, path+".NotPrincipal")
	}
	pm := principal
	if pm == nil {
		pm, s.NotPrincipal = notPrincipal, true
	}
	if pm == nil {
		s.NotPrincipal = false
		if v.kind == KindTrust || v.kind == KindResource {
			v.add(rankKind, n.pos, path+".Principal", MsgMissingPrincipal)
		}
	} else {
		pp := path + "." + pm.key
		s.Principal = v.principal(pm.value, pp)
		switch {
		case v.kind != KindTrust && v.kind != KindResource:
			v.add(rankKind, pm.keyPos, pp, MsgNoPrincipalAllowed)
		case v.kind == KindTrust && s.NotPrincipal:
			v.add(rankKind, pm.keyPos, pp, "Has prohibited field NotPrincipal.")
		case s.NotPrincipal && s.Effect == EffectAllow:
			v.warn(pm.keyPos, pp, "NotPrincipal with Allow grants access to everyone not listed, including anonymous callers")
		}
	}

	if cond != nil {
		s.Conditions = v.conditions(cond.value, path+".Condition", s.Effect, p)
	}
	return s
}

func (k Kind) requiresResource() bool {
	switch k {
	case KindIdentity, KindBoundary, KindSession, KindSCP:
		return true
	}
	return false
}

var principalTypes = [...]string{"AWS", "Service", "Federated", "CanonicalUser"}

func (v *validator) principal(n *jsonNode, path string) *PrincipalSpec {
	ps := &PrincipalSpec{Pos: n.pos}
	switch n.kind {
	case jsonString:
		if n.text != "*" {
			v.syntax(n.pos, path)
		}
		ps.Wildcard = true
		return ps
	case jsonObject:
	default:
		v.syntax(n.pos, path)
		return ps
	}
	for _, m := range n.members {
		known := false
		for _, t := range principalTypes {
			if m.key == t {
				known = true
			}
		}
		mp := path + "." + m.key
		if !known {
			v.syntax(m.keyPos, mp)
			continue
		}
		list, _ := v.stringList(m.value, mp, false)
		for i, e := range list {
			ps.Entries = append(ps.Entries, PrincipalEntry{Type: m.key, Value: e.Value, Pos: e.Pos})
			if !validPrincipal(m.key, e.Value) {
				label := m.key
				if m.key == "Service" {
					label = "SERVICE"
				}
				v.add(rankKind, e.Pos, fmt.Sprintf("%s[%d]", mp, i),
					fmt.Sprintf("Invalid principal in policy: %q:%q", label, e.Value))
			}
		}
	}
	return ps
}

func (v *validator) conditions(n *jsonNode, path string, effect Effect, p *Policy) []Condition {
	if n.kind != jsonObject {
		v.syntax(n.pos, path)
		return nil
	}
	var out []Condition
	for _, om := range n.members {
		op := path + "." + om.key
		o, known := parseOperator(om.key)
		if om.value.kind != jsonObject {
			v.syntax(om.value.pos, op)
			continue
		}
		if !known {
			if len(om.value.members) > 0 {
				v.syntax(om.keyPos, op)
			} else {
				v.warn(om.keyPos, op, "unknown condition operator "+om.key+": the statement never applies")
			}
		}
		if len(om.value.members) == 0 {
			out = append(out, Condition{Operator: om.key, Pos: om.keyPos})
			continue
		}
		for _, km := range om.value.members {
			kp := op + "." + km.key
			c := Condition{Operator: om.key, Key: km.key, Pos: km.keyPos}
			switch km.value.kind {
			case jsonString, jsonNumber, jsonBool:
				c.Values = []String{{Value: km.value.text, Pos: km.value.pos}}
			case jsonArray:
				for i, e := range km.value.elems {
					switch e.kind {
					case jsonString, jsonNumber, jsonBool:
						c.Values = append(c.Values, String{Value: e.text, Pos: e.pos})
					default:
						v.syntax(e.pos, fmt.Sprintf("%s[%d]", kp, i))
					}
				}
			default:
				v.syntax(km.value.pos, kp)
			}
			if known {
				v.checkConditionValues(o, c, kp, effect, p)
			}
			out = append(out, c)
		}
	}
	return out
}

func (v *validator) checkConditionValues(o operator, c Condition, path string, effect Effect, p *Policy) {
	if o.base.isDate() {
		for _, val := range c.Values {
			if _, ok := parseDate(val.Value); !ok {
				v.add(rankLegacy, val.Pos, path, MsgLegacy)
			}
		}
	}
	lk := strings.ToLower(c.Key)
	if o.set == setNone && isMultivaluedKey(lk) && o.base != opNull {
		v.warn(c.Pos, path, c.Key+" is multivalued: without ForAnyValue:/ForAllValues: the condition never matches")
	}
	if o.set == setForAllValues && effect == EffectAllow && !o.base.negated() {
		v.warn(c.Pos, path, "ForAllValues with Allow also matches requests without "+c.Key+"; add a Null condition")
	}
	if o.base.takesVariables() && !p.VariablesEnabled() {
		for _, val := range c.Values {
			if hasVariables(parseTemplate(val.Value)) {
				v.warn(val.Pos, path, "policy variables are substituted only with Version 2012-10-17; here ${…} is literal text")
				break
			}
		}
	}
}

// actionError returns IAM's message for an invalid action string, or "".
func actionError(a string) string {
	if a == "*" {
		return ""
	}
	parts := strings.Split(a, ":")
	if len(parts) == 1 {
		return MsgVendorMissing
	}
	if len(parts) > 2 {
		return MsgOneColon
	}
	vendor := parts[0]
	if vendor == "*" {
		return ""
	}
	for i := 0; i < len(vendor); i++ {
		c := vendor[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "Vendor " + vendor + " is not valid"
		}
	}
	return ""
}

// trustActions are the actions a role trust policy can grant.
var trustActions = [...]string{
	"sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml",
	"sts:tagsession", "sts:setsourceidentity", "sts:setcontext",
}

// trustAction reports whether the pattern can match one of trustActions.
func trustAction(a string) bool {
	for _, t := range trustActions {
		if globFold(a, t) {
			return true
		}
	}
	return false
}

var knownPartitions = [...]string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

var iamResourcePrefixes = [...]string{
	"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/",
	"policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/",
}

// resourceError validates a Resource entry. It returns legacy=true for a
// "The policy failed legacy parsing" error, or the message of a format
// error (which takes the place of the legacy check, as in IAM).
func resourceError(r string) (legacy bool, msg string) {
	if r == "*" {
		return false, ""
	}
	first := strings.IndexByte(r, ':')
	if first < 0 {
		return false, fmt.Sprintf("Resource %s must be in ARN format or \"*\".", r)
	}
	rest := r[first+1:]
	partition, afterPartition, hasMore := strings.Cut(rest, ":")
	if !knownPartition(partition) {
		rem := strings.Split(afterPartition, ":")
		seg := func(i int) string {
			if i < len(rem) {
				return rem[i]
			}
			return "*"
		}
		a1 := "*"
		if rem[0] != "" || len(rem) > 1 {
			a1 = rem[0]
		}
		a4 := "*"
		if len(rem) > 3 {
			a4 = strings.Join(rem[3:], ":")
		}
		return false, fmt.Sprintf("Partition %q is not valid for resource \"arn:%s:%s:%s:%s:%s\".",
			partition, partition, a1, seg(1), seg(2), a4)
	}
	if !hasMore {
		return false, MsgResourceVendor
	}
	service, afterService, _ := strings.Cut(afterPartition, ":")
	if !strings.HasPrefix(afterPartition[len(service):], "::") {
		// A region is present (or nothing follows the service).
		switch service {
		case "iam":
			return false, fmt.Sprintf("IAM resource %s cannot contain region information.", r)
		case "s3":
			if !strings.HasPrefix(resourceSegment(r), "accesspoint/") {
				return false, fmt.Sprintf("Resource %s can not contain region information.", r)
			}
		}
	}
	if service == "iam" {
		res := resourceSegment(r)
		ok := res == "*"
		for _, p := range iamResourcePrefixes {
			if strings.HasPrefix(res, p) {
				ok = true
			}
		}
		if !ok {
			return false, "IAM resource path must either be \"*\" or start with " + strings.Join(iamResourcePrefixes[:], ", ") + "."
		}
	}
	_ = afterService
	if strings.Count(r, ":") < 5 && strings.Contains(r, "::") {
		return true, ""
	}
	if service == "" {
		return true, ""
	}
	return false, ""
}

func knownPartition(p string) bool {
	for _, k := range knownPartitions {
		if p == k {
			return true
		}
	}
	return false
}

// resourceSegment is everything after the fifth colon ("" if fewer).
func resourceSegment(arn string) string {
	i := 0
	for n := 0; n < 5; n++ {
		j := strings.IndexByte(arn[i:], ':')
		if j < 0 {
			return ""
		}
		i += j + 1
	}
	return arn[i:]
}

// validPrincipal checks one principal value's form (existence of named
// users and roles is the caller's business: it needs the store).
func validPrincipal(typ, val string) bool {
	if val == "" {
		return false
	}
	switch typ {
	case "AWS":
		if val == "*" {
			return true
		}
		if strings.Contains(val, "*") || strings.Contains(val, "?") {
			return false
		}
		if isAccountID(val) || isUniqueID(val) {
			return true
		}
		parts := strings.SplitN(val, ":", 6)
		if len(parts) != 6 || parts[0] != "arn" || !knownPartition(parts[1]) || parts[3] != "" || !isAccountID(parts[4]) {
			return false
		}
		res := parts[5]
		switch parts[2] {
		case "iam":
			return res == "root" || (strings.HasPrefix(res, "user/") && len(res) > 5) || (strings.HasPrefix(res, "role/") && len(res) > 5)
		case "sts":
			if s, ok := strings.CutPrefix(res, "assumed-role/"); ok {
				r, sess, ok := strings.Cut(s, "/")
				return ok && r != "" && sess != ""
			}
			if s, ok := strings.CutPrefix(res, "federated-user/"); ok {
				return s != ""
			}
		}
		return false
	case "Service":
		if val == "*" {
			return true
		}
		for i := 0; i < len(val); i++ {
			c := val[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
				return false
			}
		}
		return strings.Contains(val, ".")
	case "Federated", "CanonicalUser":
		return val == "*" || !strings.ContainsAny(val, "*?")
	}
	return false
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isUniqueID recognises IAM unique IDs (AIDA… users, AROA… roles).
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || s[0] != 'A' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
