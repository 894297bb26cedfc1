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
	qk           uint64 // quickKey(req.Action)
	rsegs        [6]string
	rhead        string // the request resource up to and including the fifth colon
	rIsARN       bool
	rFirst       byte // first byte of the request's resource part (0: empty)
	hasBoundary  bool
	collect      bool
	resourceKind bool // evaluating a resource/trust policy: principals count
}

// Slots: each policy type that must (or may) allow keeps its first
// applicable Allow in one slot of a tally.
const (
	slotResource = iota
	slotIdentity
	slotBoundary
	slotSession
	slotSCP // slotSCP+level for each SCP level
	// MaxSCPLevels bounds Set.SCP: the organization root, five levels of
	// OUs and the account make seven.
	MaxSCPLevels = 8
	numSlots     = slotSCP + MaxSCPLevels
)

type hit struct {
	c   *Compiled
	i   int32
	cls class
}

type tally struct {
	allow [numSlots]hit
}

func (e *evaluator) init(req *Request, res *Result, hasBoundary bool, qk uint64) {
	res.Decision = ImplicitDeny
	res.DeniedBy = KindIdentity
	res.Matched = res.Matched[:0]
	res.Missing = res.Missing[:0]
	e.req, e.res, e.hasBoundary, e.collect = req, res, hasBoundary, res.CollectMissing
	e.qk = qk
	e.rIsARN = splitARNInto(req.Resource, &e.rsegs)
	if e.rIsARN {
		e.rhead = req.Resource[:len(req.Resource)-len(e.rsegs[5])]
		if e.rsegs[5] != "" {
			e.rFirst = e.rsegs[5][0]
		}
	}
}

func kindOfSlot(slot int, resource *Compiled) Kind {
	switch {
	case slot == slotResource:
		return resource.Kind
	case slot == slotIdentity:
		return KindIdentity
	case slot == slotBoundary:
		return KindBoundary
	case slot == slotSession:
		return KindSession
	}
	return KindSCP
}

// Evaluate decides req against the set and writes the outcome into res,
// reusing the capacity of res.Matched and res.Missing. Set.SCP may have at
// most MaxSCPLevels levels; deeper levels are ignored.
func (s *Set) Evaluate(req *Request, res *Result) {
	var e evaluator
	var t tally
	e.init(req, res, s.Boundary != nil, quickKey(req.Action))
	for lvl, level := range s.SCP {
		if lvl >= MaxSCPLevels {
			break
		}
		for _, c := range level {
			e.scan(c, KindSCP, slotSCP+lvl, &t)
		}
	}
	if s.Resource != nil {
		e.scan(s.Resource, s.Resource.Kind, slotResource, &t)
	}
	for _, c := range s.Identity {
		e.scan(c, KindIdentity, slotIdentity, &t)
	}
	if s.Boundary != nil {
		e.scan(s.Boundary, KindBoundary, slotBoundary, &t)
	}
	for _, c := range s.Session {
		e.scan(c, KindSession, slotSession, &t)
	}
	e.decide(s, &t)
}

// scan evaluates the statements of c whose action matches: every Deny,
// then Allow statements until the slot holds the best possible allow.
func (e *evaluator) scan(c *Compiled, kind Kind, slot int, t *tally) {
	e.resourceKind = kind == KindResource || kind == KindTrust
	ent, ok := c.statementsFor(e.qk, e.req.Action)
	if !ok {
		// The cache is full: scan the index.
		c.eachCandidate(hashAction(e.req.Action), e.req.Action, func(i int32) {
			e.visit(c, i, kind, slot, t)
		})
		return
	}
	for _, i := range ent.stmts[:ent.nDeny] {
		e.visit(c, i, kind, slot, t)
	}
	for _, i := range ent.stmts[ent.nDeny:] {
		if t.allow[slot].cls == clsDirect {
			break
		}
		e.visit(c, i, kind, slot, t)
	}
}

