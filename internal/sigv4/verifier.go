// Package sigv4 verifies AWS Signature Version 4 requests, in the
// Authorization-header form that SDKs send and in the presigned query form
// (presigned GetCallerIdentity for EKS tokens, Vault and the like).
//
// The package is pure: the caller hands it the request's parts, a clock and a
// credential lookup; it computes the canonical request exactly as AWS does
// and compares signatures in constant time. It does not interpret session
// tokens: it returns the token for the caller (the STS layer) to check, and
// passes it to the lookup so temporary credentials can be found by it.
package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxSkew is how far a request's time may be from the server's.
const DefaultMaxSkew = 15 * time.Minute

// MaxPresignExpires is the longest X-Amz-Expires a presigned URL may carry
// (seven days, the life of a signing key's scope).
const MaxPresignExpires = 604800

// Secret is what a credential lookup returns for a usable access key.
type Secret struct {
	// SecretAccessKey signs the request.
	SecretAccessKey string
	// Principal is an opaque handle returned in Result for the caller
	// (e.g. the user or session the key belongs to).
	Principal any
}

// Lookup finds the secret for an access key. sessionToken is the request's
// X-Amz-Security-Token ("" when absent) so temporary credentials can be
// resolved. A lookup reports an unusable key with ErrUnknownAccessKey,
// ErrInactiveAccessKey, ErrInvalidSessionToken or ErrExpiredSessionToken
// (wrapped or not); any other error is treated as an internal failure and
// returned to the caller as is, for a 5xx.
type Lookup interface {
	LookupAccessKey(ctx context.Context, accessKeyID, sessionToken string) (Secret, error)
}

// LookupFunc adapts a function to Lookup.
type LookupFunc func(ctx context.Context, accessKeyID, sessionToken string) (Secret, error)

// LookupAccessKey calls f.
func (f LookupFunc) LookupAccessKey(ctx context.Context, accessKeyID, sessionToken string) (Secret, error) {
	return f(ctx, accessKeyID, sessionToken)
}

// Config configures a Verifier.
type Config struct {
	// Lookup resolves access keys. Required.
	Lookup Lookup
	// Clock is the server's time. Required.
	Clock func() time.Time
	// Services are the services a credential scope may name, e.g. "iam",
	// "sts". Empty accepts any (the authorization API, which verifies
	// requests other services received).
	Services []string
	// MaxSkew is the allowed distance between request and server time;
	// zero means DefaultMaxSkew.
	MaxSkew time.Duration
	// KeyCacheSize bounds the derived signing-key cache; zero means 1024,
	// negative disables the cache.
	KeyCacheSize int
}

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	lookup   Lookup
	clock    func() time.Time
	services []string
	maxSkew  time.Duration
	keys     *keyCache
}

// New returns a Verifier for the configuration.
func New(cfg Config) (*Verifier, error) {
	if cfg.Lookup == nil {
		return nil, errors.New("sigv4: Config.Lookup is required")
	}
	if cfg.Clock == nil {
		return nil, errors.New("sigv4: Config.Clock is required")
	}
	if cfg.MaxSkew < 0 {
		return nil, errors.New("sigv4: Config.MaxSkew must not be negative")
	}
	skew := cfg.MaxSkew
	if skew == 0 {
		skew = DefaultMaxSkew
	}
	size := cfg.KeyCacheSize
	if size == 0 {
		size = 1024
	}
	return &Verifier{
		lookup:   cfg.Lookup,
		clock:    cfg.Clock,
		services: append([]string(nil), cfg.Services...),
		maxSkew:  skew,
		keys:     newKeyCache(size),
	}, nil
}

// Result describes a request whose signature verified.
type Result struct {
	AccessKeyID string
	Scope       Scope
	// SecurityToken is the X-Amz-Security-Token the request carried ("" for
	// long-term keys); the caller validates it as a session token.
	SecurityToken string
	// SignedAt is the request time (X-Amz-Date, or the Date header).
	SignedAt time.Time
	// Presigned is true for the query-string form; ExpiresAt is then
	// SignedAt + X-Amz-Expires.
	Presigned bool
	ExpiresAt time.Time
	// SignedHeaders lists the headers the signature covers.
	SignedHeaders []string
	// UnsignedPayload is true when the client declared UNSIGNED-PAYLOAD:
	// the signature does not cover the body, so a Query-protocol POST's
	// parameters could be replaced by whoever holds the request. Callers may
	// refuse it where the body carries the operation.
	UnsignedPayload bool
	// Principal is the handle the lookup returned.
	Principal any
}

// Query parameters of the presigned form.
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qSecurityToken = "X-Amz-Security-Token"
	qContentSHA256 = "X-Amz-Content-Sha256"
)

