package sigv4

import "sync"

// keyCache keeps derived signing keys per (access key, scope). A key is
// valid for a day and every request of that day reuses it; deriving it costs
// four HMACs. The secret is stored alongside so a rotated or changed secret
// never reuses a stale key. The cache is bounded: when full it is emptied,
// which keeps it simple and the memory fixed.
type keyCache struct {
	mu  sync.Mutex
	max int
	m   map[cacheID]cachedKey
}

type cacheID struct {
	accessKeyID string
	scope       Scope
}

type cachedKey struct {
	secret string
	key    []byte
}

func newKeyCache(max int) *keyCache {
	if max <= 0 {
		return nil
	}
	return &keyCache{max: max, m: make(map[cacheID]cachedKey)}
}

// get returns the signing key, deriving and remembering it when needed. A
// nil cache derives every time.
func (c *keyCache) get(accessKeyID, secret string, s Scope) []byte {
	if c == nil {
		return signingKey(secret, s.Date, s.Region, s.Service)
	}
	id := cacheID{accessKeyID, s}
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && e.secret == secret {
		return e.key
	}
	k := signingKey(secret, s.Date, s.Region, s.Service)
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[id] = cachedKey{secret: secret, key: k}
	c.mu.Unlock()
	return k
}
