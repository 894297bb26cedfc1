package iamapi

import "github.com/iamd/iamd/internal/api"

// registerUsers registers the operations of the users area.
func registerUsers(srv *api.Server, d Deps) {}
