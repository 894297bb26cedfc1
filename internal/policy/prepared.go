package policy

import "slices"

// Prepared is a Set frozen with a cross-policy action index: for each
// action seen, the matching statements of every policy of the set, denies
// first, in one list. Evaluating it costs one index lookup for the whole
// set instead of one per policy, which matters for principals with many
// policies. Build it when the policies of a principal are loaded and cache
// it with them (it is immutable and safe for concurrent use); build a plain
// Set when the combination is used once.
type Prepared struct {
	set   Set
	cache actionCache[refList]
	// independent: every policy of the set is RequestIndependent.
	independent bool
}

// RequestIndependent reports whether every policy of the set is (see
// Compiled.RequestIndependent): for a given principal, action and
// resource the decision then does not depend on the request's context.
func (p *Prepared) RequestIndependent() bool { return p.independent }

type ref struct {
	resFirst     [4]uint64 // copied from the statement: the loop reads refs sequentially
	resAny       bool
	c            *Compiled
	i            int32
	slot         uint8
	kind         Kind
	resourceKind bool
}

type refList struct {
	refs  []ref
	nDeny int
}

// Prepare snapshots the set (its slices are copied; the Compiled policies
// are shared, being immutable).
func (s *Set) Prepare() *Prepared {
	p := &Prepared{set: Set{
		Resource: s.Resource, Boundary: s.Boundary, HasSession: s.HasSession,
		Identity: slices.Clone(s.Identity), Session: slices.Clone(s.Session),
	}}
	for _, level := range s.SCP {
		p.set.SCP = append(p.set.SCP, slices.Clone(level))
	}
	p.independent = true
	check := func(c *Compiled) {
		if c != nil && !c.RequestIndependent() {
			p.independent = false
		}
	}
	check(s.Resource)
	check(s.Boundary)
	for _, c := range s.Identity {
		check(c)
	}
	for _, c := range s.Session {
		check(c)
	}
	for _, level := range s.SCP {
		for _, c := range level {
			check(c)
		}
	}
	return p
}

// Set returns a copy of the prepared set's policies.
func (p *Prepared) Set() Set {
	s := p.set
	s.Identity = slices.Clone(s.Identity)
	s.Session = slices.Clone(s.Session)
	s.SCP = slices.Clone(s.SCP)
	return s
}

// Evaluate is Set.Evaluate on the prepared set.
func (p *Prepared) Evaluate(req *Request, res *Result) {
	qk := quickKey(req.Action)
	l := p.cache.get(qk, req.Action)
	if l == nil {
		l = p.cache.fill(qk, req.Action, func() refList { return p.refsFor(hashAction(req.Action), req.Action) })
	}
	if l == nil {
		p.set.Evaluate(req, res) // the index is full
		return
	}
	var e evaluator
	var t tally
	e.init(req, res, p.set.Boundary != nil, qk)
	for k := range l.refs {
		r := &l.refs[k]
		// The resource filter of visit, inlined: most statements of a
		// large set stop here.
		if !r.resAny && e.rIsARN && r.resFirst[e.rFirst>>6]&(1<<(e.rFirst&63)) == 0 {
			continue
		}
		if k >= l.nDeny && t.allow[r.slot].cls == clsDirect {
			continue
		}
		e.resourceKind = r.resourceKind
		e.visit(r.c, r.i, r.kind, int(r.slot), &t)
	}
	e.decide(&p.set, &t)
}

// refsFor merges the per-policy statement lists of every policy in the
// order Set.Evaluate visits them.
func (p *Prepared) refsFor(act actionKey, action string) refList {
	var deny, allow []ref
	add := func(c *Compiled, kind Kind, slot int) {
		if c == nil {
			return
		}
		rk := kind == KindResource || kind == KindTrust
		var idx []int32
		c.eachCandidate(act, action, func(i int32) { idx = append(idx, i) })
		slices.Sort(idx) // document order, as Set.Evaluate reports
		for _, i := range idx {
			st := &c.stmts[i]
			r := ref{resFirst: st.resFirst, resAny: st.resAny, c: c, i: i, slot: uint8(slot), kind: kind, resourceKind: rk}
			switch c.stmts[i].effect {
			case EffectDeny:
				deny = append(deny, r)
			case EffectAllow:
				allow = append(allow, r)
			}
		}
	}
	s := &p.set
	for lvl, level := range s.SCP {
		if lvl >= MaxSCPLevels {
			break
		}
		for _, c := range level {
			add(c, KindSCP, slotSCP+lvl)
		}
	}
	if s.Resource != nil {
		add(s.Resource, s.Resource.Kind, slotResource)
	}
	for _, c := range s.Identity {
		add(c, KindIdentity, slotIdentity)
	}
	add(s.Boundary, KindBoundary, slotBoundary)
	for _, c := range s.Session {
		add(c, KindSession, slotSession)
	}
	return refList{refs: append(deny, allow...), nDeny: len(deny)}
}
