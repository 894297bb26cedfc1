package iam

import (
	"time"

	"github.com/iamd/iamd/internal/store"
)

// Store is the store the service runs on. The policy simulator's handlers
// give it to internal/authz, which gathers a principal's policies from it
// read-only (SimulatePrincipalPolicy, GetContextKeysForPrincipalPolicy).
func (s *Service) Store() store.Store { return s.store }

// Now is the service's clock: the simulator's aws:CurrentTime.
func (s *Service) Now() time.Time { return s.clock() }
