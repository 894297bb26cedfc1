package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// migrationFS holds the schema, one file per step, numbered like sqlite's
// (same number, same name, same meaning; PostgreSQL types).
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.sql$`)

func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: read migrations: %w", err)
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("postgres: migration file %q is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if v == 0 {
			return nil, fmt.Errorf("postgres: migration %q: numbers start at 0001", e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("postgres: migrations %q and %q share number %04d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(fsys, "migrations/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("postgres: read migration %q: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: m[2], sql: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out, nil
}

// Migrate applies every migration not yet recorded in schema_migrations,
// each in its own transaction with its record. Nodes starting together
// take turns: the whole run holds a session advisory lock (per schema), so
// the second node finds the work done. A database carrying a migration this
// binary does not know is refused.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return err
	}
	return s.migrate(ctx, ms, s.opts.Now)
}

func (s *Store) migrate(ctx context.Context, ms []migration, now func() time.Time) error {
	// The advisory lock belongs to the session: the whole run is on one
	// connection of the pool.
	c, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	const lockKey = `hashtext('iamd migrate ' || current_schema())`
	if _, err := c.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		c.Release()
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer func() {
		if _, err := c.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`); err != nil {
			// A connection that may still hold the lock must not go back
			// to the pool; closing it ends the session and its lock.
			cctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = c.Hijack().Close(cctx)
			return
		}
		c.Release()
	}()

	if _, err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
)`); err != nil {
		return fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	applied := map[int]string{}
	rows, err := c.Query(ctx, `SELECT version, name FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("postgres: read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: read schema_migrations: %w", err)
		}
		applied[v] = name
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: read schema_migrations: %w", err)
	}
	known := map[int]string{}
	for _, m := range ms {
		known[m.version] = m.name
	}
	for v, name := range applied {
		if kn, ok := known[v]; !ok || kn != name {
			return fmt.Errorf("postgres: database has migration %04d_%s which this iamd does not know (database from a newer version?)", v, name)
		}
	}
	for _, m := range ms {
		if _, done := applied[m.version]; done {
			continue
		}
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			// The file may hold several statements: the simple protocol
			// runs them as one.
			if _, err := tx.Exec(ctx, m.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, ts(now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}
