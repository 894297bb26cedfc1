// Package stsapi binds the STS operations of the Query protocol to
// internal/sts: each handler converts the decoded input, makes one call to
// the STS service and converts its result to the generated output shape.
package stsapi

import (
	"context"
	"net"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/stsshape"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/sts"
)

// Deps is what the handlers call.
type Deps struct {
	STS *sts.Service
}

// Register adds every implemented STS operation to srv.
func Register(srv *api.Server, d Deps) {
	api.Handle(srv, "GetCallerIdentity", func(ctx context.Context, c api.Caller, _ *stsshape.GetCallerIdentityInput) (*stsshape.GetCallerIdentityOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		ci := d.STS.GetCallerIdentity(id)
		return &stsshape.GetCallerIdentityOutput{UserId: &ci.UserID, Account: &ci.Account, Arn: &ci.ARN}, nil
	})

	api.Handle(srv, "GetSessionToken", func(ctx context.Context, c api.Caller, in *stsshape.GetSessionTokenInput) (*stsshape.GetSessionTokenOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		creds, err := d.STS.GetSessionToken(ctx, id, sts.GetSessionTokenInput{
			Duration:     seconds(in.DurationSeconds),
			SerialNumber: deref(in.SerialNumber),
			TokenCode:    deref(in.TokenCode),
		})
		if err != nil {
			return nil, err
		}
		return &stsshape.GetSessionTokenOutput{Credentials: credentials(creds)}, nil
	})

	api.Handle(srv, "GetAccessKeyInfo", func(ctx context.Context, c api.Caller, in *stsshape.GetAccessKeyInfoInput) (*stsshape.GetAccessKeyInfoOutput, error) {
		acct, err := d.STS.GetAccessKeyInfo(ctx, in.AccessKeyId)
		if err != nil {
			return nil, err
		}
		return &stsshape.GetAccessKeyInfoOutput{Account: &acct}, nil
	})

	api.Handle(srv, "AssumeRole", func(ctx context.Context, c api.Caller, in *stsshape.AssumeRoleInput) (*stsshape.AssumeRoleOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		if len(in.ProvidedContexts) > 0 {
			// Trusted context assertions come from AWS IAM Identity Center,
			// which iamd cannot verify: refuse rather than ignore them.
			return nil, &iam.Error{Code: sts.CodeInvalidParameterValue, Message: "ProvidedContexts are not supported by this server."}
		}
		req := sts.AssumeRoleInput{
			RoleARN:           in.RoleArn,
			RoleSessionName:   in.RoleSessionName,
			Duration:          seconds(in.DurationSeconds),
			Policy:            deref(in.Policy),
			TransitiveTagKeys: in.TransitiveTagKeys,
			ExternalID:        deref(in.ExternalId),
			SerialNumber:      deref(in.SerialNumber),
			TokenCode:         deref(in.TokenCode),
			SourceIdentity:    deref(in.SourceIdentity),
		}
		for _, p := range in.PolicyArns {
			req.PolicyARNs = append(req.PolicyARNs, deref(p.Arn))
		}
		for _, t := range in.Tags {
			req.Tags = append(req.Tags, iam.Tag{Key: t.Key, Value: t.Value})
		}
		if ri := api.RequestFromContext(ctx); ri != nil {
			req.SourceIP = sourceIP(ri.RemoteAddr)
			req.Region = ri.Region // recorded as the role's last use
		}
		res, err := d.STS.AssumeRole(ctx, id, req)
		if err != nil {
			return nil, err
		}
		out := &stsshape.AssumeRoleOutput{
			Credentials:     credentials(res.Credentials),
			AssumedRoleUser: &stsshape.AssumedRoleUser{AssumedRoleId: res.AssumedRoleID, Arn: res.ARN},
		}
		if res.HasPackedPolicy {
			n := int32(res.PackedPolicy)
			out.PackedPolicySize = &n
		}
		if res.SourceIdentity != "" {
			out.SourceIdentity = &res.SourceIdentity
		}
		return out, nil
	})
	registerWebIdentity(srv, d)
	registerFederation(srv, d)
}