// parsed is the signature material of either form.
type parsed struct {
	cred          Credential
	signedHeaders []string
	signature     string
	amzDate       string // request time in basic ISO 8601, as in the string to sign
	signedAt      time.Time
	presigned     bool
	expires       time.Duration // presigned with X-Amz-Expires; 0 when absent
	token         string
	declaredHash  string // x-amz-content-sha256, if sent
}

// Verify checks the request's signature. On success it returns the Result;
// otherwise an *Error in AWS's terms, or the lookup's own error when the
// lookup failed for another reason (an internal failure for the caller to
// log). A request with no signature at all gets MissingAuthenticationToken,
// which callers serving unauthenticated actions (AssumeRoleWithWebIdentity)
// can recognise by its code.
func (v *Verifier) Verify(ctx context.Context, r *Request) (*Result, error) {
	pr, err := v.prepare(r)
	if err != nil {
		return nil, err
	}
	p := &pr.p
	// A signature that is not 64 hex digits cannot match: answer without
	// touching the store.
	want, err := hex.DecodeString(p.signature)
	if err != nil || len(want) != sha256.Size {
		return nil, errSignature(msgSignatureDoesNotMatch)
	}
	secret, err := v.lookup.LookupAccessKey(ctx, p.cred.AccessKeyID, p.token)
	if err != nil {
		return nil, lookupError(err)
	}
	key := v.keys.get(p.cred.AccessKeyID, secret.SecretAccessKey, p.cred.Scope)
	ok := hmac.Equal(hmacSHA256(key, pr.sts), want)
	if !ok && !pr.s3 {
		// Not every signer normalises the path (aws-sdk-go-v2 signs it as
		// sent; botocore and the JavaScript SDK normalise), so a path with
		// empty or dot segments may have been signed either way. Both forms
		// bind the signature to the path.
		if raw := canonicalURI(r.RawPath, false, false); raw != pr.in.uri {
			in := pr.in
			in.uri = raw
			alt := stringToSign(p.amzDate, p.cred.Scope.String(), canonicalRequest(&in))
			ok = hmac.Equal(hmacSHA256(key, alt), want)
		}
	}
	if !ok {
		return nil, errMismatch(pr.creq, pr.sts, p.token)
	}
	res := &Result{
		AccessKeyID:     p.cred.AccessKeyID,
		Scope:           p.cred.Scope,
		SecurityToken:   p.token,
		SignedAt:        p.signedAt,
		Presigned:       p.presigned,
		SignedHeaders:   p.signedHeaders,
		UnsignedPayload: pr.in.payloadHash == unsignedPayload,
		Principal:       secret.Principal,
	}
	if p.presigned {
		res.ExpiresAt = p.signedAt.Add(p.expires)
		if p.expires == 0 {
			res.ExpiresAt = p.signedAt.Add(v.maxSkew)
		}
	}
	return res, nil
}

// prepared is a request whose signature elements passed every check that
// needs no secret, with its canonical request and string to sign.
type prepared struct {
	p    parsed
	in   canonicalRequestInput
	creq string
	sts  string
	s3   bool
}

