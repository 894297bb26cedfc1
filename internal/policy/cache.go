package policy

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// actionCache remembers, per policy, which statements match an action. The
// statement index narrows the candidates to the action's service and
// first letter, but wildcard patterns still have to be tried; a workload
// uses a small set of actions over and over, so the answer is kept. The
// cache is a copy-on-write snapshot: lookups are lock-free and allocation
// free; a miss computes the list (allocating) and publishes a new
// snapshot. It is bounded so that a caller sending arbitrary action names
// cannot grow it without limit; past the bound the index is scanned on
// every request.
type actionCache struct {
	mu   sync.Mutex
	snap atomic.Pointer[cacheSnap]
}

const maxCachedActions = 1024

type cacheEntry struct {
	action string  // lower-cased; verified on lookup, the hash alone is not trusted
	stmts  []int32 // matching statements: Deny first, then Allow
	nDeny  int
}

type cacheSnap struct {
	keys    []uint64
	slots   []int32 // index into entries
	mask    uint64
	entries []cacheEntry
}

func (c *actionCache) get(key uint64, action string) *cacheEntry {
	s := c.snap.Load()
	if s == nil {
		return nil
	}
	key = fixKey(key)
	for i := slot(key) & s.mask; ; i = (i + 1) & s.mask {
		switch s.keys[i] {
		case key:
			ent := &s.entries[s.slots[i]]
			if equalFoldASCII(ent.action, action) {
				return ent
			}
		case 0:
			return nil
		}
	}
}

// fill computes and caches the entry for an action; nil when the cache is
// full.
func (c *actionCache) fill(p *Compiled, act actionKey, action string) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ent := c.get(act.full, action); ent != nil {
		return ent
	}
	old := c.snap.Load()
	n := 0
	if old != nil {
		n = len(old.entries)
	}
	if n >= maxCachedActions {
		return nil
	}
	var deny, allow []int32
	p.eachCandidate(act, action, func(i int32) {
		if p.stmts[i].effect == EffectDeny {
			deny = append(deny, i)
		} else if p.stmts[i].effect == EffectAllow {
			allow = append(allow, i)
		}
	})
	slices.Sort(deny)
	slices.Sort(allow)
	ent := cacheEntry{action: strings.ToLower(action), stmts: append(deny, allow...), nDeny: len(deny)}

	s := &cacheSnap{entries: make([]cacheEntry, 0, n+1)}
	if old != nil {
		s.entries = append(s.entries, old.entries...)
	}
	s.entries = append(s.entries, ent)
	size := uint64(8)
	for size < uint64(len(s.entries))*2 {
		size <<= 1
	}
	s.keys, s.slots, s.mask = make([]uint64, size), make([]int32, size), size-1
	for j := range s.entries {
		k := fixKey(hashAction(s.entries[j].action).full)
		i := slot(k) & s.mask
		for s.keys[i] != 0 {
			i = (i + 1) & s.mask
		}
		s.keys[i], s.slots[i] = k, int32(j)
	}
	c.snap.Store(s)
	return &s.entries[len(s.entries)-1]
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
