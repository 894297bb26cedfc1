package policy

import (
	"encoding/base64"
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Compiled is a policy ready for evaluation. It is immutable after Compile
// and safe for concurrent use.
type Compiled struct {
	ID     string
	Kind   Kind
	Policy *Policy

	stmts []cstmt
	// exact maps the hash of a lower-cased "service:action" to the
	// statements naming exactly that action.
	exact table
	// wild maps the hash of a lower-cased "service:c", c being the first
	// character of the action name, to the statements with a wildcard
	// action in that service whose name starts with c ("s3:Get*").
	wild table
	// wildAny maps the hash of a lower-cased service prefix to the
	// statements with an action pattern starting with a wildcard
	// ("s3:*Object", "s3:*").
	wildAny table
	// global holds the statements that may match any service: NotAction,
	// "*", and actions whose vendor is "*".
	global []int32

	cache actionCache[stmtList]

	// dependent: some statement has a Condition block, a policy variable
	// in a resource, or a Principal element (RequestIndependent).
	dependent bool
}

// RequestIndependent reports whether the policy decides from the action
// and resource alone: no Condition block, no policy variable in a
// resource, no Principal element. For a given principal, a set of such
// policies gives the same decision on an action and resource whatever the
// request's context (source IP, time, tags, MFA, ...), so the decision can
// be reused (internal/authz caches it per policy set).
func (c *Compiled) RequestIndependent() bool { return !c.dependent }

type cstmt struct {
	sid    string
	index  int
	effect Effect

	notAction bool
	exactActs []string  // lower-cased exact "service:action"
	wildActs  []pattern // lower-cased patterns with * or ?
	anyAction bool      // "*" among the actions

	hasResource bool
	notResource bool
	resources   []resPat
	// resFirst is a quick filter: the possible first bytes of the
	// resource part of a matching ARN (resAny: no filter). Most statements
	// of a large policy set are rejected by it without calling the matcher.
	resFirst [4]uint64
	resAny   bool

	principal    *cprincipal
	notPrincipal bool

	conds []ccond
	never bool // an unknown condition operator: the block is never true
}

// resPat is one compiled Resource entry.
type resPat struct {
	any bool // "*"
	// head is the first five segments with their colons when none of them
	// has a wildcard or variable: one comparison instead of five.
	head      string
	headExact bool
	segs      [6]segPat
	whole     segPat // the entry as one pattern, for request resources that are not ARNs
}

// segPat is a glob (or, with variables, a template) for one ARN segment.
type segPat struct {
	pattern
	parts []part // non-nil when the text has policy variables
}

type patKind uint8

const (
	patExact  patKind = iota // no wildcard
	patPrefix                // one trailing '*' only: a prefix test
	patStars                 // '*' but no '?': literal chunks found in order
	patGlob                  // anything else
)

// pattern is a wildcard pattern with its fast path precomputed.
type pattern struct {
	text   string
	kind   patKind
	chunks []string // patStars: the text split at '*'
}

func newPattern(text string) pattern {
	p := pattern{text: text}
	switch {
	case !hasWildcard(text):
		p.kind = patExact
	case text[len(text)-1] == '*' && !hasWildcard(text[:len(text)-1]):
		p.kind = patPrefix
	case !strings.Contains(text, "?"):
		p.kind, p.chunks = patStars, strings.Split(text, "*")
	default:
		p.kind = patGlob
	}
	return p
}

// match tests s against the pattern, ignoring ASCII case when fold is set.
func (p *pattern) match(s string, fold bool) bool {
	switch p.kind {
	case patExact:
		if fold {
			return equalFoldASCII(p.text, s)
		}
		return p.text == s
	case patPrefix:
		n := len(p.text) - 1
		if len(s) < n {
			return false
		}
		if fold {
			return equalFoldASCII(p.text[:n], s[:n])
		}
		return p.text[:n] == s[:n]
	case patStars:
		if !fold {
			return matchChunks(p.chunks, s)
		}
	}
	return globImpl(p.text, nil, s, fold)
}

// matchChunks matches a pattern whose only wildcard is '*', given as the
// literal chunks between the stars: s must start with the first chunk, end
// with the last, and contain the others in order between them. Taking the
// leftmost occurrence of each middle chunk is always right for such
// patterns, and strings.Index is fast.
func matchChunks(chunks []string, s string) bool {
	first, last := chunks[0], chunks[len(chunks)-1]
	if len(s) < len(first)+len(last) || s[:len(first)] != first || s[len(s)-len(last):] != last {
		return false
	}
	mid := s[len(first) : len(s)-len(last)]
	for _, c := range chunks[1 : len(chunks)-1] {
		i := strings.Index(mid, c)
		if i < 0 {
			return false
		}
		mid = mid[i+len(c):]
	}
	return true
}

type pkind uint8

const (
	pkWildcard  pkind = iota // "*"
	pkAccount                // 123456789012 or arn:…:iam::A:root
	pkUser                   // arn:…:iam::A:user/…
	pkRole                   // arn:…:iam::A:role/…
	pkSession                // arn:…:sts::A:assumed-role/R/S
	pkFederated              // arn:…:sts::A:federated-user/N
	pkUniqueID               // AIDA…, AROA…
	pkService                // "Service"
	pkProvider               // "Federated"
	pkCanonical              // "CanonicalUser"
	pkOther                  // never matches
)

type cpEntry struct {
	kind    pkind
	value   string
	account string
}

type cprincipal struct {
	wildcard bool
	entries  []cpEntry
}

// ccond is one operator/key pair.
type ccond struct {
	op      operator
	opName  string
	key     string // lower-cased
	keyHash uint64 // hashLower(key)
	derived derived
	fast    fastKind // the shortcut of evaluator.fastCond, when one applies
	vals    []cval
}

type cval struct {
	raw   string
	parts []part  // non-nil when raw has policy variables (and they are enabled)
	like  pattern // StringLike without variables

	num   float64
	numOK bool
	date  time.Time
	dOK   bool
	pfx   netip.Prefix
	ipOK  bool
	bin   string
	binOK bool
	arn   [6]string // ArnLike without variables
	arnOK bool
	null  int8 // Null: 1 "true", 0 "false", -1 neither
	bval  bool // Bool without variables: the value, when bOK
	bOK   bool
}

// Compile prepares p for evaluation. id is reported in Match.Policy; kind
// is the role the policy plays (a managed policy document can serve as an
// identity policy and as a permissions boundary).
func Compile(id string, kind Kind, p *Policy) (*Compiled, error) {
	if p == nil {
		return nil, errors.New("policy: Compile of a nil policy")
	}
	c := &Compiled{
		ID: id, Kind: kind, Policy: p,
		stmts: make([]cstmt, len(p.Statements)),
	}
	exact, wild, wildAny := map[uint64][]int32{}, map[uint64][]int32{}, map[uint64][]int32{}
	vars := p.VariablesEnabled()
	for i := range p.Statements {
		s := &p.Statements[i]
		cs := &c.stmts[i]
		cs.sid, cs.index, cs.effect = s.Sid, i, s.Effect
		cs.notAction = s.NotAction
		global := s.NotAction
		for _, a := range s.Actions {
			la := strings.ToLower(a.Value)
			if la == "*" {
				cs.anyAction = true
				global = true
				continue
			}
			vendor, _, _ := strings.Cut(la, ":")
			if hasWildcard(vendor) {
				global = true
			}
			if hasWildcard(la) {
				cs.wildActs = append(cs.wildActs, newPattern(la))
			} else {
				cs.exactActs = append(cs.exactActs, la)
			}
		}
		idx := int32(i)
		if global {
			c.global = append(c.global, idx)
		} else {
			for _, a := range cs.exactActs {
				h := hashAction(a).full
				if l := exact[h]; len(l) == 0 || l[len(l)-1] != idx {
					exact[h] = append(l, idx)
				}
			}
			for _, a := range cs.wildActs {
				_, name, _ := strings.Cut(a.text, ":")
				k := hashAction(a.text)
				idxMap, h := wildAny, k.service
				if name != "" && name[0] != '*' && name[0] != '?' {
					idxMap, h = wild, k.bucket
				}
				if l := idxMap[h]; len(l) == 0 || l[len(l)-1] != idx {
					idxMap[h] = append(l, idx)
				}
			}
		}

		cs.hasResource, cs.notResource = s.HasResource, s.NotResource
		cs.resAny = !s.HasResource || s.NotResource
		for _, r := range s.Resources {
			rp := compileResource(r.Value, vars)
			cs.resources = append(cs.resources, rp)
			seg := &rp.segs[5]
			switch {
			case rp.any || seg.parts != nil && seg.parts[0].kind != partText:
				cs.resAny = true
			case seg.text == "":
				cs.resFirst[0] |= 1 // byte 0 stands for an empty resource part
			case seg.text[0] == '*' || seg.text[0] == '?':
				cs.resAny = true
			default:
				b := seg.text[0]
				cs.resFirst[b>>6] |= 1 << (b & 63)
			}
		}

		for _, rp := range cs.resources {
			for _, seg := range rp.segs {
				c.dependent = c.dependent || seg.parts != nil
			}
			c.dependent = c.dependent || rp.whole.parts != nil
		}
		c.dependent = c.dependent || s.Principal != nil || len(s.Conditions) > 0

		if s.Principal != nil {
			cs.principal = compilePrincipal(s.Principal)
			cs.notPrincipal = s.NotPrincipal
		}

		for _, cd := range s.Conditions {
			o, ok := parseOperator(cd.Operator)
			if !ok {
				// Validation admits an unknown operator only with an
				// empty key map; nothing can satisfy it (conditions.md §1).
				cs.never = true
				continue
			}
			if cd.Key == "" {
				continue // known operator, no keys: nothing to test
			}
			lk := strings.ToLower(cd.Key)
			cc := ccond{op: o, opName: cd.Operator, key: lk, keyHash: hashLower(lk), derived: deriveOf(lk)}
			for _, v := range cd.Values {
				cc.vals = append(cc.vals, compileValue(o.base, v.Value, vars))
			}
			cc.fast = fastKindOf(&cc)
			cs.conds = append(cs.conds, cc)
		}
	}
	c.exact, c.wild, c.wildAny = newTable(exact), newTable(wild), newTable(wildAny)
	return c, nil
}

func compileValue(op baseOp, raw string, vars bool) cval {
	v := cval{raw: raw, null: -1}
	if vars && op.takesVariables() && strings.Contains(raw, "${") {
		if ps := parseTemplate(raw); hasVariables(ps) {
			v.parts = ps
		}
	}
	switch {
	case op == opStringLike || op == opStringNotLike:
		v.like = newPattern(raw)
	case op.isNumeric():
		if f, err := strconv.ParseFloat(raw, 64); err == nil && !math.IsNaN(f) {
			v.num, v.numOK = f, true
		}
	case op.isDate():
		v.date, v.dOK = parseDate(raw)
	case op == opIPAddress || op == opNotIPAddress:
		if strings.Contains(raw, "/") {
			if p, err := netip.ParsePrefix(raw); err == nil {
				v.pfx, v.ipOK = p.Masked(), true
			}
		} else if a, err := netip.ParseAddr(raw); err == nil {
			a = a.Unmap()
			v.pfx, v.ipOK = netip.PrefixFrom(a, a.BitLen()), true
		}
	case op == opBinaryEquals:
		if b, err := base64.StdEncoding.DecodeString(raw); err == nil {
			v.bin, v.binOK = string(b), true
		}
	case op.isArn():
		if v.parts == nil {
			v.arn, v.arnOK = splitARN(raw)
		}
	case op == opBool:
		v.bval, v.bOK = parseBool(raw)
	case op == opNull:
		switch strings.ToLower(raw) {
		case "true":
			v.null = 1
		case "false":
			v.null = 0
		}
	}
	return v
}

// splitARN splits on the first five colons; ok is false for fewer than six
// parts.
func splitARN(s string) (out [6]string, ok bool) {
	ok = splitARNInto(s, &out)
	return out, ok
}

// splitARNInto is splitARN writing into *out (no 96-byte copy per request).
func splitARNInto(s string, out *[6]string) bool {
	n, start := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			out[n] = s[start:i]
			start = i + 1
			if n++; n == 5 {
				out[5] = s[start:]
				return true
			}
		}
	}
	return false
}