// prepare parses and checks everything that does not need the secret:
// the form, the elements, scope, time, signed headers and payload hash;
// then builds the canonical request (normalised path) and string to sign.
func (v *Verifier) prepare(r *Request) (*prepared, error) {
	params := parseQuery(r.RawQuery)
	hs := gatherSpecial(r.Header)
	authz := hs.authorization
	queryForm := hasParam(params, qAlgorithm) || hasParam(params, qCredential) || hasParam(params, qSignature)

	pr := &prepared{}
	p := &pr.p
	var err error
	switch {
	case len(authz) > 0 && queryForm:
		return nil, newError(CodeInvalidParameterCombination, 400,
			"Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
	case len(authz) > 0:
		*p, err = parseHeaderForm(hs, params)
	case queryForm:
		*p, err = parsePresigned(hs, params)
	default:
		return nil, errMissingAuth()
	}
	if err != nil {
		return nil, err
	}
	if err := v.checkScope(r, p); err != nil {
		return nil, err
	}
	if err := v.checkTime(p); err != nil {
		return nil, err
	}
	if !containsSorted(p.signedHeaders, "host") {
		return nil, errIncomplete("The 'host' header must be signed. SignedHeaders=" + strings.Join(p.signedHeaders, ";"))
	}
	pr.s3 = p.cred.Scope.Service == "s3"
	ph, err := payloadHash(r, p, pr.s3)
	if err != nil {
		return nil, err
	}
	skip := ""
	if p.presigned {
		skip = qSignature
	}
	pr.in = canonicalRequestInput{
		method:        r.Method,
		uri:           canonicalURI(r.RawPath, true, pr.s3),
		query:         canonicalQuery(params, skip),
		header:        r.Header,
		host:          r.Host,
		signedHeaders: p.signedHeaders,
		values:        gatherHeaders(r.Header, p.signedHeaders),
		payloadHash:   ph,
	}
	pr.creq = canonicalRequest(&pr.in)
	pr.sts = stringToSign(p.amzDate, p.cred.Scope.String(), pr.creq)
	return pr, nil
}

func hasParam(params []queryParam, key string) bool {
	for _, q := range params {
		if q.key == key {
			return true
		}
	}
	return false
}

// param returns the single value of key; ok is false when it is absent.
// A parameter given twice is an error: which one was signed would be
// ambiguous.
func param(params []queryParam, key string) (val string, ok bool, err error) {
	for _, q := range params {
		if q.key == key {
			if ok {
				return "", true, errIncomplete(fmt.Sprintf("The query-string parameter '%s' must be given only once.", key))
			}
			val, ok = q.value, true
		}
	}
	return val, ok, nil
}

// specialHeaders are the headers the verifier itself reads.
type specialHeaders struct {
	authorization, date, contentSHA256, amzDate, securityToken []string
}

// gatherSpecial finds the special headers in one pass over the map.
func gatherSpecial(h map[string][]string) specialHeaders {
	names := [...]string{"authorization", "date", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"}
	v := gatherHeaders(h, names[:])
	return specialHeaders{authorization: v[0], date: v[1], contentSHA256: v[2], amzDate: v[3], securityToken: v[4]}
}

func parseHeaderForm(hs specialHeaders, params []queryParam) (parsed, error) {
	authz := hs.authorization
	var p parsed
	if len(authz) > 1 {
		return p, errIncomplete("The request must carry exactly one Authorization header.")
	}
	a, err := ParseAuthorization(authz[0])
	if err != nil {
		return p, err
	}
	p.cred, p.signedHeaders, p.signature = a.Credential, a.SignedHeaders, a.Signature

	dateHeader := "x-amz-date"
	if vs := hs.amzDate; len(vs) > 0 {
		p.amzDate = strings.TrimSpace(vs[0])
		if p.signedAt, err = parseAmzDate(p.amzDate); err != nil {
			return p, err
		}
	} else if vs := hs.date; len(vs) > 0 {
		dateHeader = "date"
		if p.signedAt, err = parseHTTPDate(strings.TrimSpace(vs[0])); err != nil {
			return p, err
		}
		p.amzDate = p.signedAt.Format(amzDateLayout)
	} else {
		return p, errIncomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + authz[0])
	}
	if !containsSorted(p.signedHeaders, dateHeader) {
		return p, errIncomplete(fmt.Sprintf("The '%s' header must be signed. SignedHeaders=%s", dateHeader, strings.Join(p.signedHeaders, ";")))
	}

	if err := sessionToken(hs, &p, params); err != nil {
		return p, err
	}
	if vs := hs.contentSHA256; len(vs) > 0 {
		p.declaredHash = strings.TrimSpace(vs[0])
	}
	return p, nil
}

func parsePresigned(hs specialHeaders, params []queryParam) (parsed, error) {
	p := parsed{presigned: true}
	get := func(key string) (string, error) {
		v, ok, err := param(params, key)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errIncomplete(fmt.Sprintf(
				"AWS query-string parameters must include '%s'. Re-examine the query-string parameters.", key))
		}
		return v, nil
	}
	alg, err := get(qAlgorithm)
	if err != nil {
		return p, err
	}
	if alg != algorithm {
		return p, errIncomplete(fmt.Sprintf("X-Amz-Algorithm only supports \"%s\", not \"%s\".", algorithm, alg))
	}
	cred, err := get(qCredential)
	if err != nil {
		return p, err
	}
	date, err := get(qDate)
	if err != nil {
		return p, err
	}
	// X-Amz-Expires is optional: aws-sdk-go-v2's STS presign client omits
	// it, and STS then honours the usual 15-minute window.
	expires, haveExpires, err := param(params, qExpires)
	if err != nil {
		return p, err
	}
	signed, err := get(qSignedHeaders)
	if err != nil {
		return p, err
	}
	if p.signature, err = get(qSignature); err != nil {
		return p, err
	}
	if p.cred, err = parseCredential(cred); err != nil {
		return p, err
	}
	if p.signedHeaders, err = parseSignedHeaders(signed); err != nil {
		return p, err
	}
	if p.signedAt, err = parseAmzDate(date); err != nil {
		return p, err
	}
	p.amzDate = date
	if haveExpires {
		n, err := strconv.Atoi(expires)
		if err != nil || n < 1 || n > MaxPresignExpires || strings.TrimLeft(expires, "0123456789") != "" {
			return p, errInvalidParameter(fmt.Sprintf(
				"X-Amz-Expires must be an integer from 1 to %d (seven days), not '%s'.", MaxPresignExpires, expires))
		}
		p.expires = time.Duration(n) * time.Second
	}

	if err := sessionToken(hs, &p, params); err != nil {
		return p, err
	}
	if v, ok, err := param(params, qContentSHA256); err != nil {
		return p, err
	} else if ok {
		p.declaredHash = v
	} else if vs := hs.contentSHA256; len(vs) > 0 {
		p.declaredHash = strings.TrimSpace(vs[0])
	}
	return p, nil
}

