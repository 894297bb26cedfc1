package policy

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Set is the policies that apply to one request, grouped by policy type
// (evaluation.md §2). It is a plain value: build one per request, for
// free, from the Compiled policies the caller caches.
type Set struct {
	// SCP holds the service control policies of the principal's account,
	// one slice per level of the organization (root, each OU, the
	// account); every level must allow. Empty: no organization.
	SCP [][]*Compiled
	// Resource is the resource-based policy of the target, or the role's
	// trust policy (a Compiled of KindTrust) for sts:AssumeRole and the
	// other actions a trust policy governs.
	Resource *Compiled
	// Identity holds the principal's identity policies: for a user its
	// inline and attached policies and those of its groups; for a role
	// session the role's.
	Identity []*Compiled
	// Boundary is the user's or role's permissions boundary, if any.
	Boundary *Compiled
	// Session holds the session policies (inline Policy and PolicyArns).
	// HasSession reports that the session was created with session
	// policies; it is implied by a non-empty Session. A role session
	// without session policies keeps the role's permissions; a
	// federated-user session without them has none.
	Session    []*Compiled
	HasSession bool
}

type class uint8

// How an applicable resource-policy Allow names the caller (evaluation.md
// §2 step 4, §3).
const (
	clsNone    class = iota
	clsAccount       // only the caller's account: delegation, identity must allow too
	clsRole          // the role of the calling session, or the user behind a federated session
	clsDirect        // the caller itself, or "*"
)

type evaluator struct {
	req          *Request
	res          *Result
	full, svc    uint64
	hasColon     bool
	rsegs        [6]string
	rIsARN       bool
	hasBoundary  bool
	collect      bool
	resourceKind bool // evaluating a resource/trust policy: principals count
}

// Evaluate decides req against the set and writes the outcome into res,
// reusing the capacity of res.Matched and res.Missing.
func (s *Set) Evaluate(req *Request, res *Result) {
	res.Decision = ImplicitDeny
	res.DeniedBy = KindIdentity
	res.Matched = res.Matched[:0]
	res.Missing = res.Missing[:0]
	e := evaluator{req: req, res: res, hasBoundary: s.Boundary != nil, collect: res.CollectMissing}
	e.full, e.svc, e.hasColon = hashAction(req.Action)
	e.rsegs, e.rIsARN = splitARN(req.Resource)

	// Step 1: every policy is evaluated; applicable Deny statements go to
	// res.Matched as they are found, the first applicable Allow of each
	// policy type is kept aside.
	scpOK, haveSCP := true, false
	var scpMatch Match
	for _, level := range s.SCP {
		levelOK := false
		for _, c := range level {
			if cls, m := e.policy(c, KindSCP, !levelOK); cls != clsNone && !levelOK {
				levelOK = true
				if !haveSCP {
					scpMatch, haveSCP = m, true
				}
			}
		}
		if !levelOK {
			scpOK = false
		}
	}
	rb := clsNone
	var rbMatch Match
	trust := false
	if s.Resource != nil {
		trust = s.Resource.Kind == KindTrust
		rb, rbMatch = e.policy(s.Resource, s.Resource.Kind, true)
	}
	idAllow := false
	var idMatch Match
	for _, c := range s.Identity {
		if cls, m := e.policy(c, KindIdentity, !idAllow); cls != clsNone && !idAllow {
			idAllow, idMatch = true, m
		}
	}
	bAllow := false
	var bMatch Match
	if s.Boundary != nil {
		cls, m := e.policy(s.Boundary, KindBoundary, true)
		bAllow, bMatch = cls != clsNone, m
	}
	sAllow := false
	var sMatch Match
	for _, c := range s.Session {
		if cls, m := e.policy(c, KindSession, !sAllow); cls != clsNone && !sAllow {
			sAllow, sMatch = true, m
		}
	}
	if len(res.Matched) > 0 {
		res.Decision = ExplicitDeny
		res.DeniedBy = res.Matched[0].Kind
		return
	}

	// Steps 2-7.
	if !scpOK {
		res.DeniedBy = KindSCP
		return
	}
	p := &req.Principal
	cross := e.crossAccount()
	resourceKind := KindResource
	if trust {
		resourceKind = KindTrust
	}
	grant := func(ms ...Match) {
		res.Decision = Allow
		if haveSCP {
			res.Matched = append(res.Matched, scpMatch)
		}
		for _, m := range ms {
			if m.Effect != 0 {
				res.Matched = append(res.Matched, m)
			}
		}
	}
	if rb == clsDirect && !cross {
		// The resource policy names the caller: implicit denies in the
		// identity policies, the boundary and session policies do not
		// block (evaluation.md §3).
		grant(rbMatch)
		return
	}
	if rb == clsNone && (trust || cross) {
		// A trust policy must itself allow (§6); across accounts the
		// resource side must allow as well as the caller's side (§11).
		res.DeniedBy = resourceKind
		return
	}
	if p.Type == PrincipalRoot && !cross {
		// The root user needs no identity policy in its own account.
		grant(rbMatch)
		return
	}
	if !idAllow && !(rb == clsRole && !cross) {
		res.DeniedBy = KindIdentity
		return
	}
	if s.Boundary != nil && !bAllow {
		res.DeniedBy = KindBoundary
		return
	}
	sessionPresent := s.HasSession || len(s.Session) > 0
	if (sessionPresent || p.Type == PrincipalFederatedUser) && !sAllow {
		res.DeniedBy = KindSession
		return
	}
	if rb == clsNone {
		rbMatch = Match{}
	}
	if !idAllow {
		idMatch = Match{}
	}
	grant(rbMatch, idMatch, bMatch, sMatch)
}