// visit evaluates one statement whose action is known to match. A Deny
// that applies is appended to res.Matched; an Allow that applies is kept
// in the slot if it names the caller better than the slot's current one.
func (e *evaluator) visit(c *Compiled, i int32, kind Kind, slot int, t *tally) {
	st := &c.stmts[i]
	if st.effect == EffectAllow && t.allow[slot].cls == clsDirect {
		return
	}
	if !st.resAny && e.rIsARN && st.resFirst[e.rFirst>>6]&(1<<(e.rFirst&63)) == 0 {
		return // no Resource entry can match (NotResource never gets here)
	}
	cls := e.applies(st)
	if cls == clsNone {
		return
	}
	if st.effect == EffectDeny {
		e.res.Matched = append(e.res.Matched, Match{Policy: c.ID, Sid: st.sid, Index: st.index, Effect: EffectDeny, Kind: kind})
		return
	}
	if cls > t.allow[slot].cls {
		t.allow[slot] = hit{c: c, i: i, cls: cls}
	}
}

// applies checks resource, principal and conditions of a statement whose
// action matches; for a statement without principals an applicable
// statement is clsDirect.
func (e *evaluator) applies(st *cstmt) class {
	if st.effect == 0 || st.never {
		return clsNone
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
			return clsNone
		}
	}
	cls := clsDirect
	if e.resourceKind {
		if cls = e.principalApplies(st); cls == clsNone {
			return clsNone
		}
	}
	for k := range st.conds {
		if !e.cond(&st.conds[k]) {
			return clsNone
		}
	}
	return cls
}

func (h *hit) match(kind Kind) Match {
	st := &h.c.stmts[h.i]
	return Match{Policy: h.c.ID, Sid: st.sid, Index: st.index, Effect: EffectAllow, Kind: kind}
}

// decide applies steps 1-7 of evaluation.md §2 to the tally.
func (e *evaluator) decide(s *Set, t *tally) {
	res := e.res
	if len(res.Matched) > 0 {
		res.Decision = ExplicitDeny
		res.DeniedBy = res.Matched[0].Kind
		return
	}
	levels := min(len(s.SCP), MaxSCPLevels)
	for lvl := 0; lvl < levels; lvl++ {
		if t.allow[slotSCP+lvl].cls == clsNone {
			res.DeniedBy = KindSCP
			return
		}
	}
	p := &e.req.Principal
	cross := e.crossAccount()
	rb := t.allow[slotResource].cls
	resourceKind := KindResource
	if s.Resource != nil && s.Resource.Kind == KindTrust {
		resourceKind = KindTrust
	}
	// grant lists, for an Allow, the statements that had to allow.
	grant := func(slots ...int) {
		res.Decision = Allow
		if levels > 0 {
			res.Matched = append(res.Matched, t.allow[slotSCP].match(KindSCP))
		}
		for _, slot := range slots {
			if t.allow[slot].cls != clsNone {
				res.Matched = append(res.Matched, t.allow[slot].match(kindOfSlot(slot, s.Resource)))
			}
		}
	}
	if rb == clsDirect && !cross {
		// The resource policy names the caller: implicit denies in the
		// identity policies, the boundary and session policies do not
		// block (evaluation.md §3).
		grant(slotResource)
		return
	}
	if rb == clsNone && (resourceKind == KindTrust || cross) {
		// A trust policy must itself allow (§6); across accounts the
		// resource side must allow as well as the caller's side (§11).
		res.DeniedBy = resourceKind
		return
	}
	if p.Type == PrincipalRoot && !cross {
		// The root user needs no identity policy in its own account.
		if rb >= clsRole {
			grant(slotResource)
		} else {
			grant()
		}
		return
	}
	// A resource policy naming the caller's role (or the user behind a
	// federated session) grants without the identity policies, but the
	// boundary and session policies still apply.
	viaRole := rb == clsRole && !cross
	if !viaRole && t.allow[slotIdentity].cls == clsNone {
		res.DeniedBy = KindIdentity
		return
	}
	if s.Boundary != nil && t.allow[slotBoundary].cls == clsNone {
		res.DeniedBy = KindBoundary
		return
	}
	// Session policies limit role sessions (when the session has them)
	// and federated-user sessions (always: none means no permissions).
	needSession := p.Type == PrincipalFederatedUser ||
		(isRoleSession(p.Type) && (s.HasSession || len(s.Session) > 0))
	if needSession && t.allow[slotSession].cls == clsNone {
		res.DeniedBy = KindSession
		return
	}
	var slots [4]int
	n := 0
	add := func(slot int) { slots[n] = slot; n++ }
	if !viaRole {
		add(slotIdentity)
	}
	// In the same account an account-level grant in a resource policy
	// adds nothing to the identity allow; a trust policy, a role-level
	// grant and the resource side of a cross-account request are needed.
	if cross || viaRole || resourceKind == KindTrust {
		add(slotResource)
	}
	if s.Boundary != nil {
		add(slotBoundary)
	}
	if needSession {
		add(slotSession)
	}
	grant(slots[:n]...)
}

