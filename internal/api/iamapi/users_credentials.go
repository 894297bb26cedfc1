package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

// keyOwnerName is the owner of the access keys an operation addresses: the
// given user, else the calling IAM user, else ("") the calling root, which
// manages its own keys. Role sessions must name a user.
func keyOwnerName(id *iam.Identity, name *string) (string, error) {
	if name == nil && id.IsRoot() {
		return "", nil
	}
	return callerUserName(id, name)
}

// accessKeyPageKey orders a user's keys as ListAccessKeys returns them
// (oldest first, then by ID) as text that sorts the same way.
func accessKeyPageKey(k iam.AccessKey) string {
	return k.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000Z") + "/" + k.ID
}

func registerAccessKeyOps(srv *api.Server, d Deps) {
	handle(srv, "CreateAccessKey", func(ctx context.Context, id *iam.Identity, in *iamshape.CreateAccessKeyInput) (*iamshape.CreateAccessKeyOutput, error) {
		owner, err := keyOwnerName(id, in.UserName)
		if err != nil {
			return nil, err
		}
		k, err := d.IAM.CreateAccessKey(ctx, id.AccountID, owner)
		if err != nil {
			return nil, err
		}
		return &iamshape.CreateAccessKeyOutput{AccessKey: iamshape.AccessKey{
			UserName: k.UserName, AccessKeyId: k.ID, Status: k.Status, SecretAccessKey: k.Secret, CreateDate: ptr(k.CreatedAt),
		}}, nil
	})

	handle(srv, "ListAccessKeys", func(ctx context.Context, id *iam.Identity, in *iamshape.ListAccessKeysInput) (*iamshape.ListAccessKeysOutput, error) {
		owner, err := keyOwnerName(id, in.UserName)
		if err != nil {
			return nil, err
		}
		p, err := api.PageFrom(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		keys, err := d.IAM.ListAccessKeys(ctx, id.AccountID, owner)
		if err != nil {
			return nil, err
		}
		pg, truncated, marker := api.Paginate(keys, accessKeyPageKey, p)
		out := &iamshape.ListAccessKeysOutput{AccessKeyMetadata: make([]iamshape.AccessKeyMetadata, len(pg)),
			IsTruncated: ptr(truncated), Marker: marker}
		for i, k := range pg {
			m := iamshape.AccessKeyMetadata{AccessKeyId: ptr(k.ID), Status: ptr(k.Status), CreateDate: ptr(k.CreatedAt)}
			if k.UserName != "" {
				m.UserName = ptr(k.UserName)
			}
			out.AccessKeyMetadata[i] = m
		}
		return out, nil
	})

	handle(srv, "UpdateAccessKey", func(ctx context.Context, id *iam.Identity, in *iamshape.UpdateAccessKeyInput) (*iamshape.UpdateAccessKeyOutput, error) {
		owner, err := keyOwnerName(id, in.UserName)
		if err != nil {
			return nil, err
		}
		return &iamshape.UpdateAccessKeyOutput{}, d.IAM.UpdateAccessKey(ctx, id.AccountID, owner, in.AccessKeyId, in.Status)
	})

	handle(srv, "DeleteAccessKey", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteAccessKeyInput) (*iamshape.DeleteAccessKeyOutput, error) {
		owner, err := keyOwnerName(id, in.UserName)
		if err != nil {
			return nil, err
		}
		return &iamshape.DeleteAccessKeyOutput{}, d.IAM.DeleteAccessKey(ctx, id.AccountID, owner, in.AccessKeyId)
	})

	handle(srv, "GetAccessKeyLastUsed", func(ctx context.Context, id *iam.Identity, in *iamshape.GetAccessKeyLastUsedInput) (*iamshape.GetAccessKeyLastUsedOutput, error) {
		lu, err := d.IAM.GetAccessKeyLastUsed(ctx, id.AccountID, in.AccessKeyId)
		if err != nil {
			return nil, err
		}
		out := &iamshape.GetAccessKeyLastUsedOutput{AccessKeyLastUsed: &iamshape.AccessKeyLastUsed{
			LastUsedDate: usrTime(lu.LastUsedAt), ServiceName: lu.Service, Region: lu.Region,
		}}
		if lu.UserName != "" {
			out.UserName = ptr(lu.UserName)
		}
		return out, nil
	})
}

func loginProfileShape(lp iam.LoginProfile) iamshape.LoginProfile {
	return iamshape.LoginProfile{UserName: lp.UserName, CreateDate: lp.CreatedAt, PasswordResetRequired: ptr(lp.PasswordResetRequired)}
}

func registerLoginProfileOps(srv *api.Server, d Deps) {
	handle(srv, "CreateLoginProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.CreateLoginProfileInput) (*iamshape.CreateLoginProfileOutput, error) {
		name, err := callerUserName(id, in.UserName)
		if err != nil {
			return nil, err
		}
		if in.Password == nil {
			// Optional in the model only for root credential management,
			// which iamd does not offer: an IAM user's profile needs one.
			return nil, iam.ValidationError("1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null")
		}
		lp, err := d.IAM.CreateLoginProfile(ctx, id.AccountID, name, *in.Password, in.PasswordResetRequired != nil && *in.PasswordResetRequired)
		if err != nil {
			return nil, err
		}
		return &iamshape.CreateLoginProfileOutput{LoginProfile: loginProfileShape(lp)}, nil
	})

	handle(srv, "GetLoginProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.GetLoginProfileInput) (*iamshape.GetLoginProfileOutput, error) {
		name, err := callerUserName(id, in.UserName)
		if err != nil {
			return nil, err
		}
		lp, err := d.IAM.GetLoginProfile(ctx, id.AccountID, name)
		if err != nil {
			return nil, err
		}
		return &iamshape.GetLoginProfileOutput{LoginProfile: loginProfileShape(lp)}, nil
	})

	handle(srv, "UpdateLoginProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.UpdateLoginProfileInput) (*iamshape.UpdateLoginProfileOutput, error) {
		return &iamshape.UpdateLoginProfileOutput{}, d.IAM.UpdateLoginProfile(ctx, id.AccountID, in.UserName, in.Password, in.PasswordResetRequired)
	})

	handle(srv, "DeleteLoginProfile", func(ctx context.Context, id *iam.Identity, in *iamshape.DeleteLoginProfileInput) (*iamshape.DeleteLoginProfileOutput, error) {
		name, err := callerUserName(id, in.UserName)
		if err != nil {
			return nil, err
		}
		return &iamshape.DeleteLoginProfileOutput{}, d.IAM.DeleteLoginProfile(ctx, id.AccountID, name)
	})
}

func registerChangePassword(srv *api.Server, d Deps) {
	handle(srv, "ChangePassword", func(ctx context.Context, id *iam.Identity, in *iamshape.ChangePasswordInput) (*iamshape.ChangePasswordOutput, error) {
		// Only an IAM user signing with its own credentials changes its own
		// password; the root and role sessions are refused as AWS does.
		if id.Kind != iam.IdentityUser {
			return nil, &iam.Error{Code: "InvalidUserType", Message: "The request was rejected because the type of user for the transaction was incorrect."}
		}
		return &iamshape.ChangePasswordOutput{}, d.IAM.ChangePassword(ctx, id.AccountID, id.UserName, in.OldPassword, in.NewPassword)
	})
}
