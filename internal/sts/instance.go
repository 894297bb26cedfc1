package sts

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
)

// Instances: `iamd exec --instance-profile NAME` runs a command as an
// "instance" of an instance profile. The caller asks the server to start
// the instance (StartInstance: iam:PassRole on the profile's role, and the
// role must trust the instance service principal); the answer holds an
// instance token, a sealed grant that any node opens without a store read
// of the instance. Presenting it (InstanceCredentials) yields credentials
// of the profile's current role, session name = the instance ID, as the
// EC2 metadata service gives them.

// InstanceServicePrincipal is the service principal a role's trust policy
// names so that instance profiles may deliver its credentials, and the
// iam:PassedToService of the PassRole check.
const InstanceServicePrincipal = "ec2.amazonaws.com"

// Instance lifetimes and credential durations.
const (
	// DefaultInstanceLifetime is how long an instance token is valid when
	// the caller does not say.
	DefaultInstanceLifetime = 12 * time.Hour
	// MaxInstanceLifetime bounds it (a token key is kept only that long
	// after it stops sealing).
	MaxInstanceLifetime = MaxSessionLifetime
	// MinInstanceLifetime is the shortest instance.
	MinInstanceLifetime = MinDuration
	// InstanceCredentialDuration is how long credentials from the
	// credentials endpoint last (never beyond the instance's end). SDKs
	// refresh them 5-15 minutes before they expire.
	InstanceCredentialDuration = time.Hour
)

// instanceBinding is the associated data of instance tokens: no session
// token opens as an instance token or the reverse.
const instanceBinding = "iamd/instance"

// instanceGrant is what an instance token seals.
type instanceGrant struct {
	ID          string    `json:"i"`
	AccountID   string    `json:"a"`
	ProfileName string    `json:"p"`
	ProfileID   string    `json:"pi"`
	StartedBy   string    `json:"b"` // the caller's ARN, for the log
	IssuedAt    time.Time `json:"ia"`
	Expiration  time.Time `json:"ex"`
}

// Instance is a started instance.
type Instance struct {
	ID          string // i-<17 hex digits>
	AccountID   string
	ProfileName string
	ProfileARN  string
	ProfileID   string
	RoleName    string
	RoleARN     string
	// Token authorizes the credentials endpoint (the container
	// credentials' Authorization header). It is a secret.
	Token      string
	Expiration time.Time
}

// StartInstanceInput is StartInstance's request; Duration zero means
// DefaultInstanceLifetime.
type StartInstanceInput struct {
	ProfileName string
	Duration    time.Duration
}

func newInstanceID(r io.Reader) (string, error) {
	var b [9]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return "i-" + hex.EncodeToString(b[:])[:17], nil
}

// StartInstance starts an instance of the caller's account's instance
// profile: the profile must hold a role, the caller must be allowed
// iam:PassRole on it (iam:PassedToService = ec2.amazonaws.com), and the
// role must trust ec2.amazonaws.com for sts:AssumeRole.
func (s *Service) StartInstance(ctx context.Context, caller *iam.Identity, in StartInstanceInput) (Instance, error) {
	d := in.Duration
	if d == 0 {
		d = DefaultInstanceLifetime
	}
	var v iam.Validation
	v.Range("durationSeconds", int64(d/time.Second), int64(MinInstanceLifetime/time.Second), int64(MaxInstanceLifetime/time.Second))
	if err := v.Err(); err != nil {
		return Instance{}, err
	}
	prof, role, err := s.profileRole(ctx, caller.AccountID, in.ProfileName)
	if err != nil {
		return Instance{}, err
	}
	now := s.clock()
	// The caller hands the role to the instance: iam:PassRole.
	pr, set, err := s.callerSet(ctx, caller)
	if err != nil {
		return Instance{}, err
	}
	cond := policy.NewContext()
	cond.Set("iam:PassedToService", InstanceServicePrincipal)
	var res policy.Result
	set.Evaluate(&policy.Request{Principal: pr, Action: "iam:PassRole", Resource: role.ARN, Context: cond, Time: now}, &res)
	noteDecision(ctx, caller, "iam:PassRole", role.ARN, &res)
	if res.Decision != policy.Allow {
		return Instance{}, accessDenied("%s", res.AccessDeniedMessage(caller.ARN, "iam:PassRole", role.ARN))
	}
	if err := s.instanceTrust(role, now); err != nil {
		return Instance{}, err
	}
	id, err := newInstanceID(s.rand)
	if err != nil {
		return Instance{}, serviceFailure(err)
	}
	g := instanceGrant{ID: id, AccountID: caller.AccountID, ProfileName: prof.Name, ProfileID: prof.ID,
		StartedBy: caller.ARN, IssuedAt: now, Expiration: now.Add(d)}
	plain, err := json.Marshal(g)
	if err != nil {
		return Instance{}, serviceFailure(err)
	}
	tok, err := s.keys.sealBlob(ctx, plain, instanceBinding)
	if err != nil {
		return Instance{}, serviceFailure(err)
	}
	s.log.Info("instance started", "instance", id, "instance_profile", prof.ARN, "role", role.ARN, "by", caller.ARN, "expires", g.Expiration)
	return Instance{ID: id, AccountID: caller.AccountID, ProfileName: prof.Name, ProfileARN: prof.ARN, ProfileID: prof.ID,
		RoleName: role.Name, RoleARN: role.ARN, Token: tok, Expiration: g.Expiration}, nil
}

