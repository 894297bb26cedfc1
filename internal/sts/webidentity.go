package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
)

// Error codes of AssumeRoleWithWebIdentity (the STS model's shapes).
const (
	CodeInvalidIdentityToken  = "InvalidIdentityToken"
	CodeIDPCommunicationError = "IDPCommunicationError"
	CodeExpiredTokenException = "ExpiredTokenException"
)

const (
	msgNoVerificationKey = "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements"
	msgWebIdentityDenied = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
	// jwtSkew is how far in the future a token's nbf or iat may be.
	jwtSkew = 5 * time.Minute
	// MaxWebIdentityToken is the model's limit on WebIdentityToken.
	MaxWebIdentityToken = 20000
)

// webIdentityAlgorithms are the signature algorithms AWS accepts.
var webIdentityAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512,
}

func invalidIdentityToken(format string, args ...any) *iam.Error {
	return &iam.Error{Code: CodeInvalidIdentityToken, Message: fmt.Sprintf(format, args...)}
}

// AssumeRoleWithWebIdentityInput is the request (after the model's checks).
type AssumeRoleWithWebIdentityInput struct {
	RoleARN          string
	RoleSessionName  string
	WebIdentityToken string
	Duration         time.Duration
	Policy           string
	PolicyARNs       []string
	SourceIP         string
	Region           string
}

// AssumeRoleWithWebIdentityResult is the answer.
type AssumeRoleWithWebIdentityResult struct {
	AssumeRoleResult
	// Subject is the token's sub; Provider its iss; Audience the client ID
	// it was issued for.
	Subject  string
	Provider string
	Audience string
}

// webClaims are the claims iamd reads from an OIDC token.
type webClaims struct {
	jwt.Claims
	AZP            string          `json:"azp,omitempty"`
	AMR            json.RawMessage `json:"amr,omitempty"`
	Tags           *webTags        `json:"https://aws.amazon.com/tags,omitempty"`
	SourceIdentity string          `json:"https://aws.amazon.com/source_identity,omitempty"`
}

// webTags is the session-tags claim:
// {"principal_tags": {"k": ["v"]}, "transitive_tag_keys": ["k"]}.
type webTags struct {
	PrincipalTags     map[string][]string `json:"principal_tags"`
	TransitiveTagKeys []string            `json:"transitive_tag_keys"`
}

