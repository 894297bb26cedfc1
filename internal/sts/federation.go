package sts

import (
	"context"
	"fmt"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// Durations of GetFederationToken (evaluation.md §6.5): as GetSessionToken.
const (
	DefaultFederationDuration = 43200 * time.Second
	MaxFederationDuration     = 129600 * time.Second
)

// GetFederationTokenInput is GetFederationToken's request (after the
// model's checks). Duration zero means the default (12 hours).
type GetFederationTokenInput struct {
	Name       string
	Duration   time.Duration
	Policy     string
	PolicyARNs []string
	Tags       []iam.Tag
}

// GetFederationTokenResult is GetFederationToken's answer.
type GetFederationTokenResult struct {
	Credentials     Credentials
	FederatedUserID string // <account>:<name>
	ARN             string // arn:aws:sts::<account>:federated-user/<name>
	PackedPolicy    int    // percentage of the packed-policy budget used
	HasPackedPolicy bool   // session policies or tags were passed
}

// GetFederationToken issues credentials for a federated user of the calling
// IAM user (or root). The session's permissions are the intersection of
// the caller's own policies and the session policies passed now; without
// session policies it has none (the authorizer applies both rules, the
// policy engine treating the session as aws:PrincipalType FederatedUser).
// The authorizer has already checked sts:GetFederationToken (and
// sts:TagSession when Tags are passed) on the federated user's ARN.
func (s *Service) GetFederationToken(ctx context.Context, caller *iam.Identity, in GetFederationTokenInput) (GetFederationTokenResult, error) {
	var out GetFederationTokenResult
	if caller.Temporary {
		return out, accessDenied("Cannot call GetFederationToken with session credentials")
	}
	if caller.Kind != iam.IdentityUser && caller.Kind != iam.IdentityRoot {
		return out, accessDenied("User: %s is not authorized to perform: sts:GetFederationToken", caller.ARN)
	}
	var v iam.Validation
	v.Length("name", in.Name, 2, 32)
	v.Pattern("name", in.Name, iam.PatternSessionName, iam.MatchesNamePattern(in.Name))
	d := in.Duration
	if d == 0 {
		d = DefaultFederationDuration
	}
	v.Range("durationSeconds", int64(d/time.Second), int64(MinDuration/time.Second), int64(MaxFederationDuration/time.Second))
	if err := v.Err(); err != nil {
		return out, err
	}
	if caller.IsRoot() && d > MaxRootSessionDuration {
		// As GetSessionToken: root sessions are shortened to one hour.
		d = MaxRootSessionDuration
	}
	packed, err := checkSessionPolicies(in.Policy, in.PolicyARNs)
	if err != nil {
		return out, err
	}
	// Federated users get no transitive tags: nothing chains from them.
	tags, _, err := sessionTags(&iam.Identity{}, AssumeRoleInput{Tags: in.Tags})
	if err != nil {
		return out, err
	}
	for _, t := range tags {
		packed += len(t.Key) + len(t.Value)
	}
	if packed > packedLimit {
		return out, &iam.Error{Code: CodePackedPolicyTooLarge, Message: fmt.Sprintf(
			"Packed policy consumes %d%% of allotted space, please use smaller policy.", percent(packed))}
	}
	now := s.clock()
	sess := &Session{
		AccountID:   caller.AccountID,
		Kind:        iam.IdentityFederatedUser,
		ARN:         iam.FederatedUserARN(caller.AccountID, in.Name),
		PrincipalID: caller.AccountID + ":" + in.Name,
		SessionName: in.Name,
		Policy:      in.Policy,
		PolicyARNs:  append([]string(nil), in.PolicyARNs...),
		Tags:        tags,
		IssuedAt:    now,
		Expiration:  now.Add(d),
	}
	if caller.Kind == iam.IdentityUser {
		sess.UserName, sess.Path = caller.UserName, caller.Path
	}
	creds, err := s.issue(ctx, sess)
	if err != nil {
		return out, err
	}
	out = GetFederationTokenResult{Credentials: creds, FederatedUserID: sess.PrincipalID, ARN: sess.ARN}
	if in.Policy != "" || len(in.PolicyARNs) > 0 || len(tags) > 0 {
		out.HasPackedPolicy, out.PackedPolicy = true, percent(packed)
	}
	return out, nil
}
