package authz

import (
	"sync"

	"github.com/iamd/iamd/internal/policy"
)

// decisionCacheSize bounds the remembered decisions; when full the cache
// starts over (entries are cheap to recompute).
const decisionCacheSize = 4096

// decisionKey names an Allow of a request-independent policy set
// (policy.Prepared.RequestIndependent): the set itself — a new revision of
// the principal's policies is a new set, so an entry can never outlive
// the policies it was decided with — the principal as the engine sees it
// without tags or names (no condition or variable reads them), and the
// check.
type decisionKey struct {
	set                               *policy.Prepared
	arn, account                      string
	typ                               policy.PrincipalType
	action, resource, resourceAccount string
}

// decisionCache remembers the Allow decisions of request-independent sets:
// the check API asks the same question (may this service ask about that
// principal: iamd:Authorize) on every call, and most services' policies
// for it have no condition. Denials are not remembered (they are logged
// each time).
type decisionCache struct {
	mu sync.Mutex
	m  map[decisionKey]policy.Result
}

func (c *decisionCache) get(k decisionKey) (policy.Result, bool) {
	c.mu.Lock()
	r, ok := c.m[k]
	c.mu.Unlock()
	return r, ok
}

// put keeps a copy of r's outcome (not its scratch buffers). The Matched
// slice of a cached result is shared by every Decision built from it:
// Decisions are read-only.
func (c *decisionCache) put(k decisionKey, r *policy.Result) {
	kept := policy.Result{Decision: r.Decision, DeniedBy: r.DeniedBy, Matched: append([]policy.Match(nil), r.Matched...)}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= decisionCacheSize {
		c.m = make(map[decisionKey]policy.Result)
	}
	c.m[k] = kept
	c.mu.Unlock()
}
