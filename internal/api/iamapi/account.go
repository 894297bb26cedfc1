package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

// registerAccount registers the operations of the account area: aliases,
// the password policy, STS preferences, GetAccountSummary, the credential
// report (account_report.go) and MFA devices (account_mfa.go).
func registerAccount(srv *api.Server, d Deps) {
	handle(srv, "CreateAccountAlias", func(ctx context.Context, id *iam.Identity, in *iamshape.CreateAccountAliasInput) (*iamshape.CreateAccountAliasOutput, error) {
		return &iamshape.CreateAccountAliasOutput{}, d.IAM.CreateAccountAlias(ctx, id.AccountID, in.AccountAlias)
	})
	handle(srv, "DeleteAccountAlias", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteAccountAliasInput) (*iamshape.DeleteAccountAliasOutput, error) {
		return &iamshape.DeleteAccountAliasOutput{}, d.IAM.DeleteAccountAlias(ctx, id.AccountID, in.AccountAlias)
	})
	handle(srv, "ListAccountAliases", func(ctx context.Context, id *iam.Identity, in *iamshape.ListAccountAliasesInput) (*iamshape.ListAccountAliasesOutput, error) {
		p, err := api.PageFrom(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		aliases, err := d.IAM.ListAccountAliases(ctx, id.AccountID)
		if err != nil {
			return nil, err
		}
		// At most one alias: paginate in memory, keyed by the alias itself
		// (aliases are lower case, so that is also their sort order).
		page, truncated, next := api.Paginate(aliases, func(a string) string { return a }, p)
		return &iamshape.ListAccountAliasesOutput{AccountAliases: nonNil(page), IsTruncated: &truncated, Marker: next}, nil
	})

	handle(srv, "UpdateAccountPasswordPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.UpdateAccountPasswordPolicyInput) (*iamshape.UpdateAccountPasswordPolicyOutput, error) {
		pin := iam.PasswordPolicyInput{
			MinimumPasswordLength:      acctIntPtr(in.MinimumPasswordLength),
			RequireSymbols:             in.RequireSymbols,
			RequireNumbers:             in.RequireNumbers,
			RequireUppercaseCharacters: in.RequireUppercaseCharacters,
			RequireLowercaseCharacters: in.RequireLowercaseCharacters,
			AllowUsersToChangePassword: in.AllowUsersToChangePassword,
			MaxPasswordAge:             acctIntPtr(in.MaxPasswordAge),
			PasswordReusePrevention:    acctIntPtr(in.PasswordReusePrevention),
			HardExpiry:                 in.HardExpiry,
		}
		return &iamshape.UpdateAccountPasswordPolicyOutput{}, d.IAM.UpdateAccountPasswordPolicy(ctx, id.AccountID, pin)
	})
	handle(srv, "GetAccountPasswordPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.GetAccountPasswordPolicyInput) (*iamshape.GetAccountPasswordPolicyOutput, error) {
		p, err := d.IAM.GetAccountPasswordPolicy(ctx, id.AccountID)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetAccountPasswordPolicyOutput{PasswordPolicy: passwordPolicyShape(p)}, nil
	})
	handle(srv, "DeleteAccountPasswordPolicy", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteAccountPasswordPolicyInput) (*iamshape.DeleteAccountPasswordPolicyOutput, error) {
		return &iamshape.DeleteAccountPasswordPolicyOutput{}, d.IAM.DeleteAccountPasswordPolicy(ctx, id.AccountID)
	})

	handle(srv, "SetSecurityTokenServicePreferences", func(ctx context.Context, id *iam.Identity, in *iamshape.SetSecurityTokenServicePreferencesInput) (*iamshape.SetSecurityTokenServicePreferencesOutput, error) {
		return &iamshape.SetSecurityTokenServicePreferencesOutput{}, d.IAM.SetSecurityTokenServicePreferences(ctx, id.AccountID, in.GlobalEndpointTokenVersion)
	})

	registerAccountSummary(srv, d)
	registerCredentialReport(srv, d)
	registerMFA(srv, d)
}

// passwordPolicyShape renders a policy as GetAccountPasswordPolicy returns
// it. AWS leaves MaxPasswordAge and PasswordReusePrevention out when they
// are off (the model's minimum is 1, so 0 cannot be sent).
func passwordPolicyShape(p iam.PasswordPolicy) iamshape.PasswordPolicy {
	out := iamshape.PasswordPolicy{
		MinimumPasswordLength:      acctInt32Ptr(p.MinimumPasswordLength),
		RequireSymbols:             &p.RequireSymbols,
		RequireNumbers:             &p.RequireNumbers,
		RequireUppercaseCharacters: &p.RequireUppercaseCharacters,
		RequireLowercaseCharacters: &p.RequireLowercaseCharacters,
		AllowUsersToChangePassword: &p.AllowUsersToChangePassword,
		HardExpiry:                 &p.HardExpiry,
	}
	expire := p.ExpirePasswords()
	out.ExpirePasswords = &expire
	if p.MaxPasswordAge > 0 {
		out.MaxPasswordAge = acctInt32Ptr(p.MaxPasswordAge)
	}
	if p.PasswordReusePrevention > 0 {
		out.PasswordReusePrevention = acctInt32Ptr(p.PasswordReusePrevention)
	}
	return out
}

func acctIntPtr(v *int32) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}

func acctInt32Ptr(n int) *int32 {
	v := int32(n)
	return &v
}