// EvaluateTrust evaluates a role trust policy (or any resource policy)
// alone for the request's principal: Allow when it allows the principal and
// nothing in it denies (evaluation.md §6; AssumeRoleWithWebIdentity and
// AssumeRoleWithSAML, which have no caller policies). For AssumeRole by an
// IAM principal use a Set with the trust policy as Resource and the
// caller's policies, so the same-account and cross-account rules apply.
func EvaluateTrust(trust *Compiled, req *Request, res *Result) {
	res.Decision = ImplicitDeny
	res.DeniedBy = trust.Kind
	res.Matched = res.Matched[:0]
	res.Missing = res.Missing[:0]
	e := evaluator{req: req, res: res, collect: res.CollectMissing}
	e.full, e.svc, e.hasColon = hashAction(req.Action)
	e.rsegs, e.rIsARN = splitARN(req.Resource)
	cls, m := e.policy(trust, trust.Kind, true)
	if len(res.Matched) > 0 {
		res.Decision = ExplicitDeny
		return
	}
	if cls != clsNone {
		res.Decision = Allow
		res.Matched = append(res.Matched, m)
	}
}

func (e *evaluator) crossAccount() bool {
	acct := e.req.ResourceAccount
	if acct == "" && e.rIsARN && isAccountID(e.rsegs[4]) {
		acct = e.rsegs[4]
	}
	return acct != "" && e.req.Principal.Account != "" && acct != e.req.Principal.Account
}

// policy evaluates the statements of c that can match the action. Denies
// are appended to res.Matched; the result is the best class of applicable
// Allow (clsDirect for policies without principals) and its statement.
// With needAllow false, Allow statements are skipped.
func (e *evaluator) policy(c *Compiled, kind Kind, needAllow bool) (best class, m Match) {
	if c == nil {
		return clsNone, Match{}
	}
	e.resourceKind = kind == KindResource || kind == KindTrust
	if e.hasColon {
		if l := c.exact[e.full]; len(l) > 0 {
			for _, i := range l {
				e.stmt(c, i, kind, viaExact, needAllow, &best, &m)
			}
		}
		if l := c.wild[e.svc]; len(l) > 0 {
			for _, i := range l {
				e.stmt(c, i, kind, viaWild, needAllow, &best, &m)
			}
		}
	}
	for _, i := range c.global {
		e.stmt(c, i, kind, viaGlobal, needAllow, &best, &m)
	}
	return best, m
}

type via uint8

const (
	viaExact via = iota
	viaWild
	viaGlobal
)

func (e *evaluator) stmt(c *Compiled, i int32, kind Kind, v via, needAllow bool, best *class, m *Match) {
	st := &c.stmts[i]
	if st.effect == EffectAllow && (!needAllow || *best == clsDirect) {
		return
	}
	if st.effect == 0 || st.never {
		return
	}
	if !e.actionMatch(st, v) {
		return
	}
	if st.hasResource {
		hit := false
		for k := range st.resources {
			if e.resourceMatch(&st.resources[k]) {
				hit = true
				break
			}
		}
		if hit == st.notResource {
			return
		}
	}
	cls := clsDirect
	if e.resourceKind {
		cls = e.principalApplies(st)
		if cls == clsNone {
			return
		}
	}
	for k := range st.conds {
		if !e.cond(&st.conds[k]) {
			return
		}
	}
	match := Match{Policy: c.ID, Sid: st.sid, Index: st.index, Effect: st.effect, Kind: kind}
	if st.effect == EffectDeny {
		e.res.Matched = append(e.res.Matched, match)
		return
	}
	if cls > *best {
		*best, *m = cls, match
	}
}

