package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	scopeTerminator = "aws4_request"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	// emptySHA256 is the payload hash of an empty body.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

const upperHex = "0123456789ABCDEF"

// unreserved reports the RFC 3986 unreserved characters, the only ones SigV4
// leaves unencoded.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// uriEncode percent-encodes every byte outside the unreserved set with
// upper-case hex; keepSlash leaves '/' alone (for paths).
func uriEncode(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; !unreserved(c) && !(keepSlash && c == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// queryUnescape decodes one query-string component the way the Query
// protocol parser reads it ('+' is a space), so the signature covers the
// parameters exactly as the service will see them. A '%' that does not start
// a valid escape is kept literally rather than failing: the canonical form
// stays defined and the signature still covers the raw bytes.
func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 < len(s) {
				hi, ok1 := unhex(s[i+1])
				lo, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					b = append(b, hi<<4|lo)
					i += 2
					continue
				}
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// queryParam is one decoded query parameter.
type queryParam struct{ key, value string }

// parseQuery splits a raw query string into decoded parameters, in order.
// Empty pieces ("a=1&&b=2") are skipped; a piece without '=' is a key with
// an empty value.
func parseQuery(rawQuery string) []queryParam {
	if rawQuery == "" {
		return nil
	}
	params := make([]queryParam, 0, strings.Count(rawQuery, "&")+1)
	for rest := rawQuery; rest != ""; {
		var piece string
		piece, rest, _ = strings.Cut(rest, "&")
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		params = append(params, queryParam{queryUnescape(k), queryUnescape(v)})
	}
	return params
}

// canonicalQuery builds the canonical query string: every parameter
// URI-encoded, sorted by encoded key then encoded value (the sort happens
// after encoding, as AWS specifies), joined with '&'. skip, when non-empty,
// names a parameter left out (X-Amz-Signature in the presigned form).
func canonicalQuery(params []queryParam, skip string) string {
	enc := make([]queryParam, 0, len(params))
	size := 0
	for _, p := range params {
		if skip != "" && p.key == skip {
			continue
		}
		e := queryParam{uriEncode(p.key, false), uriEncode(p.value, false)}
		size += len(e.key) + len(e.value) + 2
		enc = append(enc, e)
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].key != enc[j].key {
			return enc[i].key < enc[j].key
		}
		return enc[i].value < enc[j].value
	})
	var b strings.Builder
	b.Grow(size)
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// normalizePath removes empty, "." and ".." segments from an escaped path,
// keeping a trailing slash, as the SDKs that normalise (botocore, the
// JavaScript SDK) do for every service but S3. "/example/.." becomes "/",
// "//example//" becomes "/example/".
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") && p[0] == '/' {
		return p // the common case: nothing to do
	}
	segs := make([]string, 0, strings.Count(p, "/")+1)
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, s)
		}
	}
	out := "/" + strings.Join(segs, "/")
	if len(segs) > 0 && strings.HasSuffix(p, "/") {
		out += "/"
	}
	return out
}

// canonicalURI is the path part of the canonical request. For every service
// but S3 the escaped path as received is normalised and encoded again,
// which is the double encoding the SDKs apply (a space travels as %20 and is
// signed as %2520). S3 signs the path as sent.
func canonicalURI(rawPath string, normalize, s3 bool) string {
	if rawPath == "" {
		rawPath = "/"
	}
	if s3 {
		return rawPath
	}
	if normalize {
		rawPath = normalizePath(rawPath)
	}
	return uriEncode(rawPath, true)
}

// trimAll trims a header value and collapses runs of spaces into one.
func trimAll(v string) string {
	v = strings.Trim(v, " \t\r\n\v\f")
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	prevSpace := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if prevSpace {
				continue
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// headerValues returns the values of the named header (given in lower case)
// whatever the case of the map's keys. Keys differing only in case are
// visited in sorted order so the result is deterministic.
func headerValues(h map[string][]string, lower string) []string {
	var keys []string
	for k := range h {
		if len(k) == len(lower) && strings.EqualFold(k, lower) {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 0:
		return nil
	case 1:
		return h[keys[0]]
	}
	sort.Strings(keys)
	var vs []string
	for _, k := range keys {
		vs = append(vs, h[k]...)
	}
	return vs
}

// compareFold compares k, folded to lower case, with lower (ASCII only,
// as header names are).
func compareFold(k, lower string) int {
	n := min(len(k), len(lower))
	for i := 0; i < n; i++ {
		c := k[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			if c < lower[i] {
				return -1
			}
			return 1
		}
	}
	return len(k) - len(lower)
}

// gatherHeaders returns the values of each header in names (lower case,
// sorted, unique), indexed like names, in one pass over the map instead of
// one per name. A name present under several differently-cased keys falls
// back to headerValues for its deterministic order.
func gatherHeaders(h map[string][]string, names []string) [][]string {
	out := make([][]string, len(names))
	var seen uint64 // names already filled, for the first 64
	for k, vs := range h {
		i := sort.Search(len(names), func(i int) bool { return compareFold(k, names[i]) <= 0 })
		if i == len(names) || compareFold(k, names[i]) != 0 {
			continue
		}
		if i < 64 && seen&(1<<i) == 0 {
			seen |= 1 << i
			out[i] = vs
			continue
		}
		out[i] = headerValues(h, names[i])
	}
	return out
}

// canonicalRequestInput is everything the canonical request depends on.
type canonicalRequestInput struct {
	method        string
	uri           string // canonical URI, already encoded
	query         string // canonical query string
	header        map[string][]string
	values        [][]string // values of signedHeaders, when already gathered
	host          string     // used when header has no Host entry
	signedHeaders []string
	payloadHash   string
}

// canonicalRequest joins method, URI, query, canonical headers, the signed
// header list and the payload hash with '\n'. Signed header names are
// already lower case and sorted.
func canonicalRequest(in *canonicalRequestInput) string {
	var b strings.Builder
	b.Grow(256 + len(in.query))
	b.WriteString(in.method)
	b.WriteByte('\n')
	b.WriteString(in.uri)
	b.WriteByte('\n')
	b.WriteString(in.query)
	b.WriteByte('\n')
	values := in.values
	if values == nil {
		values = gatherHeaders(in.header, in.signedHeaders)
	}
	for i, name := range in.signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		vs := values[i]
		if len(vs) == 0 && name == "host" {
			vs = []string{in.host}
		}
		for i, v := range vs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(trimAll(v))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	for i, name := range in.signedHeaders {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(name)
	}
	b.WriteByte('\n')
	b.WriteString(in.payloadHash)
	return b.String()
}

// stringToSign is the second step: algorithm, request time, scope and the
// hash of the canonical request.
func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], sum[:])
	var b strings.Builder
	b.Grow(len(algorithm) + len(amzDate) + len(scope) + 3 + len(hexSum))
	b.WriteString(algorithm)
	b.WriteByte('\n')
	b.WriteString(amzDate)
	b.WriteByte('\n')
	b.WriteString(scope)
	b.WriteByte('\n')
	b.Write(hexSum[:])
	return b.String()
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signingKey derives kSigning from the secret and the scope.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}
