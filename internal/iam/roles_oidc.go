package iam

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iamd/iamd/internal/store"
)

// OIDCProvider is an OpenID Connect identity provider as the API shows it.
type OIDCProvider struct {
	ARN string
	// URL is the issuer without its https:// scheme, as
	// GetOpenIDConnectProvider returns it.
	URL         string
	ClientIDs   []string
	Thumbprints []string
	CreatedAt   time.Time
	Tags        []Tag // filled by GetOpenIDConnectProvider
}

func oidcFromStore(p store.OIDCProvider) OIDCProvider {
	return OIDCProvider{
		ARN: p.ARN, URL: p.URL, ClientIDs: slices.Clone(p.ClientIDs), Thumbprints: slices.Clone(p.Thumbprints),
		CreatedAt: p.CreatedAt,
	}
}

// Limits of the OIDC provider members, from the IAM API model.
const (
	MaxOIDCURLLen      = 255
	MaxClientIDLen     = 255
	OIDCThumbprintLen  = 40
	oidcScheme         = "https://"
	oidcURLInvalidText = "Invalid Open ID Connect Provider URL"
)

// ValidateOIDCProviderURL checks CreateOpenIDConnectProvider's Url: 1-255
// characters, https, a host, no query or fragment. A path is allowed
// (https://oidc.eks.<region>.amazonaws.com/id/<id>).
func ValidateOIDCProviderURL(raw string) *Error {
	var v Validation
	v.Length("url", raw, 1, MaxOIDCURLLen)
	if err := v.Err(); err != nil {
		return err
	}
	if !strings.HasPrefix(raw, oidcScheme) {
		return ValidationError("%s", oidcURLInvalidText)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil ||
		strings.ContainsAny(raw, " \t\r\n") {
		return ValidationError("%s", oidcURLInvalidText)
	}
	return nil
}

// validateClientIDs checks a ClientIDList member by member (1-255
// characters each).
func validateClientIDs(field string, ids []string) *Error {
	var v Validation
	for i, id := range ids {
		f := field
		if field == "clientIDList" {
			f = fmt.Sprintf("clientIDList.%d.member", i+1)
		}
		v.Length(f, id, 1, MaxClientIDLen)
	}
	return v.Err()
}

// validateThumbprints checks a ThumbprintList: each 40 characters (the hex
// SHA-1 of a certificate).
func validateThumbprints(list []string) *Error {
	var v Validation
	for i, t := range list {
		f := fmt.Sprintf("thumbprintList.%d.member", i+1)
		v.Length(f, t, OIDCThumbprintLen, OIDCThumbprintLen)
	}
	if err := v.Err(); err != nil {
		return err
	}
	for _, t := range list {
		if !allRunes(t, func(r rune) bool {
			return (r >= '0' && r <= '9') || (r >= 'a' && r <= 'f') || (r >= 'A' && r <= 'F')
		}) {
			return InvalidInput("Thumbprint %s is not a valid hexadecimal SHA-1 fingerprint.", t)
		}
	}
	return nil
}

// dedupe returns list without repeated values, first occurrence kept.
func dedupe(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func noSuchOIDCProvider(arn string) *Error {
	return NoSuchEntity("OpenIDConnect Provider not found for arn %s", arn)
}

func (s *Service) checkOIDCLists(clientIDs, thumbprints []string) *Error {
	if len(clientIDs) > s.quotas.ClientIDsPerOIDCProvider {
		return QuotaExceeded(QuotaClientIDsPerOIDCProvider, s.quotas.ClientIDsPerOIDCProvider)
	}
	if len(thumbprints) > s.quotas.ThumbprintsPerOIDCProvider {
		return QuotaExceeded(QuotaThumbprintsPerOIDCProvider, s.quotas.ThumbprintsPerOIDCProvider)
	}
	return nil
}

// CreateOpenIDConnectProvider registers an OIDC identity provider and
// returns it. ThumbprintList may be empty (AWS then trusts the IdP's
// certificate through public CAs). The same URL twice is
// EntityAlreadyExists.
func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, accountID, rawURL string, clientIDs, thumbprints []string, tags []Tag) (OIDCProvider, error) {
	if err := ValidateOIDCProviderURL(rawURL); err != nil {
		return OIDCProvider{}, err
	}
	if err := validateClientIDs("clientIDList", clientIDs); err != nil {
		return OIDCProvider{}, err
	}
	if err := validateThumbprints(thumbprints); err != nil {
		return OIDCProvider{}, err
	}
	if err := ValidateTags(tags); err != nil {
		return OIDCProvider{}, err
	}
	clientIDs, thumbprints = dedupe(clientIDs), dedupe(thumbprints)
	if err := s.checkOIDCLists(clientIDs, thumbprints); err != nil {
		return OIDCProvider{}, err
	}
	p := store.OIDCProvider{
		ARN: OIDCProviderARN(accountID, rawURL), AccountID: accountID, URL: strings.TrimPrefix(rawURL, oidcScheme),
		ClientIDs: clientIDs, Thumbprints: thumbprints, CreatedAt: s.clock(),
	}
	exists := EntityAlreadyExists("Provider with url %s already exists.", rawURL)
	err := s.tx(ctx, func(tx store.Txn) error {
		if _, err := tx.GetOIDCProviderByURL(ctx, accountID, p.URL); err == nil {
			return exists
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n, err := tx.CountOIDCProviders(ctx, accountID)
		if err != nil {
			return err
		}
		if err := CheckCount(QuotaOIDCProvidersPerAccount, n, s.quotas.OIDCProvidersPerAccount); err != nil {
			return err
		}
		if err := tx.CreateOIDCProvider(ctx, p); err != nil {
			return mapStoreErr(err, noSuchAccount(accountID), exists)
		}
		if len(tags) > 0 {
			return tx.PutTags(ctx, accountID, store.TagKindOIDCProvider, p.ARN, storeTags(tags))
		}
		return nil
	})
	if err != nil {
		return OIDCProvider{}, err
	}
	out := oidcFromStore(p)
	if len(tags) > 0 {
		out.Tags = append([]Tag(nil), tags...)
	}
	return out, nil
}

// checkOIDCProviderARN checks the form of an OpenIDConnectProviderArn.
func checkOIDCProviderARN(arn string) error {
	a, err := ParseARN(arn)
	if err != nil {
		return err
	}
	if a.Service != "iam" || !strings.HasPrefix(a.Resource, "oidc-provider/") || len(a.Resource) == len("oidc-provider/") {
		return InvalidInput("ARN %s is not valid.", arn)
	}
	return nil
}

func getOIDCProvider(ctx context.Context, tx store.Txn, accountID, arn string) (store.OIDCProvider, error) {
	p, err := tx.GetOIDCProvider(ctx, accountID, arn)
	return p, mapStoreErr(err, noSuchOIDCProvider(arn), nil)
}

// GetOpenIDConnectProvider returns a provider with its tags.
func (s *Service) GetOpenIDConnectProvider(ctx context.Context, accountID, arn string) (OIDCProvider, error) {
	if err := checkOIDCProviderARN(arn); err != nil {
		return OIDCProvider{}, err
	}
	var out OIDCProvider
	err := s.view(ctx, func(tx store.Txn) error {
		p, err := getOIDCProvider(ctx, tx, accountID, arn)
		if err != nil {
			return err
		}
		tags, err := tx.ListTags(ctx, accountID, store.TagKindOIDCProvider, p.ARN)
		out = oidcFromStore(p)
		out.Tags = tagsFromStore(tags)
		return err
	})
	return out, err
}

// ListOpenIDConnectProviders returns the ARNs of the account's providers.
func (s *Service) ListOpenIDConnectProviders(ctx context.Context, accountID string) ([]string, error) {
	var out []string
	err := s.view(ctx, func(tx store.Txn) error {
		ps, err := tx.ListOIDCProviders(ctx, accountID)
		out = make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.ARN
		}
		return err
	})
	return out, err
}

// DeleteOpenIDConnectProvider deletes a provider and its tags. Roles that
// trust it are left alone (they just stop working), as in AWS.
func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, accountID, arn string) error {
	if err := checkOIDCProviderARN(arn); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		p, err := getOIDCProvider(ctx, tx, accountID, arn)
		if err != nil {
			return err
		}
		if err := tx.DeleteAllTags(ctx, accountID, store.TagKindOIDCProvider, p.ARN); err != nil {
			return err
		}
		return mapStoreErr(tx.DeleteOIDCProvider(ctx, accountID, p.ARN), noSuchOIDCProvider(arn), nil)
	})
}