// splitTemplateARN splits a Resource entry into six segments on the first
// five colons that are not inside ${…}; missing trailing segments are "*"
// (a short ARN in a policy matches like one ending in wildcards).
func splitTemplateARN(s string) [6]string {
	var out [6]string
	n := 0
	depth := false
	start := 0
	for i := 0; i < len(s) && n < 5; i++ {
		switch {
		case !depth && s[i] == '$' && i+1 < len(s) && s[i+1] == '{' && strings.IndexByte(s[i:], '}') > 0:
			depth = true
		case depth && s[i] == '}':
			depth = false
		case !depth && s[i] == ':':
			out[n] = s[start:i]
			n++
			start = i + 1
		}
	}
	out[n] = s[start:]
	for k := n + 1; k < 6; k++ {
		out[k] = "*"
	}
	return out
}

func compileSeg(text string, vars bool) segPat {
	sp := segPat{pattern: newPattern(text)}
	if vars && strings.Contains(text, "${") {
		if ps := parseTemplate(text); hasVariables(ps) {
			sp.parts = ps
		}
	}
	return sp
}

func compileResource(r string, vars bool) resPat {
	if r == "*" {
		return resPat{any: true}
	}
	rp := resPat{whole: compileSeg(r, vars)}
	segs := splitTemplateARN(r)
	rp.headExact = true
	for i, s := range segs {
		rp.segs[i] = compileSeg(s, vars)
		if i < 5 {
			if rp.segs[i].kind != patExact || rp.segs[i].parts != nil {
				rp.headExact = false
			}
		}
	}
	if rp.headExact {
		rp.head = segs[0] + ":" + segs[1] + ":" + segs[2] + ":" + segs[3] + ":" + segs[4] + ":"
	}
	return rp
}

