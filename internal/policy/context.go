package policy

import "strings"

// Context holds a request's condition keys. Key names are case-insensitive;
// each key has one value or a set of values (multivalued keys such as
// aws:TagKeys). Build it once per request; Reset empties it and keeps its
// storage for the next request. Lookups do not allocate.
type Context struct {
	entries []ctxEntry
}

type ctxEntry struct {
	key    string // lower-cased
	values []string
	multi  bool
}

// NewContext returns an empty context.
func NewContext() *Context { return &Context{} }

// Reset removes every key, keeping the storage.
func (c *Context) Reset() { c.entries = c.entries[:0] }

// Set sets key to values, replacing any earlier values. With exactly one
// value the key is single-valued; with zero or several it is multivalued
// (a set), as are the keys AWS defines as multivalued (aws:TagKeys, …)
// whatever their number of values.
func (c *Context) Set(key string, values ...string) {
	c.set(key, values, len(values) != 1)
}

// SetMulti sets key as a multivalued key (a set), even with one value.
func (c *Context) SetMulti(key string, values ...string) {
	c.set(key, values, true)
}

func (c *Context) set(key string, values []string, multi bool) {
	lk := strings.ToLower(key)
	if isMultivaluedKey(lk) {
		multi = true
	}
	for i := range c.entries {
		if c.entries[i].key == lk {
			c.entries[i].values = values
			c.entries[i].multi = multi
			return
		}
	}
	c.entries = append(c.entries, ctxEntry{key: lk, values: values, multi: multi})
}

// Delete removes key.
func (c *Context) Delete(key string) {
	lk := strings.ToLower(key)
	for i := range c.entries {
		if c.entries[i].key == lk {
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			return
		}
	}
}

// Get returns the values of key (any case) and whether it is present.
func (c *Context) Get(key string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	e := c.lookupFold(key)
	if e == nil {
		return nil, false
	}
	return e.values, true
}

// Keys returns the (lower-cased) keys present, in insertion order.
func (c *Context) Keys() []string {
	if c == nil {
		return nil
	}
	out := make([]string, len(c.entries))
	for i, e := range c.entries {
		out[i] = e.key
	}
	return out
}

// lookup finds an already lower-cased key.
func (c *Context) lookup(lk string) *ctxEntry {
	if c == nil {
		return nil
	}
	for i := range c.entries {
		if c.entries[i].key == lk {
			return &c.entries[i]
		}
	}
	return nil
}

// lookupFold finds a key given in any case without allocating.
func (c *Context) lookupFold(key string) *ctxEntry {
	for i := range c.entries {
		if len(c.entries[i].key) == len(key) && strings.EqualFold(c.entries[i].key, key) {
			return &c.entries[i]
		}
	}
	return nil
}

// multivaluedKeys are the context keys AWS defines as sets
// (conditions.md §3). A plain (non-set) operator on one of them never
// matches.
var multivaluedKeys = [...]string{
	"aws:tagkeys",
	"sts:transitivetagkeys",
	"aws:calledvia",
	"aws:principalservicenameslist",
	"aws:principalorgpaths",
	"aws:resourceorgpaths",
	"cognito-identity.amazonaws.com:amr",
	"sts:identitytokenaudience",
	"sts:requestcontextproviders",
	"iam:accountpropertynamespaces",
}

func isMultivaluedKey(lk string) bool {
	for _, k := range multivaluedKeys {
		if k == lk {
			return true
		}
	}
	return strings.HasSuffix(lk, ":amr")
}
