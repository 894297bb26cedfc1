package sts

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Limits of the OIDC fetches: an identity provider is a remote party, so
// every fetch is bounded in time and size.
const (
	// DefaultOIDCTimeout bounds one discovery or JWKS fetch.
	DefaultOIDCTimeout = 5 * time.Second
	// maxOIDCDocument bounds a discovery document or JWKS.
	maxOIDCDocument = 1 << 20
	// jwksTTL is how long fetched keys are used before they are fetched
	// again; jwksRefetch spaces the refetches an unknown kid causes.
	jwksTTL     = time.Hour
	jwksRefetch = time.Minute
)

// errIDPUnreachable: the issuer could not be reached or answered garbage
// (IDPCommunicationError); errNoKey: it answered but offered no usable key
// or its certificate is not trusted (InvalidIdentityToken).
var (
	errIDPUnreachable = errors.New("sts: identity provider unreachable")
	errNoKey          = errors.New("sts: no verification key")
)

// oidcKeys fetches and caches the signing keys of OIDC issuers: the
// discovery document at <issuer>/.well-known/openid-configuration names the
// JWKS. HTTPS only, its certificate trusted by the system's CAs or by one of
// the provider's thumbprints (SHA-1 of a certificate of the served chain),
// as AWS does; plain HTTP only for loopback issuers and only when allowed.
type oidcKeys struct {
	now           func() time.Time
	timeout       time.Duration
	allowLoopback bool
	roots         *x509.CertPool // nil: the system pool

	mu    sync.Mutex
	cache map[string]*jwksEntry // by issuer URL
	// failed remembers each issuer's last failed fetch: for jwksRefetch
	// its error is answered again without fetching, so unauthenticated
	// AssumeRoleWithWebIdentity calls cannot make iamd open a connection
	// (waiting up to the timeout) per call while an issuer is down.
	failed map[string]fetchFailure
}

type fetchFailure struct {
	at  time.Time
	err error
}

type jwksEntry struct {
	keys      jose.JSONWebKeySet
	fetchedAt time.Time
}

func newOIDCKeys(now func() time.Time, timeout time.Duration, allowLoopback bool, roots *x509.CertPool) *oidcKeys {
	if timeout <= 0 {
		timeout = DefaultOIDCTimeout
	}
	return &oidcKeys{now: now, timeout: timeout, allowLoopback: allowLoopback, roots: roots, cache: map[string]*jwksEntry{},
		failed: map[string]fetchFailure{}}
}

// keys returns the issuer's keys with ID kid ("" = all): from the cache,
// fetched when absent, stale, or (at most once per jwksRefetch) when no key
// has that ID; a failed fetch is not retried for jwksRefetch.
func (o *oidcKeys) keys(ctx context.Context, issuer, kid string, thumbprints []string) ([]jose.JSONWebKey, error) {
	now := o.now()
	o.mu.Lock()
	e := o.cache[issuer]
	o.mu.Unlock()
	if e != nil && now.Sub(e.fetchedAt) < jwksTTL {
		if ks := selectKeys(e.keys, kid); len(ks) > 0 || now.Sub(e.fetchedAt) < jwksRefetch {
			return ks, nil
		}
	}
	o.mu.Lock()
	f, ok := o.failed[issuer]
	o.mu.Unlock()
	if ok && now.Sub(f.at) < jwksRefetch {
		return nil, f.err
	}
	set, err := o.fetch(ctx, issuer, thumbprints)
	if err != nil {
		if ctx.Err() == nil { // the caller's own cancellation says nothing of the issuer
			o.mu.Lock()
			o.failed[issuer] = fetchFailure{at: now, err: err}
			o.mu.Unlock()
		}
		return nil, err
	}
	o.mu.Lock()
	o.cache[issuer] = &jwksEntry{keys: set, fetchedAt: now}
	delete(o.failed, issuer)
	o.mu.Unlock()
	return selectKeys(set, kid), nil
}