func (e *evaluator) actionMatch(st *cstmt, v via) bool {
	a := e.req.Action
	switch v {
	case viaExact:
		for _, x := range st.exactActs {
			if equalFoldASCII(x, a) {
				return true
			}
		}
		return false // hash collision
	case viaWild:
		for _, x := range st.exactActs {
			if equalFoldASCII(x, a) {
				return false // evaluated through the exact index
			}
		}
		for _, x := range st.wildActs {
			if globFold(x, a) {
				return true
			}
		}
		return false
	}
	hit := st.anyAction
	if !hit {
		for _, x := range st.exactActs {
			if equalFoldASCII(x, a) {
				hit = true
				break
			}
		}
	}
	if !hit {
		for _, x := range st.wildActs {
			if globFold(x, a) {
				hit = true
				break
			}
		}
	}
	return hit != st.notAction
}

// resourceMatch matches one Resource entry: segment by segment for ARNs
// (partition, service, region and account ignoring case, the resource part
// case-sensitive, '*' never crossing a segment boundary except in the
// resource part, which is the rest of the ARN).
func (e *evaluator) resourceMatch(rp *resPat) bool {
	if rp.any {
		return true
	}
	if !e.rIsARN {
		return e.segMatch(&rp.whole, e.req.Resource, false)
	}
	if !e.segMatch(&rp.segs[5], e.rsegs[5], false) {
		return false
	}
	for i := 0; i < 5; i++ {
		if !e.segMatch(&rp.segs[i], e.rsegs[i], true) {
			return false
		}
	}
	return true
}

func (e *evaluator) segMatch(sp *segPat, s string, fold bool) bool {
	if sp.parts == nil {
		if !sp.wild {
			if fold {
				return equalFoldASCII(sp.text, s)
			}
			return sp.text == s
		}
		return globImpl(sp.text, nil, s, fold)
	}
	b, lit, ok := e.resolve(sp.parts)
	if !ok {
		return false // an unresolvable variable: the entry matches nothing
	}
	return globBytes(b, lit, s, fold)
}

// resolve substitutes the variables of a template into the result's
// scratch buffer. lit marks the bytes that are literal (from variable
// values and ${*} ${?} ${$}), which are never wildcards.
func (e *evaluator) resolve(parts []part) ([]byte, []bool, bool) {
	b, lit := e.res.scratch[:0], e.res.lits[:0]
	for i := range parts {
		p := &parts[i]
		var text string
		isLit := true
		switch p.kind {
		case partText:
			text, isLit = p.text, false
		case partLit:
			text = p.text
		case partVar:
			v, ok := e.variable(p)
			if !ok {
				e.res.scratch, e.res.lits = b, lit
				return nil, nil, false
			}
			text = v
		}
		b = append(b, text...)
		for range len(text) {
			lit = append(lit, isLit)
		}
	}
	e.res.scratch, e.res.lits = b, lit
	return b, lit, true
}

// variable is the value of ${key}: a single-valued key present in the
// request, else the default, else unresolved.
func (e *evaluator) variable(p *part) (string, bool) {
	kv := e.lookup(p.key)
	if kv.present && !kv.multi && kv.n() == 1 {
		return kv.str(0), true
	}
	if !kv.present {
		e.missing(p.key)
	}
	if p.hasDefault {
		return p.def, true
	}
	return "", false
}

// principalApplies classifies how a resource-policy statement's
// Principal / NotPrincipal applies to the caller.
func (e *evaluator) principalApplies(st *cstmt) class {
	cp := st.principal
	if cp == nil {
		return clsNone
	}
	p := &e.req.Principal
	if st.notPrincipal {
		// Deny + NotPrincipal always applies to a principal with a
		// permissions boundary (evaluation.md §3).
		if st.effect == EffectDeny && e.hasBoundary {
			return clsDirect
		}
		if notPrincipalExcludes(cp, p) {
			return clsNone
		}
		return clsDirect
	}
	if cp.wildcard {
		return clsDirect
	}
	best := clsNone
	for k := range cp.entries {
		if c := entryClass(&cp.entries[k], p); c > best {
			best = c
		}
	}
	return best
}

