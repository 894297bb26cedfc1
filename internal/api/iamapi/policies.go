package iamapi

import "github.com/iamd/iamd/internal/api"

// registerPolicies registers the operations of the policies area.
func registerPolicies(srv *api.Server, d Deps) {}