// EvaluateTrust evaluates a role trust policy (or any resource policy)
// alone for the request's principal: Allow when it allows the principal and
// nothing in it denies (evaluation.md §6; AssumeRoleWithWebIdentity and
// AssumeRoleWithSAML, which have no caller policies). For AssumeRole by an
// IAM principal use a Set with the trust policy as Resource and the
// caller's policies, so the same-account and cross-account rules apply.
func EvaluateTrust(trust *Compiled, req *Request, res *Result) {
	var e evaluator
	var t tally
	e.init(req, res, false, quickKey(req.Action))
	res.DeniedBy = trust.Kind
	e.scan(trust, trust.Kind, slotResource, &t)
	if len(res.Matched) > 0 {
		res.Decision = ExplicitDeny
		return
	}
	if t.allow[slotResource].cls != clsNone {
		res.Decision = Allow
		res.Matched = append(res.Matched, t.allow[slotResource].match(trust.Kind))
	}
}

func (e *evaluator) crossAccount() bool {
	acct := e.req.ResourceAccount
	if acct == "" && e.rIsARN && isAccountID(e.rsegs[4]) {
		acct = e.rsegs[4]
	}
	return acct != "" && e.req.Principal.Account != "" && acct != e.req.Principal.Account
}

type via uint8

const (
	viaExact via = iota
	viaWild
	viaWildAny
	viaGlobal
)

