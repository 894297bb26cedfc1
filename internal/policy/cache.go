package policy

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// actionCache remembers, per action, which statements match it. The
// statement index narrows the candidates to the action's service and first
// letter, but wildcard patterns still have to be tried; a workload uses a
// small set of actions over and over, so the answer is kept. The cache is a
// copy-on-write snapshot: lookups are lock-free and allocation-free; a miss
// computes the answer (allocating) and publishes a new snapshot. It is
// bounded so that a caller sending arbitrary action names cannot grow it
// without limit; past the bound the caller computes the answer each time.
type actionCache[T any] struct {
	mu   sync.Mutex
	snap atomic.Pointer[cacheSnap[T]]
}

const (
	maxCachedActions = 1024
	maxSameKey       = 4
)

type cacheEntry[T any] struct {
	raw    string // the action as first requested: a fast exact comparison
	action string // lower-cased; verified on lookup, the hash alone is not trusted
	val    T
}

type cacheSnap[T any] struct {
	keys    []uint64
	slots   []int32 // index into entries
	mask    uint64
	entries []cacheEntry[T]
}

func (c *actionCache[T]) get(key uint64, action string) *T {
	s := c.snap.Load()
	if s == nil {
		return nil
	}
	key = fixKey(key)
	for i := slot(key) & s.mask; ; i = (i + 1) & s.mask {
		switch s.keys[i] {
		case key:
			ent := &s.entries[s.slots[i]]
			if ent.raw == action || equalFoldASCII(ent.action, action) {
				return &ent.val
			}
		case 0:
			return nil
		}
	}
}

// fill computes (with compute) and caches the value for an action; nil
// when the cache is full.
func (c *actionCache[T]) fill(key uint64, action string, compute func() T) *T {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v := c.get(key, action); v != nil {
		return v
	}
	old := c.snap.Load()
	n := 0
	if old != nil {
		n = len(old.entries)
	}
	if n >= maxCachedActions {
		return nil
	}
	// Actions that share quickKey share a probe chain: keep chains short
	// so that crafted action names cannot make every lookup slow.
	if old != nil {
		same := 0
		for j := range old.entries {
			if quickKey(old.entries[j].action) == key {
				same++
			}
		}
		if same >= maxSameKey {
			return nil
		}
	}
	s := &cacheSnap[T]{entries: make([]cacheEntry[T], 0, n+1)}
	if old != nil {
		s.entries = append(s.entries, old.entries...)
	}
	s.entries = append(s.entries, cacheEntry[T]{
		raw: strings.Clone(action), action: lowerASCII(action), val: compute(),
	})
	size := uint64(8)
	for size < uint64(len(s.entries))*2 {
		size <<= 1
	}
	s.keys, s.slots, s.mask = make([]uint64, size), make([]int32, size), size-1
	for j := range s.entries {
		k := fixKey(quickKey(s.entries[j].action))
		i := slot(k) & s.mask
		for s.keys[i] != 0 {
			i = (i + 1) & s.mask
		}
		s.keys[i], s.slots[i] = k, int32(j)
	}
	c.snap.Store(s)
	return &s.entries[len(s.entries)-1].val
}

// quickKey is the action cache's hash: the length and the first and last
// eight bytes, letters folded by bit 0x20 — a few nanoseconds whatever the
// action. Actions that share all three collide and are told apart by the
// string comparison every lookup makes anyway; the statement index, used
// only on a cache miss, hashes the whole action (hashAction).
func quickKey(s string) uint64 {
	const fold = 0x2020202020202020
	n := len(s)
	if n >= 8 {
		a := load8(s) | fold
		b := load8(s[n-8:]) | fold
		return mix(a ^ (b<<29 | b>>35) ^ uint64(n))
	}
	var w uint64
	for i := 0; i < n; i++ {
		w |= uint64(s[i]|0x20) << (8 * i)
	}
	return mix(w ^ uint64(n)<<56)
}

func load8(s string) uint64 {
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// lowerASCII folds ASCII letters only, as equalFoldASCII compares: a cached
// action must compare equal to the request that created it.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lower(c)
	}
	return string(b)
}

// stmtList is a policy's statements matching one action: Deny first, then
// Allow, each in document order.
type stmtList struct {
	stmts []int32
	nDeny int
}

// statementsFor returns the statements of p whose Action/NotAction
// matches, from the cache when possible. ok is false when the cache is
// full; the caller then walks eachCandidate itself.
func (p *Compiled) statementsFor(qk uint64, action string) (*stmtList, bool) {
	if l := p.cache.get(qk, action); l != nil {
		return l, true
	}
	act := hashAction(action)
	l := p.cache.fill(qk, action, func() stmtList {
		var deny, allow []int32
		p.eachCandidate(act, action, func(i int32) {
			switch p.stmts[i].effect {
			case EffectDeny:
				deny = append(deny, i)
			case EffectAllow:
				allow = append(allow, i)
			}
		})
		slices.Sort(deny)
		slices.Sort(allow)
		return stmtList{stmts: append(deny, allow...), nDeny: len(deny)}
	})
	return l, l != nil
}

// eachCandidate calls f for every statement whose Action/NotAction
// matches the action, each once.
func (p *Compiled) eachCandidate(act actionKey, action string, f func(int32)) {
	if act.hasColon {
		for _, i := range p.exact.get(act.full) {
			if p.stmts[i].actionMatch(act, action, viaExact) {
				f(i)
			}
		}
		if act.hasBucket {
			for _, i := range p.wild.get(act.bucket) {
				if p.stmts[i].actionMatch(act, action, viaWild) {
					f(i)
				}
			}
		}
		for _, i := range p.wildAny.get(act.service) {
			if p.stmts[i].actionMatch(act, action, viaWildAny) {
				f(i)
			}
		}
	}
	for _, i := range p.global {
		if p.stmts[i].actionMatch(act, action, viaGlobal) {
			f(i)
		}
	}
}