func isRoleSession(t PrincipalType) bool {
	return t == PrincipalAssumedRole || t == PrincipalWebIdentity
}

// roleIDOf is the role's unique ID of a role session's aws:userid
// ("AROA…:session").
func roleIDOf(userID string) string {
	if i := strings.IndexByte(userID, ':'); i >= 0 {
		return userID[:i]
	}
	return ""
}

func entryClass(en *cpEntry, p *Principal) class {
	switch en.kind {
	case pkWildcard:
		return clsDirect
	case pkAccount:
		if p.Account != "" && p.Account == en.account && p.Type != PrincipalAnonymous && p.Type != PrincipalService {
			return clsAccount
		}
	case pkUser:
		if p.Type == PrincipalUser && p.ARN == en.value {
			return clsDirect
		}
		if p.Type == PrincipalFederatedUser && p.ParentUserARN == en.value {
			return clsRole
		}
	case pkRole:
		if isRoleSession(p.Type) && p.RoleARN == en.value {
			return clsRole
		}
	case pkSession:
		if isRoleSession(p.Type) && p.ARN == en.value {
			return clsDirect
		}
	case pkFederated:
		if p.Type == PrincipalFederatedUser && p.ARN == en.value {
			return clsDirect
		}
	case pkUniqueID:
		if p.UserID == en.value && p.Type == PrincipalUser {
			return clsDirect
		}
		if isRoleSession(p.Type) && roleIDOf(p.UserID) == en.value {
			return clsRole
		}
	case pkService:
		if p.Type == PrincipalService && (en.value == "*" || strings.EqualFold(p.ARN, en.value)) {
			return clsDirect
		}
	case pkProvider:
		if p.Provider != "" && p.Provider == en.value {
			return clsDirect
		}
	case pkCanonical:
		if p.CanonicalUser != "" && p.CanonicalUser == en.value {
			return clsDirect
		}
	}
	return clsNone
}

// notPrincipalExcludes reports whether a NotPrincipal list exempts the
// caller: every identity AWS evaluates for it must be listed (for a role
// session the session, its role and the account; for a user the user and
// the account), as AWS documents for NotPrincipal.
func notPrincipalExcludes(cp *cprincipal, p *Principal) bool {
	if cp.wildcard {
		return true
	}
	listed := func(kinds ...pkind) bool {
		for k := range cp.entries {
			en := &cp.entries[k]
			for _, want := range kinds {
				if en.kind != want {
					continue
				}
				switch want {
				case pkAccount:
					if p.Account != "" && en.account == p.Account {
						return true
					}
				case pkUser, pkSession, pkFederated:
					if en.value == p.ARN {
						return true
					}
				case pkRole:
					if en.value == p.RoleARN {
						return true
					}
				case pkUniqueID:
					if en.value == p.UserID || en.value == roleIDOf(p.UserID) {
						return true
					}
				case pkService:
					if strings.EqualFold(en.value, p.ARN) {
						return true
					}
				case pkProvider:
					if en.value == p.Provider {
						return true
					}
				case pkCanonical:
					if en.value == p.CanonicalUser {
						return true
					}
				}
			}
		}
		return false
	}
	switch p.Type {
	case PrincipalUser:
		return listed(pkUser, pkUniqueID) && listed(pkAccount)
	case PrincipalAssumedRole, PrincipalWebIdentity:
		if p.Type == PrincipalWebIdentity && p.RoleARN == "" {
			return listed(pkProvider)
		}
		return listed(pkSession) && listed(pkRole, pkUniqueID) && listed(pkAccount)
	case PrincipalFederatedUser:
		return listed(pkFederated) && listed(pkAccount)
	case PrincipalRoot:
		return listed(pkAccount)
	case PrincipalService:
		return listed(pkService)
	}
	return false
}

// keyValues is a context key's values as seen by a condition: from the
// Context, or derived from the Principal or the request time.
type keyValues struct {
	present bool
	multi   bool
	vals    []string
	one     string
	single  bool // one holds the only value
	isTime  bool // derived aws:CurrentTime / aws:EpochTime
	epoch   bool // aws:EpochTime
	t       time.Time
}

