package authzapi

import (
	"github.com/iamd/iamd/authzclient"
)

// The common requests (a principal by ARN or key, checks with plain ASCII
// strings) are decoded without reflection: encoding/json was a third of
// reading a request. Anything else — escapes, non-ASCII, null, a field
// spelled in another case, a repeated field, a forwarded request, trailing
// data — is left to encoding/json (ok false), which decodes it or words
// the error; for what the fast path accepts, both give the same value (a
// test and a fuzz target compare them).

// decodeCheckFast decodes a CheckRequest; ok false: use encoding/json.
func decodeCheckFast(data []byte, req *authzclient.CheckRequest) bool {
	p := jsonScan{b: data}
	var seen uint32
	ok := p.object(func(key string) bool {
		switch key {
		case "principal":
			return p.once(&seen, 1) && p.principal(&req.Principal)
		default:
			return p.checkField(key, &seen, &req.Check)
		}
	})
	return ok && p.end()
}

// decodeBatchFast decodes a BatchRequest; ok false: use encoding/json.
func decodeBatchFast(data []byte, req *authzclient.BatchRequest) bool {
	p := jsonScan{b: data}
	var seen uint32
	ok := p.object(func(key string) bool {
		switch key {
		case "principal":
			return p.once(&seen, 1) && p.principal(&req.Principal)
		case "context":
			return p.once(&seen, 2) && p.context(&req.Context)
		case "checks":
			if !p.once(&seen, 4) {
				return false
			}
			req.Checks = []authzclient.Check{}
			return p.array(func() bool {
				var c authzclient.Check
				var cseen uint32
				if !p.object(func(key string) bool { return p.checkField(key, &cseen, &c) }) {
					return false
				}
				req.Checks = append(req.Checks, c)
				return true
			})
		}
		return false
	})
	return ok && p.end()
}

// jsonScan reads the subset of JSON the fast path accepts.
type jsonScan struct {
	b []byte
	i int
}

func (p *jsonScan) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// eat consumes c after optional whitespace.
func (p *jsonScan) eat(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// peek reports whether c comes next (after whitespace), without consuming.
func (p *jsonScan) peek(c byte) bool {
	p.ws()
	return p.i < len(p.b) && p.b[p.i] == c
}

// end: nothing but whitespace is left.
func (p *jsonScan) end() bool {
	p.ws()
	return p.i == len(p.b)
}

// str reads a string of printable ASCII without escapes.
func (p *jsonScan) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := string(p.b[start:p.i])
			p.i++
			return s, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", false
		}
		p.i++
	}
	return "", false
}

// object reads {"key": value, ...}, member calls reading each value.
func (p *jsonScan) object(member func(key string) bool) bool {
	if !p.eat('{') {
		return false
	}
	if p.eat('}') {
		return true
	}
	for {
		key, ok := p.str()
		if !ok || !p.eat(':') || !member(key) {
			return false
		}
		if p.eat('}') {
			return true
		}
		if !p.eat(',') {
			return false
		}
	}
}

// array reads [elem, ...].
func (p *jsonScan) array(elem func() bool) bool {
	if !p.eat('[') {
		return false
	}
	if p.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if p.eat(']') {
			return true
		}
		if !p.eat(',') {
			return false
		}
	}
}

// strings reads an array of strings (never nil, as encoding/json).
func (p *jsonScan) strings() ([]string, bool) {
	out := []string{}
	ok := p.array(func() bool {
		s, ok := p.str()
		out = append(out, s)
		return ok
	})
	return out, ok
}

// once marks a field seen; a repeated field goes to encoding/json (which
// merges repeated objects into the first).
func (p *jsonScan) once(seen *uint32, bit uint32) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

func (p *jsonScan) principal(out **authzclient.Principal) bool {
	if p.peek('n') {
		return false
	}
	pr := new(authzclient.Principal)
	var seen uint32
	ok := p.object(func(key string) bool {
		var ok bool
		switch key {
		case "arn":
			if ok = p.once(&seen, 1); ok {
				pr.ARN, ok = p.str()
			}
		case "accessKeyId":
			if ok = p.once(&seen, 2); ok {
				pr.AccessKeyID, ok = p.str()
			}
		}
		return ok
	})
	*out = pr
	return ok
}

func (p *jsonScan) context(out *map[string][]string) bool {
	if p.peek('n') {
		return false
	}
	m := map[string][]string{}
	ok := p.object(func(key string) bool {
		vs, ok := p.strings()
		m[key] = vs
		return ok
	})
	*out = m
	return ok
}

// checkField reads one field of a Check (the check request's fields are
// the Check's, embedded).
func (p *jsonScan) checkField(key string, seen *uint32, c *authzclient.Check) bool {
	var ok bool
	str := func(bit uint32, dst *string) bool {
		if !p.once(seen, bit) {
			return false
		}
		*dst, ok = p.str()
		return ok
	}
	switch key {
	case "action":
		return str(1<<8, &c.Action)
	case "resource":
		return str(1<<9, &c.Resource)
	case "resourcePolicy":
		return str(1<<10, &c.ResourcePolicy)
	case "resourceAccount":
		return str(1<<11, &c.ResourceAccount)
	case "resources":
		if !p.once(seen, 1<<12) {
			return false
		}
		c.Resources, ok = p.strings()
		return ok
	case "context":
		return p.once(seen, 1<<13) && p.context(&c.Context)
	}
	return false
}
