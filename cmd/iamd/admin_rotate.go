package main

// `iamd admin rotate-master-key`: re-seal every stored secret under a new
// master key (docs/sts.md, "Rotating the master key"; docs/operations.md).

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/sts"
)

func newAdminRotateMasterKeyCmd(stdout io.Writer) *cobra.Command {
	var cf *configFlags
	var finish bool
	cmd := &cobra.Command{
		Use:   "rotate-master-key [--finish]",
		Short: "Re-seal every stored secret under a new master key",
		Long: "SQLite with the key in <data-dir>/master.key (server stopped): generates a new key, installs it as\n" +
			"master.key with the old one kept in master.key.previous, and re-seals every access-key secret, MFA seed\n" +
			"and STS token key under it. A run while master.key.previous exists resumes that rotation instead.\n" +
			"--finish (server running or not) re-seals what is left, checks that nothing needs the old key and\n" +
			"deletes master.key.previous.\n\n" +
			"Keys from IAMD_MASTER_KEY, or a PostgreSQL store: the new key must already be every node's current\n" +
			"key and the old one a previous key (IAMD_MASTER_KEY_PREVIOUS or master.key.previous) on every node;\n" +
			"the command then re-seals under the configured keys (servers may run) and never writes a key.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.resolve(os.Getenv)
			if err != nil {
				return err
			}
			return adminRotateMasterKey(cmd.Context(), cfg, finish, rand.Reader, stdout)
		},
	}
	cf = addConfigFlags(cmd, "data-dir", "store")
	cmd.Flags().BoolVar(&finish, "finish", false, "after re-sealing, drop the previous key (master.key.previous)")
	return cmd
}

// adminRotateMasterKey runs one rotation step; every step may be repeated
// after a crash (see the command's help).
func adminRotateMasterKey(ctx context.Context, cfg config, finish bool, rnd io.Reader, stdout io.Writer) error {
	// The command generates and writes a key only where the key lives in
	// this data directory alone: SQLite without IAMD_MASTER_KEY. Elsewhere
	// several nodes share the key, which the operator distributes.
	fileMode := !cfg.postgres() && cfg.MasterKey == ""
	if fileMode && cfg.MasterKeyPrevious != "" {
		return errors.New("IAMD_MASTER_KEY_PREVIOUS goes with IAMD_MASTER_KEY; with the key in " +
			secret.MasterKeyFile + " the previous keys are in " + secret.PreviousKeysFile)
	}
	if cfg.MasterKey == "" {
		// Never create a key here: a new key would open nothing stored.
		if _, err := os.Stat(filepath.Join(cfg.DataDir, secret.MasterKeyFile)); err != nil {
			return fmt.Errorf("no master key: set IAMD_MASTER_KEY or point --data-dir at the directory holding %s (%w)", secret.MasterKeyFile, err)
		}
	}
	if !cfg.postgres() {
		// openStore creates a missing database file; a rotation needs an
		// existing one.
		if _, err := os.Stat(filepath.Join(cfg.DataDir, databaseFile)); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no database in %s: %w", cfg.DataDir, err)
		}
	}
	primary, previous, err := secret.LoadMasterKeys(cfg.DataDir, cfg.MasterKey, cfg.MasterKeyPrevious, rnd)
	if err != nil {
		return err
	}
	switch {
	case len(previous) > 0:
		fmt.Fprintf(stdout, "Master key %s; previous %s.\n", secret.KeyID(primary), keyIDs(previous))
	case finish:
		fmt.Fprintf(stdout, "Master key %s and no previous key: nothing to finish.\n", secret.KeyID(primary))
		return nil
	case fileMode:
		newKey := make([]byte, secret.KeySize)
		if _, err := io.ReadFull(rnd, newKey); err != nil {
			return fmt.Errorf("generate master key: %w", err)
		}
		if err := secret.InstallMasterKey(cfg.DataDir, newKey, [][]byte{primary}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "New master key %s installed in %s; the old key %s is kept in %s.\n",
			secret.KeyID(newKey), filepath.Join(cfg.DataDir, secret.MasterKeyFile), secret.KeyID(primary), secret.PreviousKeysFile)
		primary, previous = newKey, [][]byte{primary}
	default:
		return errors.New("no previous master key: give every node the new key as IAMD_MASTER_KEY (or " + secret.MasterKeyFile +
			") and the old one as IAMD_MASTER_KEY_PREVIOUS (or " + secret.PreviousKeysFile + "), restart them all, " +
			"then run this command with the same settings")
	}
	sealer, err := secret.NewSealer(rnd, primary, previous...)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, false, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := iam.New(iam.Config{Store: st, Sealer: sealer, Now: time.Now, Rand: rnd})
	keyring, err := sts.NewKeyring(sts.KeyringConfig{Store: st, Sealer: sealer, Now: time.Now, Rand: rnd})
	if err != nil {
		return err
	}
	pass := func() (iam.ResealCounts, int, error) {
		counts, err := svc.ResealSecrets(ctx)
		if err != nil {
			return counts, 0, err
		}
		n, err := keyring.Reseal(ctx)
		return counts, n, err
	}
	counts, tokenKeys, err := pass()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Re-sealed %d access-key secrets, %d MFA seeds, %d STS token keys.\n", counts.AccessKeys, counts.MFASeeds, tokenKeys)
	// A second pass must find nothing: a value sealed under an old key
	// meanwhile means some node still seals under it.
	counts, tokenKeys, err = pass()
	if err != nil {
		return err
	}
	if left := counts.AccessKeys + counts.MFASeeds + tokenKeys; left > 0 {
		return fmt.Errorf("a second pass re-sealed %d more values: a node still seals under an old key; "+
			"give every node the new key as its current key, then run this command again", left)
	}
	fmt.Fprintln(stdout, "Checked: nothing is sealed under a previous key.")
	switch {
	case finish && fileMode:
		if err := secret.RemovePreviousKeys(cfg.DataDir); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Removed %s: the master key is %s alone.\n", secret.PreviousKeysFile, secret.KeyID(primary))
	case finish:
		fmt.Fprintf(stdout, "Now remove the previous key (IAMD_MASTER_KEY_PREVIOUS or %s) from every node and restart them.\n", secret.PreviousKeysFile)
	case fileMode:
		fmt.Fprintln(stdout, "Start the server (it opens values under either key), then run `iamd admin rotate-master-key --finish`.")
	default:
		fmt.Fprintln(stdout, "Run `iamd admin rotate-master-key --finish` with the same settings, then remove the previous key from every node.")
	}
	return nil
}

func keyIDs(keys [][]byte) string {
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += secret.KeyID(k)
	}
	return s
}