// actionMatch tests the statement's Action/NotAction against action a,
// reached through index list v (so that a statement listed twice is
// reported once).
func (st *cstmt) actionMatch(act actionKey, a string, v via) bool {
	switch v {
	case viaExact:
		for _, x := range st.exactActs {
			if equalFoldASCII(x, a) {
				return true
			}
		}
		return false // hash collision
	case viaWild, viaWildAny:
		for _, x := range st.exactActs {
			if equalFoldASCII(x, a) {
				return false // evaluated through the exact index
			}
		}
		if v == viaWildAny && act.hasBucket {
			for k := range st.wildActs {
				if inBucket(st.wildActs[k].text, a, act.first) {
					return false // evaluated through the bucketed index
				}
			}
		}
		for k := range st.wildActs {
			if st.wildActs[k].match(a, true) {
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
		for k := range st.wildActs {
			if st.wildActs[k].match(a, true) {
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
	if rp.headExact {
		return rp.head == e.rhead || equalFoldASCII(rp.head, e.rhead)
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
		return sp.match(s, fold)
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
	var kv keyValues
	e.lookup(p.key, p.keyHash, p.derived, &kv)
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
	typed   *typedValue // typed readings of the single value, from the Context
	t       *time.Time  // derived aws:CurrentTime / aws:EpochTime
	vals    []string
	one     string
	present bool
	multi   bool
	single  bool // one holds the only value
	epoch   bool // aws:EpochTime
}

func (kv *keyValues) n() int {
	if kv.single || kv.t != nil {
		return 1
	}
	return len(kv.vals)
}

func (kv *keyValues) str(i int) string {
	switch {
	case kv.single:
		return kv.one
	case kv.t != nil && kv.epoch:
		return strconv.FormatInt(kv.t.Unix(), 10)
	case kv.t != nil:
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

// derived identifies the keys the engine supplies from the principal and
// the request time when the Context does not set them; computed once per
// policy key at compile time.
type derived uint8

const (
	dNone derived = iota
	dUsername
	dUserID
	dPrincipalARN
	dPrincipalAccount
	dPrincipalType
	dCurrentTime
	dEpochTime
	dPrincipalTag
)

func deriveOf(lk string) derived {
	switch lk {
	case "aws:username":
		return dUsername
	case "aws:userid":
		return dUserID
	case "aws:principalarn":
		return dPrincipalARN
	case "aws:principalaccount":
		return dPrincipalAccount
	case "aws:principaltype":
		return dPrincipalType
	case "aws:currenttime":
		return dCurrentTime
	case "aws:epochtime":
		return dEpochTime
	}
	if len(lk) > len(principalTagPrefix) && lk[:len(principalTagPrefix)] == principalTagPrefix {
		return dPrincipalTag
	}
	return dNone
}

const principalTagPrefix = "aws:principaltag/"

// lookup finds a lower-cased key in the request context, then among the
// keys the engine derives from the principal and the time, and fills kv.
func (e *evaluator) lookup(lk string, h uint64, d derived, kv *keyValues) {
	*kv = keyValues{}
	if en := e.req.Context.lookupHashed(lk, h); en != nil {
		kv.present, kv.multi, kv.vals = true, en.multi, en.values
		if !en.multi {
			kv.typed = &en.typed
		}
		return
	}
	if d == dNone {
		return
	}
	p := &e.req.Principal
	v := ""
	switch d {
	case dUsername:
		if p.Type == PrincipalUser {
			v = p.Username
		}
	case dUserID:
		v = p.UserID
		if p.Type == PrincipalAnonymous {
			v = "anonymous"
		}
	case dPrincipalARN:
		switch {
		case isRoleSession(p.Type) && p.RoleARN != "":
			v = p.RoleARN
		case p.Type == PrincipalAnonymous || p.Type == PrincipalService || p.Type == PrincipalWebIdentity:
		default:
			v = p.ARN
		}
	case dPrincipalAccount:
		if p.Type != PrincipalAnonymous && p.Type != PrincipalService {
			v = p.Account
		}
	case dPrincipalType:
		if p.Type != PrincipalService {
			v = p.Type.awsPrincipalType()
		}
	case dCurrentTime, dEpochTime:
		if !e.req.Time.IsZero() {
			kv.present, kv.t, kv.epoch = true, &e.req.Time, d == dEpochTime
		}
		return
	case dPrincipalTag:
		name := lk[len(principalTagPrefix):]
		for k := range p.Tags {
			if len(p.Tags[k].Key) == len(name) && strings.EqualFold(p.Tags[k].Key, name) {
				kv.present, kv.single, kv.one = true, true, p.Tags[k].Value
				return
			}
		}
	}
	if v != "" {
		kv.present, kv.single, kv.one = true, true, v
	}
}

// cond evaluates one operator/key pair (conditions.md §1-3).
func (e *evaluator) cond(c *ccond) bool {
	if c.fast != fastNone {
		if en := e.req.Context.lookupHashed(c.key, c.keyHash); en != nil && !en.multi {
			return e.fastCond(c, en)
		}
	}
	var kv keyValues
	e.lookup(c.key, c.keyHash, c.derived, &kv)
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
			return v.like.match(s, false), true
		}
		if len(v.parts) == 1 && v.parts[0].kind == partVar {
			// The whole value is one variable: its value is literal text,
			// so every string operator is a comparison.
			val, ok := e.variable(&v.parts[0])
			if !ok {
				return false, true
			}
			if op == opStringEqualsIgnoreCase {
				return strings.EqualFold(val, s), true
			}
			return val == s, true
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
		if kv.t != nil {
			if !kv.epoch {
				return false, false // aws:CurrentTime is a date, not a number
			}
			x = float64(kv.t.Unix())
		} else if kv.typed != nil {
			if !kv.typed.numOK {
				return false, false
			}
			x = kv.typed.num
		} else {
			f, err := strconv.ParseFloat(kv.str(i), 64)
			if err != nil {
				return false, false
			}
			x = f
		}
		return cmpNum(op, x, v), true
	case op.isDate():
		var t time.Time
		if kv.t != nil {
			t = *kv.t
		} else if kv.typed != nil {
			if !kv.typed.dateOK {
				return false, false
			}
			t = kv.typed.date
		} else {
			var ok bool
			if t, ok = parseDate(kv.str(i)); !ok {
				return false, false
			}
		}
		return cmpDate(op, t, v), true
	case op == opBool:
		var rb, ok bool
		if kv.typed != nil {
			rb, ok = kv.typed.boolVal, kv.typed.boolOK
		} else {
			rb, ok = parseBool(kv.str(i))
		}
		if !ok {
			return false, false
		}
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
		return v.bOK && v.bval == rb, true
	case op == opBinaryEquals:
		return v.binOK && v.bin == kv.str(i), true
	case op == opIPAddress:
		var a netip.Addr
		if kv.typed != nil {
			if !kv.typed.ipOK {
				return false, false
			}
			a = kv.typed.ip
		} else {
			s := kv.str(i)
			if !looksIP(s) {
				return false, false
			}
			var err error
			if a, err = netip.ParseAddr(s); err != nil {
				return false, false
			}
			a = a.Unmap().WithZone("")
		}
		return v.ipOK && v.pfx.Contains(a), true
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

// inBucket reports whether the lower-cased action pattern p is indexed in
// the bucket of action a: same service, and its name starts with a's first
// name character (first, lower-cased) rather than a wildcard.
func inBucket(p, a string, first byte) bool {
	ps, pn, _ := strings.Cut(p, ":")
	as, _, _ := strings.Cut(a, ":")
	return pn != "" && pn[0] == first && pn[0] != '*' && pn[0] != '?' && equalFoldASCII(ps, as)
}

// cmpNum compares a request number with a policy value under a positive
// Numeric operator; an unreadable policy value never matches.
func cmpNum(op baseOp, x float64, v *cval) bool {
	if !v.numOK {
		return false
	}
	switch op {
	case opNumericEquals:
		return x == v.num
	case opNumericLessThan:
		return x < v.num
	case opNumericLessThanEquals:
		return x <= v.num
	case opNumericGreaterThan:
		return x > v.num
	case opNumericGreaterThanEquals:
		return x >= v.num
	}
	return false
}

// cmpDate compares a request time with a policy value under a positive
// Date operator; an unreadable policy value never matches.
func cmpDate(op baseOp, t time.Time, v *cval) bool {
	if !v.dOK {
		return false
	}
	switch op {
	case opDateEquals:
		return t.Equal(v.date)
	case opDateLessThan:
		return t.Before(v.date)
	case opDateLessThanEquals:
		return !t.After(v.date)
	case opDateGreaterThan:
		return t.After(v.date)
	case opDateGreaterThanEquals:
		return !t.Before(v.date)
	}
	return false
}

// fastCond evaluates a condition whose key is a single-valued key present
// in the Context and whose values need no substitution, without the
// general path's copies: the typed readings cached by Context.Set are
// compared directly. Same semantics as cond/sat/match for that case.
func (e *evaluator) fastCond(c *ccond, en *ctxEntry) bool {
	pos, neg := c.op.base.positive(), c.op.base.negated()
	tv := &en.typed
	m := false
	switch c.fast {
	case fastString:
		s := en.values[0]
		for k := range c.vals {
			v := &c.vals[k]
			if v.parts != nil {
				// One variable (fastKindOf admits no other template):
				// its value is literal text under every string operator.
				val, ok := e.variable(&v.parts[0])
				if !ok {
					continue // unresolved: this value matches nothing
				}
				if pos == opStringEqualsIgnoreCase {
					m = strings.EqualFold(val, s)
				} else {
					m = val == s
				}
				if m {
					break
				}
				continue
			}
			switch pos {
			case opStringEquals:
				m = v.raw == s
			case opStringEqualsIgnoreCase:
				m = strings.EqualFold(v.raw, s)
			default:
				m = v.like.match(s, false)
			}
			if m {
				break
			}
		}
	case fastBool:
		if !tv.boolOK {
			return false
		}
		for k := range c.vals {
			if m = c.vals[k].bOK && c.vals[k].bval == tv.boolVal; m {
				break
			}
		}
	case fastDate:
		if !tv.dateOK {
			return false
		}
		for k := range c.vals {
			if m = cmpDate(pos, tv.date, &c.vals[k]); m {
				break
			}
		}
	case fastNum:
		if !tv.numOK {
			return false
		}
		for k := range c.vals {
			if m = cmpNum(pos, tv.num, &c.vals[k]); m {
				break
			}
		}
	case fastIP:
		if !tv.ipOK {
			return false
		}
		for k := range c.vals {
			if m = c.vals[k].ipOK && c.vals[k].pfx.Contains(tv.ip); m {
				break
			}
		}
	}
	return m != neg
}
