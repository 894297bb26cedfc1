package sqlite

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestMigrationsEmbeddedAreWellFormed(t *testing.T) {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].version != 1 || ms[0].name != "foundation" {
		t.Fatalf("first migration = %+v, want 0001_foundation", ms[0])
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].version <= ms[i-1].version {
			t.Fatalf("migrations not sorted: %d after %d", ms[i].version, ms[i-1].version)
		}
	}
}

func TestLoadMigrationsRejects(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"bad name", fstest.MapFS{"migrations/1_users.sql": {Data: []byte("SELECT 1;")}}, "not named"},
		{"upper case", fstest.MapFS{"migrations/0010_Users.sql": {Data: []byte("SELECT 1;")}}, "not named"},
		{"zero", fstest.MapFS{"migrations/0000_x.sql": {Data: []byte("SELECT 1;")}}, "start at 0001"},
		{"duplicate number", fstest.MapFS{
			"migrations/0010_users.sql":  {Data: []byte("SELECT 1;")},
			"migrations/0010_groups.sql": {Data: []byte("SELECT 1;")},
		}, "share number 0010"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadMigrations(tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func appliedVersions(t *testing.T, s *Store) map[int]string {
	t.Helper()
	got, err := s.appliedMigrations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestMigrateIdempotentAndOutOfOrder(t *testing.T) {
	s := openTemp(t, Options{})
	at := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	ctx := t.Context()
	base, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	// openTemp migrated; again is a no-op. The synthetic migrations below use
	// numbers past every area's range so that they never meet real files.
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	withRoles := append(base[:len(base):len(base)], migration{version: 9020, name: "roles", sql: "CREATE TABLE t20 (x INTEGER);"})
	if err := s.migrate(ctx, withRoles, at); err != nil {
		t.Fatal(err)
	}
	// A lower number added later (the users owner merged after roles) is
	// still applied.
	withUsers := append(withRoles[:len(withRoles):len(withRoles)], migration{version: 9010, name: "users", sql: "CREATE TABLE t10 (x INTEGER); CREATE TABLE t11 (y TEXT);"})
	if err := s.migrate(ctx, withUsers, at); err != nil {
		t.Fatal(err)
	}
	got := appliedVersions(t, s)
	if got[9010] != "users" || got[9020] != "roles" || got[1] != "foundation" {
		t.Fatalf("applied = %v", got)
	}
	// Multi-statement files run entirely.
	if _, err := s.writer.ExecContext(ctx, "INSERT INTO t11 (y) VALUES ('ok')"); err != nil {
		t.Fatalf("second statement of a migration was not applied: %v", err)
	}
	// A binary that does not know migration 20 refuses the database.
	err = s.migrate(ctx, base, at)
	if err == nil || !strings.Contains(err.Error(), "9010_users") && !strings.Contains(err.Error(), "9020_roles") {
		t.Fatalf("older migration set accepted: %v", err)
	}
}

func TestMigrationFailureRollsBack(t *testing.T) {
	s := openTemp(t, Options{})
	ctx := context.Background()
	base, _ := loadMigrations(migrationFS)
	bad := append(base[:len(base):len(base)], migration{version: 9030, name: "bad", sql: "CREATE TABLE t30 (x INTEGER); THIS IS NOT SQL;"})
	if err := s.migrate(ctx, bad, time.Now); err == nil || !strings.Contains(err.Error(), "9030_bad") {
		t.Fatalf("bad migration: err = %v", err)
	}
	if _, ok := appliedVersions(t, s)[9030]; ok {
		t.Fatal("failed migration recorded as applied")
	}
	if _, err := s.writer.ExecContext(ctx, "INSERT INTO t30 (x) VALUES (1)"); err == nil {
		t.Fatal("first statement of a failed migration survived")
	}
}