// registerFederation adds GetFederationToken and DecodeAuthorizationMessage.
func registerFederation(srv *api.Server, d Deps) {
	api.Handle(srv, "GetFederationToken", func(ctx context.Context, c api.Caller, in *stsshape.GetFederationTokenInput) (*stsshape.GetFederationTokenOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		req := sts.GetFederationTokenInput{Name: in.Name, Duration: seconds(in.DurationSeconds), Policy: deref(in.Policy)}
		for _, p := range in.PolicyArns {
			req.PolicyARNs = append(req.PolicyARNs, deref(p.Arn))
		}
		for _, t := range in.Tags {
			req.Tags = append(req.Tags, iam.Tag{Key: t.Key, Value: t.Value})
		}
		res, err := d.STS.GetFederationToken(ctx, id, req)
		if err != nil {
			return nil, err
		}
		out := &stsshape.GetFederationTokenOutput{
			Credentials:   credentials(res.Credentials),
			FederatedUser: &stsshape.FederatedUser{FederatedUserId: res.FederatedUserID, Arn: res.ARN},
		}
		if res.HasPackedPolicy {
			n := int32(res.PackedPolicy)
			out.PackedPolicySize = &n
		}
		return out, nil
	})

	api.Handle(srv, "DecodeAuthorizationMessage", func(ctx context.Context, c api.Caller, in *stsshape.DecodeAuthorizationMessageInput) (*stsshape.DecodeAuthorizationMessageOutput, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		msg, err := d.STS.DecodeAuthorizationMessage(ctx, id, in.EncodedMessage)
		if err != nil {
			return nil, err
		}
		return &stsshape.DecodeAuthorizationMessageOutput{DecodedMessage: &msg}, nil
	})
}

// registerWebIdentity adds the unsigned AssumeRoleWithWebIdentity.
func registerWebIdentity(srv *api.Server, d Deps) {
	api.Handle(srv, "AssumeRoleWithWebIdentity", func(ctx context.Context, _ api.Caller, in *stsshape.AssumeRoleWithWebIdentityInput) (*stsshape.AssumeRoleWithWebIdentityOutput, error) {
		req := sts.AssumeRoleWithWebIdentityInput{
			RoleARN:          in.RoleArn,
			RoleSessionName:  in.RoleSessionName,
			WebIdentityToken: in.WebIdentityToken,
			Duration:         seconds(in.DurationSeconds),
			Policy:           deref(in.Policy),
		}
		for _, p := range in.PolicyArns {
			req.PolicyARNs = append(req.PolicyARNs, deref(p.Arn))
		}
		if ri := api.RequestFromContext(ctx); ri != nil {
			req.SourceIP = sourceIP(ri.RemoteAddr)
		}
		res, err := d.STS.AssumeRoleWithWebIdentity(ctx, req)
		if err != nil {
			return nil, err
		}
		out := &stsshape.AssumeRoleWithWebIdentityOutput{
			Credentials:                 credentials(res.Credentials),
			AssumedRoleUser:             &stsshape.AssumedRoleUser{AssumedRoleId: res.AssumedRoleID, Arn: res.ARN},
			SubjectFromWebIdentityToken: &res.Subject,
			Provider:                    &res.Provider,
			Audience:                    &res.Audience,
		}
		if res.HasPackedPolicy {
			n := int32(res.PackedPolicy)
			out.PackedPolicySize = &n
		}
		if res.SourceIdentity != "" {
			out.SourceIdentity = &res.SourceIdentity
		}
		return out, nil
	})
}

// identity is the caller as the Authenticator produced it; the signed STS
// operations always have one.
func identity(c api.Caller) (*iam.Identity, error) {
	id, ok := c.(*iam.Identity)
	if !ok || id == nil {
		return nil, &iam.Error{Code: iam.CodeServiceFailure, Message: "The request processing has failed because of an unknown error, exception or failure."}
	}
	return id, nil
}

func credentials(c sts.Credentials) *stsshape.Credentials {
	return &stsshape.Credentials{
		AccessKeyId: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration,
	}
}

func seconds(p *int32) time.Duration {
	if p == nil {
		return 0
	}
	return time.Duration(*p) * time.Second
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// sourceIP is the client address of host:port (or a bare host).
func sourceIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