func selectKeys(set jose.JSONWebKeySet, kid string) []jose.JSONWebKey {
	if kid == "" {
		return set.Keys
	}
	return set.Key(kid)
}

// fetch reads the discovery document and then the JWKS it names.
func (o *oidcKeys) fetch(ctx context.Context, issuer string, thumbprints []string) (jose.JSONWebKeySet, error) {
	base, err := o.checkURL(issuer)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := o.getJSON(ctx, strings.TrimSuffix(base.String(), "/")+"/.well-known/openid-configuration", thumbprints, &disc); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	if disc.JWKSURI == "" {
		return jose.JSONWebKeySet{}, fmt.Errorf("%w: discovery document of %s names no jwks_uri", errNoKey, issuer)
	}
	jwksURL, err := o.checkURL(disc.JWKSURI)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	var set jose.JSONWebKeySet
	if err := o.getJSON(ctx, jwksURL.String(), thumbprints, &set); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return set, nil
}

// checkURL accepts https URLs, and http ones on loopback addresses when
// allowed.
func (o *oidcKeys) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not a URL", errNoKey, raw)
	}
	switch u.Scheme {
	case "https":
		return u, nil
	case "http":
		if o.allowLoopback && isLoopback(u.Hostname()) {
			return u, nil
		}
		return nil, fmt.Errorf("%w: %s is not https (plain http is allowed only for loopback issuers, when enabled)", errNoKey, raw)
	}
	return nil, fmt.Errorf("%w: %s is not https", errNoKey, raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// client trusts the system's CAs or, failing them, a certificate of the
// served chain whose SHA-1 fingerprint is one of the provider's thumbprints.
// Redirects are not followed: the issuer must serve its documents itself.
func (o *oidcKeys) client(host string, thumbprints []string) *http.Client {
	tlsCfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // verified in VerifyConnection below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if err := verifyPeer(cs, host, o.roots, thumbprints); err != nil {
				return &untrustedCert{err}
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: o.timeout,
		Transport: &http.Transport{
			TLSClientConfig:       tlsCfg,
			DialContext:           (&net.Dialer{Timeout: o.timeout}).DialContext,
			TLSHandshakeTimeout:   o.timeout,
			ResponseHeaderTimeout: o.timeout,
			DisableKeepAlives:     true,
			Proxy:                 http.ProxyFromEnvironment,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// untrustedCert is a certificate neither the CAs nor a thumbprint vouch for.
type untrustedCert struct{ err error }

func (e *untrustedCert) Error() string { return "untrusted certificate: " + e.err.Error() }
func (e *untrustedCert) Unwrap() error { return e.err }

// verifyPeer checks the served chain for host (a name or an IP address).
func verifyPeer(cs tls.ConnectionState, host string, roots *x509.CertPool, thumbprints []string) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("no certificate")
	}
	if host == "" {
		return errors.New("no host name to verify the certificate against")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter})
	if err == nil {
		return nil
	}
	for _, c := range cs.PeerCertificates {
		sum := sha1.Sum(c.Raw)
		fp := hex.EncodeToString(sum[:])
		for _, t := range thumbprints {
			if strings.EqualFold(t, fp) {
				return nil
			}
		}
	}
	return err
}

func (o *oidcKeys) getJSON(ctx context.Context, u string, thumbprints []string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errNoKey, err)
	}
	client := o.client(req.URL.Hostname(), thumbprints)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var untrusted *untrustedCert
		if errors.As(err, &untrusted) {
			return fmt.Errorf("%w: %s: %v", errNoKey, u, err)
		}
		return fmt.Errorf("%w: %s: %v", errIDPUnreachable, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s: HTTP %d", errIDPUnreachable, u, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOIDCDocument+1))
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errIDPUnreachable, u, err)
	}
	if len(body) > maxOIDCDocument {
		return fmt.Errorf("%w: %s: document larger than %d bytes", errNoKey, u, maxOIDCDocument)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%w: %s: %v", errNoKey, u, err)
	}
	return nil
}
