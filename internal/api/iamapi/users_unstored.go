package iamapi

import (
	"context"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/iam"
)

// SSH public keys, signing certificates and service-specific credentials
// are credential types iamd does not store: the operations that would
// create them (UploadSSHPublicKey, UploadSigningCertificate,
// CreateServiceSpecificCredential) answer NotImplemented, so every user has
// none. Their List operations still answer, because clients clean a user up
// with them before DeleteUser (the Terraform AWS provider's force_destroy
// calls all three): for an existing user (or the calling root) the list is
// empty, a missing user is NoSuchEntity and a malformed Marker InvalidInput,
// as for ListAccessKeys.

// unstoredCredentialsOwner checks the owner an unstored-credential List
// operation addresses: the named user (which must exist), else the calling
// IAM user, else the calling root.
func unstoredCredentialsOwner(ctx context.Context, d Deps, id *iam.Identity, name *string, marker *string, maxItems *int32) error {
	owner, err := keyOwnerName(id, name)
	if err != nil {
		return err
	}
	if _, err := api.PageFrom(marker, maxItems); err != nil {
		return err
	}
	if owner == "" {
		return nil
	}
	_, err = d.IAM.GetUserByName(ctx, id.AccountID, owner)
	return err
}

func registerUnstoredCredentialOps(srv *api.Server, d Deps) {
	handle(srv, "ListSSHPublicKeys", func(ctx context.Context, id *iam.Identity, in *iamshape.ListSSHPublicKeysInput) (*iamshape.ListSSHPublicKeysOutput, error) {
		if err := unstoredCredentialsOwner(ctx, d, id, in.UserName, in.Marker, in.MaxItems); err != nil {
			return nil, err
		}
		return &iamshape.ListSSHPublicKeysOutput{SSHPublicKeys: []iamshape.SSHPublicKeyMetadata{}, IsTruncated: ptr(false)}, nil
	})

	handle(srv, "ListSigningCertificates", func(ctx context.Context, id *iam.Identity, in *iamshape.ListSigningCertificatesInput) (*iamshape.ListSigningCertificatesOutput, error) {
		if err := unstoredCredentialsOwner(ctx, d, id, in.UserName, in.Marker, in.MaxItems); err != nil {
			return nil, err
		}
		return &iamshape.ListSigningCertificatesOutput{Certificates: []iamshape.SigningCertificate{}, IsTruncated: ptr(false)}, nil
	})

	handle(srv, "ListServiceSpecificCredentials", func(ctx context.Context, id *iam.Identity, in *iamshape.ListServiceSpecificCredentialsInput) (*iamshape.ListServiceSpecificCredentialsOutput, error) {
		// AllUsers lists the whole account's credentials: no user to check.
		if in.AllUsers == nil || !*in.AllUsers {
			if err := unstoredCredentialsOwner(ctx, d, id, in.UserName, in.Marker, in.MaxItems); err != nil {
				return nil, err
			}
		} else if _, err := api.PageFrom(in.Marker, in.MaxItems); err != nil {
			return nil, err
		}
		return &iamshape.ListServiceSpecificCredentialsOutput{ServiceSpecificCredentials: []iamshape.ServiceSpecificCredentialMetadata{}, IsTruncated: ptr(false)}, nil
	})
}