// sessionToken finds X-Amz-Security-Token in the headers or the query. A
// query parameter is always covered by the signature; a header must be in
// SignedHeaders, or anyone could attach a stolen token to a request signed
// without it. Both present with different values is rejected.
func sessionToken(hs specialHeaders, p *parsed, params []queryParam) error {
	q, inQuery, err := param(params, qSecurityToken)
	if err != nil {
		return err
	}
	var h string
	vs := hs.securityToken
	switch {
	case len(vs) > 1:
		return errIncomplete("The request must carry at most one X-Amz-Security-Token header.")
	case len(vs) == 1:
		h = strings.TrimSpace(vs[0])
		if !containsSorted(p.signedHeaders, "x-amz-security-token") {
			return errIncomplete("The 'x-amz-security-token' header must be signed. SignedHeaders=" + strings.Join(p.signedHeaders, ";"))
		}
	}
	switch {
	case len(vs) == 1 && inQuery && h != q:
		return newError(CodeInvalidParameterCombination, 400,
			"X-Amz-Security-Token is given both as a header and as a query-string parameter, with different values.")
	case len(vs) == 1:
		p.token = h
	default:
		p.token = q
	}
	return nil
}

// checkScope applies the credential-scope rules of protocol.md §5.4.
func (v *Verifier) checkScope(r *Request, p *parsed) error {
	s := p.cred.Scope
	if r.Service != "" && s.Service != r.Service {
		return errSignature(fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", r.Service))
	}
	if len(v.services) > 0 && !contains(v.services, s.Service) {
		return errSignature(fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", v.services[0]))
	}
	if !validRegion(s.Region) {
		return errSignature("Credential should be scoped to a valid region. ")
	}
	if reqDate := p.amzDate[:8]; s.Date != reqDate {
		return errSignature(fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			s.Date, reqDate, p.amzDate))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkTime applies the clock-skew window (header form) or the presigned
// validity window. Both bounds are inclusive: a request exactly MaxSkew old
// is still accepted.
func (v *Verifier) checkTime(p *parsed) error {
	now := v.clock().UTC()
	t := p.signedAt
	if latest := now.Add(v.maxSkew); t.After(latest) {
		return errSignature(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s)",
			p.amzDate, latest.Format(amzDateLayout), now.Format(amzDateLayout), formatSkew(v.maxSkew)))
	}
	if p.presigned && p.expires > 0 {
		if now.After(t.Add(p.expires)) {
			return errRequestExpired()
		}
		return nil
	}
	if earliest := now.Add(-v.maxSkew); t.Before(earliest) {
		return errSignature(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s)",
			p.amzDate, earliest.Format(amzDateLayout), now.Format(amzDateLayout), formatSkew(v.maxSkew)))
	}
	return nil
}

// formatSkew renders the window as AWS does ("15 min.").
func formatSkew(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min.", d/time.Minute)
	}
	return fmt.Sprintf("%d sec.", d/time.Second)
}

// payloadHash decides the hash that ends the canonical request: the
// declared x-amz-content-sha256 when it is UNSIGNED-PAYLOAD, otherwise the
// body's hash, which a declared hash must equal.
func payloadHash(r *Request, p *parsed, s3 bool) (string, error) {
	d := p.declaredHash
	if d == unsignedPayload || d == "" && r.PayloadHash == unsignedPayload {
		return unsignedPayload, nil
	}
	if strings.HasPrefix(d, "STREAMING-") {
		return "", errInvalidParameter(fmt.Sprintf("Streaming payloads are not supported: x-amz-content-sha256 '%s'.", d))
	}
	if d == "" && p.presigned && s3 {
		// S3 presigned URLs never sign the payload and do not say so.
		return unsignedPayload, nil
	}
	computed := strings.ToLower(r.PayloadHash)
	if computed == "" {
		sum := sha256.Sum256(r.Body)
		computed = hex.EncodeToString(sum[:])
	}
	if d != "" {
		if !strings.EqualFold(d, computed) {
			return "", newError(CodeXAmzContentSHA256Mismatch, 400,
				"The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
		return d, nil // signed as sent
	}
	return computed, nil
}
