package iamapi

import "github.com/iamd/iamd/internal/api"

// registerRoles registers the operations of the roles area.
func registerRoles(srv *api.Server, d Deps) {}
