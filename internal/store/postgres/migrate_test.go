package postgres_test

import (
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/postgres/pgtest"
)

// TestMigrationsMirrorSQLite: the two backends have the same migrations,
// number for number and name for name, so that a schema version means the
// same on both.
func TestMigrationsMirrorSQLite(t *testing.T) {
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		slices.Sort(out)
		return out
	}
	pg, lite := names("migrations"), names("../sqlite/migrations")
	if !slices.Equal(pg, lite) {
		t.Fatalf("postgres migrations %v, sqlite migrations %v: add the missing ones to postgres/migrations", pg, lite)
	}
}

// TestConcurrentMigrate: nodes starting together on an empty schema take
// turns; every one succeeds and the schema is applied once.
func TestConcurrentMigrate(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			st, err := postgres.Open(t.Context(), dsn, postgres.Options{Schema: schema, Migrate: true, MaxConns: 2})
			if err == nil {
				st.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
}
