package postgres_test

import (
	"testing"

	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/postgres/pgtest"
	"github.com/iamd/iamd/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return pgtest.Open(t, postgres.Options{}) })
}