// AssumeRoleWithWebIdentity trades an OIDC token for role credentials
// (evaluation.md §6.2, protocol.md §9): the token must be signed by a key of
// the issuer registered as an OIDC provider in the role's account, be
// unexpired, name one of the provider's client IDs as audience, and the
// role's trust policy must allow the provider with the token's claims.
// The request is unsigned: there is no caller.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in AssumeRoleWithWebIdentityInput) (AssumeRoleWithWebIdentityResult, error) {
	var out AssumeRoleWithWebIdentityResult
	if err := iam.ValidateRoleSessionName(in.RoleSessionName); err != nil {
		return out, err
	}
	if in.Region == "" {
		in.Region = "us-east-1"
	}
	packed, err := checkSessionPolicies(in.Policy, in.PolicyARNs)
	if err != nil {
		return out, err
	}
	if len(in.WebIdentityToken) > MaxWebIdentityToken {
		return out, invalidIdentityToken("The web identity token is too long.")
	}
	tok, err := jwt.ParseSigned(in.WebIdentityToken, webIdentityAlgorithms)
	if err != nil || len(tok.Headers) != 1 {
		return out, invalidIdentityToken("The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
	}
	var unverified webClaims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return out, invalidIdentityToken("The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
	}

	role, err := s.iam.RoleByARN(ctx, in.RoleARN)
	if err != nil {
		var e *iam.Error
		if errors.As(err, &e) && e.Code == iam.CodeInvalidInput {
			return out, validationError(in.RoleARN, "roleArn", "Member must be a valid role ARN")
		}
		if errors.As(err, &e) && e.Code == iam.CodeNoSuchEntity {
			return out, accessDenied(msgWebIdentityDenied)
		}
		return out, err
	}
	roleARN, _ := iam.ParseARN(role.ARN)
	account := roleARN.Account

	prov, err := s.iam.OIDCProviderForIssuer(ctx, account, s.lookupIssuer(unverified.Issuer))
	if err != nil {
		var e *iam.Error
		if errors.As(err, &e) && e.Code == iam.CodeNoSuchEntity {
			return out, invalidIdentityToken("No OpenIDConnect provider found in your account for %s", unverified.Issuer)
		}
		return out, err
	}

	// The signature, with the issuer's current keys.
	keys, err := s.oidc.keys(ctx, unverified.Issuer, tok.Headers[0].KeyID, prov.Thumbprints)
	switch {
	case errors.Is(err, errIDPUnreachable):
		s.log.Info("web identity: identity provider unreachable", "issuer", unverified.Issuer, "error", err)
		return out, &iam.Error{Code: CodeIDPCommunicationError, Message: msgNoVerificationKey, Cause: err}
	case err != nil:
		s.log.Info("web identity: no verification key", "issuer", unverified.Issuer, "error", err)
		return out, &iam.Error{Code: CodeInvalidIdentityToken, Message: msgNoVerificationKey, Cause: err}
	}
	var claims webClaims
	verified := false
	for _, k := range keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		claims = webClaims{}
		if err := tok.Claims(k.Key, &claims); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return out, invalidIdentityToken("The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
	}
	now := s.clock()
	if claims.Expiry == nil {
		return out, invalidIdentityToken("The web identity token has no expiration time (exp).")
	}
	if exp := claims.Expiry.Time(); !now.Before(exp) {
		return out, &iam.Error{Code: CodeExpiredTokenException, Message: fmt.Sprintf(
			"Token expired: current date/time %d must be before the expiration date/time %d", now.Unix(), exp.Unix())}
	}
	if claims.NotBefore != nil && claims.NotBefore.Time().After(now.Add(jwtSkew)) {
		return out, invalidIdentityToken("The web identity token is not valid yet (nbf).")
	}
	if claims.IssuedAt != nil && claims.IssuedAt.Time().After(now.Add(jwtSkew)) {
		return out, invalidIdentityToken("The web identity token was issued in the future (iat).")
	}
	if claims.Issuer != unverified.Issuer {
		return out, invalidIdentityToken("The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
	}
	audience := ""
	for _, cid := range prov.ClientIDs {
		if claims.Audience.Contains(cid) || (claims.AZP != "" && claims.AZP == cid) {
			audience = cid
			break
		}
	}
	if audience == "" {
		return out, invalidIdentityToken("Incorrect token audience")
	}

	// Session tags and source identity from the token.
	var tags []iam.Tag
	var transitive []string
	if claims.Tags != nil {
		keysSorted := make([]string, 0, len(claims.Tags.PrincipalTags))
		for k := range claims.Tags.PrincipalTags {
			keysSorted = append(keysSorted, k)
		}
		sort.Strings(keysSorted)
		for _, k := range keysSorted {
			vs := claims.Tags.PrincipalTags[k]
			if len(vs) != 1 {
				return out, invalidIdentityToken("The session tag %s of the web identity token must have exactly one value.", k)
			}
			tags = append(tags, iam.Tag{Key: k, Value: vs[0]})
		}
		if len(tags) > MaxSessionTags {
			return out, invalidIdentityToken("The web identity token carries %d session tags; at most %d are allowed.", len(tags), MaxSessionTags)
		}
		if err := iam.ValidateTags(tags); err != nil {
			return out, invalidIdentityToken("The session tags of the web identity token are invalid: %s", err.Message)
		}
		for _, k := range claims.Tags.TransitiveTagKeys {
			if !containsTagFold(tags, k) {
				return out, invalidIdentityToken("The transitive tag key %s is not one of the token's session tags.", k)
			}
			transitive = append(transitive, k)
		}
	}
	if claims.SourceIdentity != "" {
		if err := iam.ValidateRoleSessionName(claims.SourceIdentity); err != nil {
			return out, invalidIdentityToken("The source identity of the web identity token is invalid.")
		}
	}
	for _, t := range tags {
		packed += len(t.Key) + len(t.Value)
	}
	if packed > packedLimit {
		return out, &iam.Error{Code: CodePackedPolicyTooLarge, Message: fmt.Sprintf(
			"Packed policy consumes %d%% of allotted space, please use smaller policy.", percent(packed))}
	}

	d := in.Duration
	if d == 0 {
		d = DefaultRoleDuration
	}
	if d > time.Duration(role.MaxSessionDuration)*time.Second {
		return out, iam.ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	// The trust policy alone decides (there is no caller).
	tp, err := policy.Parse(policy.KindTrust, []byte(role.AssumeRolePolicy))
	if err != nil {
		return out, serviceFailure(fmt.Errorf("role %s has an invalid trust policy: %w", role.ARN, err))
	}
	trust, err := policy.Compile(role.ARN+"#trust", policy.KindTrust, tp)
	if err != nil {
		return out, serviceFailure(err)
	}
	cond := policy.NewContext()
	webIdentityContext(cond, prov.URL, &claims, audience, in, tags, transitive, role)
	req := &policy.Request{
		Principal:       policy.Principal{Type: policy.PrincipalWebIdentity, Provider: prov.ARN},
		Resource:        role.ARN,
		ResourceAccount: account,
		Context:         cond,
		Time:            now,
	}
	actions := []string{"sts:AssumeRoleWithWebIdentity"}
	if len(tags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if claims.SourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	var res policy.Result
	for _, action := range actions {
		req.Action = action
		policy.EvaluateTrust(trust, req, &res)
		if res.Decision != policy.Allow {
			noteFederated(ctx, account, prov.ARN, action, role.ARN, &res)
			return out, accessDenied(msgWebIdentityDenied)
		}
	}
	noteFederated(ctx, account, prov.ARN, actions[len(actions)-1], role.ARN, &res)

	sess := &Session{
		AccountID:         account,
		Kind:              iam.IdentityAssumedRole,
		ARN:               iam.AssumedRoleARN(account, role.Name, in.RoleSessionName),
		PrincipalID:       role.ID + ":" + in.RoleSessionName,
		RoleARN:           role.ARN,
		RoleID:            role.ID,
		RoleName:          role.Name,
		SessionName:       in.RoleSessionName,
		SourceIdentity:    claims.SourceIdentity,
		Policy:            in.Policy,
		PolicyARNs:        append([]string(nil), in.PolicyARNs...),
		Tags:              tags,
		TransitiveTagKeys: transitive,
		IssuedAt:          now,
		Expiration:        now.Add(d),
		Context:           webSessionContext(prov.ARN, prov.URL, &claims, audience),
	}
	creds, err := s.issue(ctx, sess)
	if err != nil {
		return out, err
	}
	if err := s.iam.RecordRoleUse(ctx, account, role, in.Region); err != nil {
		s.log.Warn("recording role use failed", "role", role.ARN, "error", err)
	}
	out.AssumeRoleResult = AssumeRoleResult{
		Credentials: creds, AssumedRoleID: sess.PrincipalID, ARN: sess.ARN, SourceIdentity: claims.SourceIdentity,
	}
	if in.Policy != "" || len(in.PolicyARNs) > 0 || len(tags) > 0 {
		out.HasPackedPolicy, out.PackedPolicy = true, percent(packed)
	}
	out.Subject, out.Provider, out.Audience = claims.Subject, claims.Issuer, audience
	return out, nil
}

// webIdentityContext fills the condition keys of the trust evaluation
// (conditions.md §7): <provider>:aud (azp when present), :oaud, :sub, :amr,
// the tags and source identity from the token, the session name and the
// role's tags.
func webIdentityContext(c *policy.Context, provURL string, cl *webClaims, audience string, in AssumeRoleWithWebIdentityInput,
	tags []iam.Tag, transitive []string, role iam.Role) {
	aud := audience
	if cl.AZP != "" {
		aud = cl.AZP
	}
	c.Set(provURL+":aud", aud)
	if len(cl.Audience) > 0 {
		c.Set(provURL+":oaud", cl.Audience...)
	}
	if cl.Subject != "" {
		c.Set(provURL+":sub", cl.Subject)
	}
	if amr := amrValues(cl.AMR); len(amr) > 0 {
		c.SetMulti(provURL+":amr", amr...)
	}
	c.Set("sts:RoleSessionName", in.RoleSessionName)
	if cl.SourceIdentity != "" {
		c.Set("sts:SourceIdentity", cl.SourceIdentity)
	}
	if in.SourceIP != "" {
		c.Set("aws:SourceIp", in.SourceIP)
	}
	if len(tags) > 0 {
		keys := make([]string, len(tags))
		for i, t := range tags {
			keys[i] = t.Key
			c.Set("aws:RequestTag/"+t.Key, t.Value)
		}
		c.SetMulti("aws:TagKeys", keys...)
	}
	if len(transitive) > 0 {
		c.SetMulti("sts:TransitiveTagKeys", transitive...)
	}
	for _, t := range role.Tags {
		c.Set("aws:ResourceTag/"+t.Key, t.Value)
		c.Set("iam:ResourceTag/"+t.Key, t.Value)
	}
}

// webSessionContext is what a web-identity session carries to its later
// requests (conditions.md §7): aws:FederatedProvider (the IAM OIDC
// provider's ARN) and the provider's aud (azp when present), oaud, sub and
// amr keys; other claims do not persist, as in AWS.
func webSessionContext(provARN, provURL string, cl *webClaims, audience string) map[string][]string {
	aud := audience
	if cl.AZP != "" {
		aud = cl.AZP
	}
	m := map[string][]string{
		"aws:FederatedProvider": {provARN},
		provURL + ":aud":        {aud},
	}
	if len(cl.Audience) > 0 {
		m[provURL+":oaud"] = append([]string(nil), cl.Audience...)
	}
	if cl.Subject != "" {
		m[provURL+":sub"] = []string{cl.Subject}
	}
	if amr := amrValues(cl.AMR); len(amr) > 0 {
		m[provURL+":amr"] = amr
	}
	return m
}

// amrValues reads the amr claim: a string or an array of strings.
func amrValues(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

// lookupIssuer is the issuer as registered: an IAM OIDC provider URL is
// always https://; a plain-http loopback issuer (allowed by configuration)
// is registered under the same host and path with https://.
func (s *Service) lookupIssuer(iss string) string {
	if rest, ok := strings.CutPrefix(iss, "http://"); ok && s.oidc.allowLoopback {
		return "https://" + rest
	}
	return iss
}
