// Package iamapi binds the IAM operations of the Query protocol to the
// domain (internal/iam): one file per area, each handler decoding nothing
// itself (internal/api did that), calling one domain method and converting
// its result to the generated output shape.
package iamapi

import (
	"context"

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

// handle registers an IAM operation whose handler acts for the caller's
// identity (see identity).
func handle[I, O any](srv *api.Server, op string, h func(ctx context.Context, id *iam.Identity, in *I) (*O, error)) {
	api.Handle(srv, op, func(ctx context.Context, c api.Caller, in *I) (*O, error) {
		id, err := identity(c)
		if err != nil {
			return nil, err
		}
		return h(ctx, id, in)
	})
}
