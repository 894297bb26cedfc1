// Package iamapi binds the IAM operations of the Query protocol to the
// domain (internal/iam): one file per area, each handler decoding nothing
// itself (internal/api did that), calling one domain method and converting
// its result to the generated output shape.
package iamapi

import (
	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/iam"
)

// Deps is what the handlers call.
type Deps struct {
	IAM *iam.Service
}

// Register adds every implemented IAM operation to srv.
func Register(srv *api.Server, d Deps) {
	registerUsers(srv, d)
	registerPolicies(srv, d)
	registerRoles(srv, d)
	registerAccount(srv, d)
	registerSimulator(srv, d)
}

// identity is the caller as the Authenticator produced it. Every signed IAM
// operation has one; anything else is a wiring bug, answered ServiceFailure.
func identity(c api.Caller) (*iam.Identity, error) {
	id, ok := c.(*iam.Identity)
	if !ok || id == nil {
		return nil, &iam.Error{Code: iam.CodeServiceFailure, Message: "The request processing has failed because of an unknown error, exception or failure."}
	}
	return id, nil
}