func (kv *keyValues) n() int {
	if kv.single || kv.isTime {
		return 1
	}
	return len(kv.vals)
}

func (kv *keyValues) str(i int) string {
	switch {
	case kv.single:
		return kv.one
	case kv.isTime && kv.epoch:
		return strconv.FormatInt(kv.t.Unix(), 10)
	case kv.isTime:
		return kv.t.UTC().Format(time.RFC3339)
	}
	return kv.vals[i]
}

func (e *evaluator) missing(lk string) {
	if !e.collect {
		return
	}
	for _, k := range e.res.Missing {
		if k == lk {
			return
		}
	}
	e.res.Missing = append(e.res.Missing, lk)
}

// lookup finds a lower-cased key in the request context, then among the
// keys the engine derives from the principal and the time.
func (e *evaluator) lookup(lk string) keyValues {
	if en := e.req.Context.lookup(lk); en != nil {
		return keyValues{present: true, multi: en.multi, vals: en.values}
	}
	p := &e.req.Principal
	one := func(v string) keyValues {
		if v == "" {
			return keyValues{}
		}
		return keyValues{present: true, single: true, one: v}
	}
	switch lk {
	case "aws:username":
		if p.Type == PrincipalUser {
			return one(p.Username)
		}
	case "aws:userid":
		if p.Type == PrincipalAnonymous {
			return one("anonymous")
		}
		return one(p.UserID)
	case "aws:principalarn":
		switch {
		case isRoleSession(p.Type) && p.RoleARN != "":
			return one(p.RoleARN)
		case p.Type == PrincipalAnonymous || p.Type == PrincipalService || p.Type == PrincipalWebIdentity:
			return keyValues{}
		}
		return one(p.ARN)
	case "aws:principalaccount":
		if p.Type != PrincipalAnonymous && p.Type != PrincipalService {
			return one(p.Account)
		}
	case "aws:principaltype":
		if p.Type != PrincipalService {
			return one(p.Type.awsPrincipalType())
		}
	case "aws:currenttime", "aws:epochtime":
		if !e.req.Time.IsZero() {
			return keyValues{present: true, isTime: true, epoch: lk == "aws:epochtime", t: e.req.Time}
		}
	default:
		const tagPrefix = "aws:principaltag/"
		if len(lk) > len(tagPrefix) && lk[:len(tagPrefix)] == tagPrefix {
			name := lk[len(tagPrefix):]
			for k := range p.Tags {
				if len(p.Tags[k].Key) == len(name) && strings.EqualFold(p.Tags[k].Key, name) {
					return keyValues{present: true, single: true, one: p.Tags[k].Value}
				}
			}
		}
	}
	return keyValues{}
}

// cond evaluates one operator/key pair (conditions.md §1-3).
func (e *evaluator) cond(c *ccond) bool {
	kv := e.lookup(c.key)
	if c.op.base == opNull {
		if !kv.present {
			e.missing(c.key)
		}
		for k := range c.vals {
			if (c.vals[k].null == 1 && !kv.present) || (c.vals[k].null == 0 && kv.present) {
				return true
			}
		}
		return false
	}
	if !kv.present {
		e.missing(c.key)
		if c.op.ifExists {
			return true
		}
		switch c.op.set {
		case setForAllValues:
			return true
		case setForAnyValue:
			return false
		}
		return c.op.base.negated()
	}
	switch c.op.set {
	case setForAllValues:
		for i := 0; i < kv.n(); i++ {
			if !e.sat(c, &kv, i) {
				return false
			}
		}
		return true
	case setForAnyValue:
		for i := 0; i < kv.n(); i++ {
			if e.sat(c, &kv, i) {
				return true
			}
		}
		return false
	}
	if kv.multi {
		// A plain operator on a multivalued key never matches: AWS
		// requires a set operator (conditions.md §3).
		return false
	}
	return e.sat(c, &kv, 0)
}

// sat reports whether request value i satisfies the operator against the
// policy values: any of them for a positive operator, none of them for a
// negated one. A request value the operator cannot read satisfies neither.
func (e *evaluator) sat(c *ccond, kv *keyValues, i int) bool {
	pos := c.op.base.positive()
	matched := false
	for k := range c.vals {
		m, valid := e.match(pos, &c.vals[k], kv, i)
		if !valid {
			return false
		}
		if m {
			matched = true
			break
		}
	}
	if c.op.base.negated() {
		return !matched
	}
	return matched
}

