package sigv4

import (
	"net/http"
	"strconv"
	"strings"
)

// Request is the part of an HTTP request that SigV4 covers, in a form that
// serves both a request this server received (FromHTTP) and the SigV4
// elements another service forwards to the authorization API.
type Request struct {
	// Method is the HTTP method, e.g. "POST".
	Method string
	// RawPath is the path exactly as sent on the wire, still escaped
	// ("/a%20b"); empty means "/".
	RawPath string
	// RawQuery is the query string as sent, without the '?'.
	RawQuery string
	// Header holds the request headers; names in any case, several values
	// per name allowed.
	Header map[string][]string
	// Host is the Host header's value when Header has no Host entry
	// (net/http keeps it apart from the other headers).
	Host string
	// Body is the request body. It is hashed unless PayloadHash is set.
	Body []byte
	// PayloadHash, when set, is the lower-hex SHA-256 of the body (or
	// "UNSIGNED-PAYLOAD"), for callers that forward a hash instead of the
	// body.
	PayloadHash string
	// Service, when set, is the service the request is addressed to after
	// routing (e.g. "sts" for an STS action); the credential scope must name
	// it. When empty, any service the Verifier allows is accepted.
	Service string
}

// FromHTTP builds a Request from a received (or client-built) http.Request
// and its already-read body. It does not read r.Body.
func FromHTTP(r *http.Request, body []byte) *Request {
	req := &Request{
		Method: r.Method,
		Header: r.Header,
		Host:   r.Host,
		Body:   body,
	}
	if req.Host == "" && r.URL != nil {
		req.Host = r.URL.Host
	}
	// A server request's RequestURI is the request target exactly as sent,
	// which is what the client signed. Client-built requests (and
	// absolute-form targets) fall back to the parsed URL.
	if strings.HasPrefix(r.RequestURI, "/") {
		req.RawPath, req.RawQuery, _ = strings.Cut(r.RequestURI, "?")
	} else if r.URL != nil {
		req.RawPath, req.RawQuery = r.URL.EscapedPath(), r.URL.RawQuery
	}
	// net/http keeps Content-Length out of Header on requests it builds for
	// sending; signers sign it from the length, so put it back.
	if r.ContentLength > 0 && headerValues(r.Header, "content-length") == nil {
		h := make(http.Header, len(r.Header)+1)
		for k, v := range r.Header {
			h[k] = v
		}
		h["Content-Length"] = []string{strconv.FormatInt(r.ContentLength, 10)}
		req.Header = h
	}
	return req
}