func compilePrincipal(ps *PrincipalSpec) *cprincipal {
	cp := &cprincipal{wildcard: ps.Wildcard}
	for _, e := range ps.Entries {
		ce := cpEntry{kind: pkOther, value: e.Value}
		switch e.Type {
		case "AWS":
			switch {
			case e.Value == "*":
				ce.kind = pkWildcard
			case isAccountID(e.Value):
				ce.kind, ce.account = pkAccount, e.Value
			case isUniqueID(e.Value):
				ce.kind = pkUniqueID
			default:
				if parts, ok := splitARN(e.Value); ok && parts[0] == "arn" {
					ce.account = parts[4]
					res := parts[5]
					switch {
					case parts[2] == "iam" && res == "root":
						ce.kind = pkAccount
					case parts[2] == "iam" && strings.HasPrefix(res, "user/"):
						ce.kind = pkUser
					case parts[2] == "iam" && strings.HasPrefix(res, "role/"):
						ce.kind = pkRole
					case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
						ce.kind = pkSession
					case parts[2] == "sts" && strings.HasPrefix(res, "federated-user/"):
						ce.kind = pkFederated
					}
				}
			}
		case "Service":
			ce.kind = pkService
		case "Federated":
			ce.kind = pkProvider
		case "CanonicalUser":
			ce.kind = pkCanonical
		}
		if ce.kind == pkWildcard {
			cp.wildcard = true
		}
		cp.entries = append(cp.entries, ce)
	}
	return cp
}

