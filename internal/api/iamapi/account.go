package iamapi

import "github.com/iamd/iamd/internal/api"

// registerAccount registers the operations of the account area.
func registerAccount(srv *api.Server, d Deps) {}
