package iam

import "context"

// userIdentity resolves the IAM user owning a user access key.
func (s *Service) userIdentity(ctx context.Context, cred Credential) (*Identity, error) {
	return nil, InvalidInput("The security token included in the request is invalid.")
}