// FNV-1a over ASCII-lower-cased bytes: the statement index key. Request
// actions are hashed the same way without allocating.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashLower(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(lower(s[i]))
		h *= fnvPrime
	}
	return h
}

// actionKey holds the index keys of a request action, computed in one
// pass: the hashes of the whole action, of its service prefix, and of the
// service prefix with the first character of the action name. The same
// function keys the index at compile time (on the lower-cased patterns), so
// the two always agree. Letters are folded by setting bit 0x20 on every
// byte, which also merges a few non-letters ('@' and '`', …): harmless,
// since every index hit is verified against the strings.
type actionKey struct {
	full, service, bucket uint64
	first                 byte // lower-cased first character of the name
	hasColon, hasBucket   bool
}

const (
	seedService = 0x243f6a8885a308d3
	tagBucket   = 0x13198a2e03707344
	tagFull     = 0xa4093822299f31d0
	seedNoColon = 0x082efa98ec4e6c89
)

func mix(x uint64) uint64 {
	x *= 0x9e3779b97f4a7c15
	return x ^ x>>32
}

// hashFold hashes s eight bytes at a time, ASCII letters folded.
func hashFold(s string, h uint64) uint64 {
	n := uint64(len(s))
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = mix(h ^ (w | 0x2020202020202020))
		s = s[8:]
	}
	var w uint64
	for i := 0; i < len(s); i++ {
		w |= uint64(s[i]|0x20) << (8 * i)
	}
	return mix(h ^ w ^ n<<58)
}

func hashAction(a string) actionKey {
	var k actionKey
	colon := strings.IndexByte(a, ':')
	if colon < 0 {
		k.full = hashFold(a, seedNoColon)
		return k
	}
	k.hasColon = true
	k.service = hashFold(a[:colon], seedService)
	if colon+1 < len(a) {
		k.first = lower(a[colon+1])
		k.bucket = mix(k.service ^ uint64(k.first|0x20) ^ tagBucket)
		k.hasBucket = true
	}
	k.full = hashFold(a[colon+1:], k.service^tagFull)
	return k
}

type fastKind uint8

const (
	fastNone fastKind = iota
	fastString
	fastBool
	fastDate
	fastNum
	fastIP
)

// fastKindOf picks the shortcut for a condition without a set operator
// whose values need no substitution. (IfExists does not matter: the
// shortcut only runs when the key is present.)
func fastKindOf(c *ccond) fastKind {
	if c.op.set != setNone || c.op.base == opNull {
		return fastNone
	}
	b := c.op.base
	for k := range c.vals {
		if ps := c.vals[k].parts; ps != nil && !(b.isString() && len(ps) == 1 && ps[0].kind == partVar) {
			return fastNone
		}
	}
	switch {
	case b.isString():
		return fastString
	case b == opBool:
		return fastBool
	case b.isDate():
		return fastDate
	case b.isNumeric():
		return fastNum
	case b == opIPAddress || b == opNotIPAddress:
		return fastIP
	}
	return fastNone
}
