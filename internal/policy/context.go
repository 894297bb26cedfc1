package policy

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Context holds a request's condition keys. Key names are case-insensitive;
// each key has one value or a set of values (multivalued keys such as
// aws:TagKeys). Build it once per request; Reset empties it and keeps its
// storage for the next request. Lookups do not allocate.
type Context struct {
	entries []ctxEntry
	hashes  []uint64 // entries[i].hash, packed: a lookup scans these first
}

type ctxEntry struct {
	hash   uint64 // hashLower(key): most mismatches are decided on it
	key    string // lower-cased
	values []string
	multi  bool
	typed  typedValue // values[0] read as date, number, IP and bool
}

// typedValue caches the typed readings of a single value, made once when
// the key is set, so that conditions evaluated against many statements do
// not parse the same request value again and again.
type typedValue struct {
	date    time.Time
	num     float64
	ip      netip.Addr
	dateOK  bool
	numOK   bool
	ipOK    bool
	boolOK  bool
	boolVal bool
}

func readTyped(s string) typedValue {
	var v typedValue
	if s == "" {
		return v
	}
	v.date, v.dateOK = parseDate(s)
	if looksNumeric(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			v.num, v.numOK = f, true
		}
	}
	if looksIP(s) {
		if a, err := netip.ParseAddr(s); err == nil {
			v.ip, v.ipOK = a.Unmap().WithZone(""), true
		}
	}
	v.boolVal, v.boolOK = parseBool(s)
	return v
}

// looksNumeric and looksIP screen values before the strconv / netip
// parsers, whose failures allocate an error.
func looksNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return false
		}
	}
	return true
}

func looksIP(s string) bool {
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' || c == ':':
			sep = true
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == '%':
		default:
			return false
		}
	}
	return sep
}

// NewContext returns an empty context.
func NewContext() *Context { return &Context{} }

// Reset removes every key, keeping the storage.
func (c *Context) Reset() {
	c.entries = c.entries[:0]
	c.hashes = c.hashes[:0]
}

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
	e := ctxEntry{hash: hashLower(lk), key: lk, values: values, multi: multi}
	if !multi {
		e.typed = readTyped(values[0])
	}
	for i := range c.entries {
		if c.entries[i].key == lk {
			c.entries[i] = e
			return
		}
	}
	c.entries = append(c.entries, e)
	c.hashes = append(c.hashes, e.hash)
}

// Delete removes key.
func (c *Context) Delete(key string) {
	lk := strings.ToLower(key)
	for i := range c.entries {
		if c.entries[i].key == lk {
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			c.hashes = append(c.hashes[:i], c.hashes[i+1:]...)
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
	return c.lookupHashed(lk, hashLower(lk))
}

// lookupHashed finds a lower-cased key whose hashLower is h.
func (c *Context) lookupHashed(lk string, h uint64) *ctxEntry {
	if c == nil {
		return nil
	}
	for i, x := range c.hashes {
		if x == h && c.entries[i].key == lk {
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