// profileRole is the profile and its current role (with its trust policy).
func (s *Service) profileRole(ctx context.Context, accountID, profileName string) (iam.InstanceProfile, iam.Role, error) {
	prof, err := s.iam.GetInstanceProfile(ctx, accountID, profileName)
	if err != nil {
		return iam.InstanceProfile{}, iam.Role{}, err
	}
	if len(prof.Roles) == 0 {
		return iam.InstanceProfile{}, iam.Role{}, iam.InvalidInput("The instance profile %s has no role.", prof.Name)
	}
	role, err := s.iam.RoleByARN(ctx, prof.Roles[0].ARN)
	if err != nil {
		return iam.InstanceProfile{}, iam.Role{}, err
	}
	return prof, role, nil
}

// instanceTrust checks that the role trusts the instance service.
func (s *Service) instanceTrust(role iam.Role, now time.Time) error {
	tp, err := policy.Parse(policy.KindTrust, []byte(role.AssumeRolePolicy))
	if err != nil {
		return serviceFailure(fmt.Errorf("role %s has an invalid trust policy: %w", role.ARN, err))
	}
	trust, err := policy.Compile(role.ARN+"#trust", policy.KindTrust, tp)
	if err != nil {
		return serviceFailure(err)
	}
	var res policy.Result
	policy.EvaluateTrust(trust, &policy.Request{
		Principal: policy.Principal{Type: policy.PrincipalService, ARN: InstanceServicePrincipal},
		Action:    "sts:AssumeRole", Resource: role.ARN, Time: now,
	}, &res)
	if res.Decision != policy.Allow {
		return accessDenied("The role %s does not allow %s to assume it: its trust policy must allow sts:AssumeRole for the service principal %s.",
			role.ARN, InstanceServicePrincipal, InstanceServicePrincipal)
	}
	return nil
}

// InstanceCredentials is what the credentials endpoint returns.
type InstanceCredentials struct {
	Credentials
	InstanceID  string
	AccountID   string
	RoleName    string
	RoleARN     string
	ProfileARN  string
	ProfileID   string
	LastUpdated time.Time
}

// Errors of InstanceCredentials that are not AWS errors: the endpoint
// answers them 401 (the SDKs then give up on that provider).
var (
	ErrInvalidInstanceToken = errors.New("sts: invalid instance token")
	ErrInstanceEnded        = errors.New("sts: the instance has ended")
)

// InstanceCredentials issues credentials for the instance whose token is
// presented: the profile's current role, session name the instance ID,
// lasting InstanceCredentialDuration but never beyond the instance's end.
// The role must still trust the instance service.
func (s *Service) InstanceCredentials(ctx context.Context, token string) (InstanceCredentials, error) {
	plain, err := s.keys.openBlob(ctx, token, instanceBinding)
	if errors.Is(err, ErrInvalidToken) {
		return InstanceCredentials{}, ErrInvalidInstanceToken
	}
	if err != nil {
		return InstanceCredentials{}, err
	}
	var g instanceGrant
	if err := json.Unmarshal(plain, &g); err != nil {
		return InstanceCredentials{}, ErrInvalidInstanceToken
	}
	now := s.clock()
	if !now.Before(g.Expiration) {
		return InstanceCredentials{}, ErrInstanceEnded
	}
	prof, role, err := s.profileRole(ctx, g.AccountID, g.ProfileName)
	if err != nil {
		return InstanceCredentials{}, err
	}
	if prof.ID != g.ProfileID {
		// Deleted and re-created under the same name: not this instance's.
		return InstanceCredentials{}, ErrInstanceEnded
	}
	if err := s.instanceTrust(role, now); err != nil {
		return InstanceCredentials{}, err
	}
	exp := now.Add(InstanceCredentialDuration)
	if g.Expiration.Before(exp) {
		exp = g.Expiration
	}
	sess := &Session{
		AccountID:   g.AccountID,
		Kind:        iam.IdentityAssumedRole,
		ARN:         iam.AssumedRoleARN(g.AccountID, role.Name, g.ID),
		PrincipalID: role.ID + ":" + g.ID,
		RoleARN:     role.ARN,
		RoleID:      role.ID,
		RoleName:    role.Name,
		SessionName: g.ID,
		IssuedAt:    now,
		Expiration:  exp,
	}
	creds, err := s.issue(ctx, sess)
	if err != nil {
		return InstanceCredentials{}, err
	}
	if err := s.iam.RecordRoleUse(ctx, g.AccountID, role, "us-east-1"); err != nil {
		s.log.Warn("recording role use failed", "role", role.ARN, "error", err)
	}
	return InstanceCredentials{Credentials: creds, InstanceID: g.ID, AccountID: g.AccountID, RoleName: role.Name,
		RoleARN: role.ARN, ProfileARN: prof.ARN, ProfileID: prof.ID, LastUpdated: now}, nil
}
