package sigv4

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Scope is the credential scope: <date>/<region>/<service>/aws4_request.
type Scope struct {
	Date    string // YYYYMMDD
	Region  string
	Service string
}

// String renders the scope as it appears in the string to sign.
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + scopeTerminator
}

// Credential is the parsed Credential element: the access key ID and scope.
type Credential struct {
	AccessKeyID string
	Scope       Scope
}

// Authorization is a parsed "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…" header.
type Authorization struct {
	Credential    Credential
	SignedHeaders []string // as sent: lower case, ';'-separated in the header
	Signature     string
}

// ParseAuthorization parses an Authorization header value of the SigV4
// header form. It checks syntax only (the three elements present once each,
// the credential's five parts, the signed-header list); the scope's meaning
// is checked by Verify. Errors are *Error with AWS's message texts:
// IncompleteSignature, or SignatureDoesNotMatch for a scope that does not
// end in aws4_request.
func ParseAuthorization(header string) (Authorization, error) {
	var a Authorization
	alg, rest, _ := strings.Cut(strings.TrimLeft(header, " "), " ")
	if alg != algorithm {
		// AWS answers a header of another scheme (SigV2 "AWS key:sig",
		// "Bearer …") by listing everything the SigV4 form lacks.
		return a, errIncomplete(missingElements(true, true, true, header))
	}
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	// AWS tokenises the rest on commas and white space alike, so
	// "Credential= AKID/…" is reported as a pair without '='.
	for len(rest) > 0 {
		if c := rest[0]; c == ',' || c == ' ' || c == '\t' {
			rest = rest[1:]
			continue
		}
		end := strings.IndexAny(rest, ", \t")
		if end < 0 {
			end = len(rest)
		}
		part := rest[:end]
		rest = rest[end:]
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return a, errIncomplete(fmt.Sprintf(
				"'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, header))
		}
		var dup bool
		switch k {
		case "Credential":
			dup = haveCred
			cred, haveCred = v, true
		case "SignedHeaders":
			dup = haveSigned
			signed, haveSigned = v, true
		case "Signature":
			dup = haveSig
			sig, haveSig = v, true
		}
		if dup {
			// Which of two values was meant is ambiguous; refuse both.
			return a, errIncomplete(fmt.Sprintf("'%s' appears more than once in Authorization header: '%s'.", k, header))
		}
	}
	if !haveCred || !haveSigned || !haveSig {
		return a, errIncomplete(missingElements(!haveCred, !haveSig, !haveSigned, header))
	}
	c, err := parseCredential(cred)
	if err != nil {
		return a, err
	}
	names, err := parseSignedHeaders(signed)
	if err != nil {
		return a, err
	}
	return Authorization{Credential: c, SignedHeaders: names, Signature: sig}, nil
}

func missingElements(cred, sig, signed bool, header string) string {
	var b strings.Builder
	if cred {
		b.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if sig {
		b.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if signed {
		b.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	b.WriteString("Authorization=")
	b.WriteString(header)
	return b.String()
}

// parseCredential splits "<AKID>/<YYYYMMDD>/<region>/<service>/aws4_request".
// The access key ID may itself not contain '/', so the last four parts are
// the scope.
func parseCredential(v string) (Credential, error) {
	parts := strings.Split(v, "/")
	if len(parts) != 5 || parts[0] == "" {
		return Credential{}, errIncomplete(fmt.Sprintf(
			"Credential is malformed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\", got '%s'.", v))
	}
	return Credential{
		AccessKeyID: parts[0],
		Scope:       Scope{Date: parts[1], Region: parts[2], Service: parts[3]},
	}, validTerminator(parts[4])
}

func validTerminator(t string) error {
	if t != scopeTerminator {
		return errSignature(fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", t))
	}
	return nil
}

// parseSignedHeaders splits the ';'-separated list. Names must be lower case,
// sorted and unique, as every signer produces them; anything else would make
// the canonical request ambiguous.
func parseSignedHeaders(v string) ([]string, error) {
	if v == "" {
		return nil, errIncomplete("SignedHeaders must not be empty.")
	}
	names := strings.Split(v, ";")
	for i, n := range names {
		if n == "" || !validHeaderName(n) {
			return nil, errIncomplete(fmt.Sprintf("SignedHeaders contains an invalid header name: '%s'.", n))
		}
		if i > 0 && names[i-1] >= n {
			return nil, errIncomplete(fmt.Sprintf(
				"SignedHeaders must be lower-case, sorted and unique: '%s'.", v))
		}
	}
	return names, nil
}

// validHeaderName accepts RFC 7230 token characters in lower case.
func validHeaderName(n string) bool {
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

const amzDateLayout = "20060102T150405Z"

// parseAmzDate parses the basic ISO 8601 form used by X-Amz-Date.
func parseAmzDate(v string) (time.Time, error) {
	t, err := time.Parse(amzDateLayout, v)
	if err != nil || len(v) != len(amzDateLayout) {
		return time.Time{}, errIncomplete(fmt.Sprintf(
			"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", v))
	}
	return t, nil
}

// parseHTTPDate parses a Date header (RFC 1123 and the two older forms
// net/http accepts).
func parseHTTPDate(v string) (time.Time, error) {
	t, err := http.ParseTime(v)
	if err != nil {
		return time.Time{}, errIncomplete(fmt.Sprintf("Date header is not a valid HTTP date: '%s'.", v))
	}
	return t.UTC(), nil
}

// validRegion accepts any syntactically plausible region name: SDKs with an
// endpoint override sign with whatever region the client is configured
// with (protocol.md §1), including self-hosted names such as "local".
func validRegion(r string) bool {
	if r == "" || len(r) > 64 {
		return false
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// containsSorted reports whether the sorted list holds name.
func containsSorted(list []string, name string) bool {
	i := sort.SearchStrings(list, name)
	return i < len(list) && list[i] == name
}