// match compares request value i with one policy value under a positive
// operator. valid is false when the request value cannot be read as the
// operator's type.
func (e *evaluator) match(op baseOp, v *cval, kv *keyValues, i int) (matched, valid bool) {
	switch {
	case op.isString():
		s := kv.str(i)
		if v.parts == nil {
			switch op {
			case opStringEquals:
				return v.raw == s, true
			case opStringEqualsIgnoreCase:
				return strings.EqualFold(v.raw, s), true
			}
			return glob(v.raw, s), true
		}
		b, lit, ok := e.resolve(v.parts)
		if !ok {
			return false, true // an unresolved variable matches nothing
		}
		switch op {
		case opStringEquals:
			return string(b) == s, true
		case opStringEqualsIgnoreCase:
			return strings.EqualFold(string(b), s), true
		}
		return globBytes(b, lit, s, false), true
	case op.isNumeric():
		var x float64
		if kv.isTime {
			x = float64(kv.t.Unix())
		} else {
			f, err := strconv.ParseFloat(kv.str(i), 64)
			if err != nil {
				return false, false
			}
			x = f
		}
		if !v.numOK {
			return false, true
		}
		switch op {
		case opNumericEquals:
			return x == v.num, true
		case opNumericLessThan:
			return x < v.num, true
		case opNumericLessThanEquals:
			return x <= v.num, true
		case opNumericGreaterThan:
			return x > v.num, true
		case opNumericGreaterThanEquals:
			return x >= v.num, true
		}
	case op.isDate():
		var t time.Time
		if kv.isTime {
			t = kv.t
		} else {
			var ok bool
			if t, ok = parseDate(kv.str(i)); !ok {
				return false, false
			}
		}
		if !v.dOK {
			return false, true
		}
		switch op {
		case opDateEquals:
			return t.Equal(v.date), true
		case opDateLessThan:
			return t.Before(v.date), true
		case opDateLessThanEquals:
			return !t.After(v.date), true
		case opDateGreaterThan:
			return t.After(v.date), true
		case opDateGreaterThanEquals:
			return !t.Before(v.date), true
		}
	case op == opBool:
		rb, ok := parseBool(kv.str(i))
		if !ok {
			return false, false
		}
		pv := v.raw
		if v.parts != nil {
			b, _, ok := e.resolve(v.parts)
			if !ok {
				return false, true
			}
			if equalFoldASCIIBytes(b, "true") {
				return rb, true
			}
			if equalFoldASCIIBytes(b, "false") {
				return !rb, true
			}
			return false, true
		}
		pb, ok := parseBool(pv)
		return ok && pb == rb, true
	case op == opBinaryEquals:
		return v.binOK && v.bin == kv.str(i), true
	case op == opIPAddress:
		a, err := netip.ParseAddr(kv.str(i))
		if err != nil {
			return false, false
		}
		return v.ipOK && v.pfx.Contains(a.Unmap().WithZone("")), true
	case op.isArn():
		r, ok := splitARN(kv.str(i))
		if !ok {
			return false, true
		}
		if v.parts == nil {
			if !v.arnOK {
				return false, true
			}
			for k := 5; k >= 0; k-- {
				if !glob(v.arn[k], r[k]) {
					return false, true
				}
			}
			return true, true
		}
		b, lit, ok := e.resolve(v.parts)
		if !ok {
			return false, true
		}
		return arnBytesMatch(b, lit, &r), true
	}
	return false, true
}

// arnBytesMatch matches a resolved ArnLike pattern segment by segment; the
// pattern must itself have six parts.
func arnBytesMatch(b []byte, lit []bool, r *[6]string) bool {
	start := 0
	for k := 0; k < 5; k++ {
		j := -1
		for x := start; x < len(b); x++ {
			if b[x] == ':' {
				j = x
				break
			}
		}
		if j < 0 {
			return false
		}
		if !globBytes(b[start:j], lit[start:j], r[k], false) {
			return false
		}
		start = j + 1
	}
	return globBytes(b[start:], lit[start:], r[5], false)
}

func parseBool(s string) (value, ok bool) {
	switch {
	case equalFoldASCII(s, "true"):
		return true, true
	case equalFoldASCII(s, "false"):
		return false, true
	}
	return false, false
}

func equalFoldASCIIBytes(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}