// updateOIDCProvider applies change to a provider in one Tx; change
// returning false means nothing to write.
func (s *Service) updateOIDCProvider(ctx context.Context, accountID, arn string, change func(p *store.OIDCProvider) (bool, error)) error {
	if err := checkOIDCProviderARN(arn); err != nil {
		return err
	}
	return s.tx(ctx, func(tx store.Txn) error {
		p, err := getOIDCProvider(ctx, tx, accountID, arn)
		if err != nil {
			return err
		}
		if write, err := change(&p); err != nil || !write {
			return err
		}
		return mapStoreErr(tx.UpdateOIDCProvider(ctx, p), noSuchOIDCProvider(arn), nil)
	})
}

// AddClientIDToOpenIDConnectProvider adds a client ID (audience); adding
// one already present succeeds without change, as AWS documents.
func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, accountID, arn, clientID string) error {
	if err := validateClientIDs("clientID", []string{clientID}); err != nil {
		return err
	}
	return s.updateOIDCProvider(ctx, accountID, arn, func(p *store.OIDCProvider) (bool, error) {
		if slices.Contains(p.ClientIDs, clientID) {
			return false, nil
		}
		p.ClientIDs = append(p.ClientIDs, clientID)
		if err := s.checkOIDCLists(p.ClientIDs, nil); err != nil {
			return false, err
		}
		return true, nil
	})
}

