package main

// `iamd migrate`: apply the database migrations and exit, for deployments
// that migrate before rolling out a new version (`iamd serve` migrates at
// start-up too).

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func newMigrateCmd(stdout, _ io.Writer) *cobra.Command {
	var cf *configFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the database migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.resolve(os.Getenv)
			if err != nil {
				return err
			}
			return migrate(cmd.Context(), cfg, stdout)
		},
	}
	cf = addConfigFlags(cmd, "data-dir", "store")
	return cmd
}

func migrate(ctx context.Context, cfg config, stdout io.Writer) error {
	name := redactDSN(cfg.Store)
	if !cfg.postgres() {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
		name = filepath.Join(cfg.DataDir, databaseFile)
	}
	st, err := openStore(ctx, cfg, false, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: schema up to date\n", name)
	return nil
}
