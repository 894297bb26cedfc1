package postgres

import "context"

// MigrateThrough applies the migrations numbered up to max: tests of a
// migration's conversion of existing rows start from the schema before it.
func MigrateThrough(ctx context.Context, s *Store, max int) error {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return err
	}
	var upTo []migration
	for _, m := range ms {
		if m.version <= max {
			upTo = append(upTo, m)
		}
	}
	return s.migrate(ctx, upTo, s.opts.Now)
}