// RemoveClientIDFromOpenIDConnectProvider removes a client ID; removing one
// that is absent succeeds, as AWS documents.
func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, accountID, arn, clientID string) error {
	if err := validateClientIDs("clientID", []string{clientID}); err != nil {
		return err
	}
	return s.updateOIDCProvider(ctx, accountID, arn, func(p *store.OIDCProvider) (bool, error) {
		i := slices.Index(p.ClientIDs, clientID)
		if i < 0 {
			return false, nil
		}
		p.ClientIDs = slices.Delete(p.ClientIDs, i, i+1)
		return true, nil
	})
}

// UpdateOpenIDConnectProviderThumbprint replaces the thumbprint list.
func (s *Service) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, accountID, arn string, thumbprints []string) error {
	if err := validateThumbprints(thumbprints); err != nil {
		return err
	}
	thumbprints = dedupe(thumbprints)
	if err := s.checkOIDCLists(nil, thumbprints); err != nil {
		return err
	}
	return s.updateOIDCProvider(ctx, accountID, arn, func(p *store.OIDCProvider) (bool, error) {
		p.Thumbprints = thumbprints
		return true, nil
	})
}

// oidcProviderTags is the provider ARN as a tagged resource.
func oidcProviderTags(accountID, arn string) taggable {
	return taggable{
		kind:  store.TagKindOIDCProvider,
		check: func() error { return checkOIDCProviderARN(arn) },
		find: func(ctx context.Context, tx store.Txn, _ string) (string, error) {
			p, err := getOIDCProvider(ctx, tx, accountID, arn)
			return p.ARN, err
		},
	}
}

// TagOpenIDConnectProvider adds or replaces tags of a provider.
func (s *Service) TagOpenIDConnectProvider(ctx context.Context, accountID, arn string, tags []Tag) error {
	return s.tagResource(ctx, accountID, "TagOpenIDConnectProvider", oidcProviderTags(accountID, arn), tags)
}

// UntagOpenIDConnectProvider removes tags of a provider.
func (s *Service) UntagOpenIDConnectProvider(ctx context.Context, accountID, arn string, keys []string) error {
	return s.untagResource(ctx, accountID, "UntagOpenIDConnectProvider", oidcProviderTags(accountID, arn), keys)
}

// ListOpenIDConnectProviderTags returns a provider's tags ordered by
// store.NameKey(key); the API layer pages them.
func (s *Service) ListOpenIDConnectProviderTags(ctx context.Context, accountID, arn string) ([]Tag, error) {
	return s.listResourceTags(ctx, accountID, "ListOpenIDConnectProviderTags", oidcProviderTags(accountID, arn))
}

// OIDCProviderForIssuer finds the account's provider for a token's iss
// claim (AssumeRoleWithWebIdentity): the issuer without its https://
// scheme, compared as registered and then with or without one trailing
// slash. NoSuchEntity when the account has none (STS reports it as
// InvalidIdentityToken "No OpenIDConnect provider found in your account
// for <iss>").
func (s *Service) OIDCProviderForIssuer(ctx context.Context, accountID, issuer string) (OIDCProvider, error) {
	key := strings.TrimPrefix(issuer, oidcScheme)
	candidates := []string{key}
	if alt, ok := strings.CutSuffix(key, "/"); ok {
		candidates = append(candidates, alt)
	} else {
		candidates = append(candidates, key+"/")
	}
	var out OIDCProvider
	err := s.view(ctx, func(tx store.Txn) error {
		for _, c := range candidates {
			if c == "" || !utf8.ValidString(c) {
				continue
			}
			p, err := tx.GetOIDCProviderByURL(ctx, accountID, c)
			if err == nil {
				out = oidcFromStore(p)
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return NoSuchEntity("No OpenIDConnect provider found in your account for %s", issuer)
	})
	return out, err
}
