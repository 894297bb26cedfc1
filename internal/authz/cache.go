package authz

import (
	"container/list"
	"sync"

	"github.com/iamd/iamd/internal/policy"
)

// DefaultCacheSize bounds the number of principals whose compiled policy
// sets are kept.
const DefaultCacheSize = 4096

// compiledSet is a principal's policies compiled, at one account revision.
type compiledSet struct {
	rev      int64
	info     Policies // the gathered facts and documents
	identity []*policy.Compiled
	boundary *policy.Compiled
	session  []*policy.Compiled
	prepared *policy.Prepared
}

type cacheKey struct {
	account, kind, name, session string
}

// setCache is a bounded LRU of compiled sets. Entries carry the revision
// they were built at; a reader that sees a newer revision rebuilds.
type setCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List // front: most recently used; values are *cacheItem
	items map[cacheKey]*list.Element
}

type cacheItem struct {
	key cacheKey
	set *compiledSet
}

func newSetCache(max int) *setCache {
	if max <= 0 {
		max = DefaultCacheSize
	}
	return &setCache{max: max, ll: list.New(), items: map[cacheKey]*list.Element{}}
}

// get returns the entry for key built at revision rev.
func (c *setCache) get(key cacheKey, rev int64) *compiledSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil
	}
	it := el.Value.(*cacheItem)
	if it.set.rev != rev {
		return nil
	}
	c.ll.MoveToFront(el)
	return it.set
}

func (c *setCache) put(key cacheKey, s *compiledSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		// Keep the newer of two racing builds.
		if it := el.Value.(*cacheItem); it.set.rev <= s.rev {
			it.set = s
		}
		c.ll.MoveToFront(el)
		return
	}
	c.items[key] = c.ll.PushFront(&cacheItem{key: key, set: s})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*cacheItem).key)
	}
}

func (c *setCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
