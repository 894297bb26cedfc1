package main

// `iamd serve`: the server on the embedded SQLite store. A first start
// creates the data directory, the database, the master key, one account and
// its root access key (written once to <data-dir>/root.credentials); a
// restart reuses all of them.

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/server"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/sqlite"
)

// Files in the data directory.
const (
	databaseFile        = "iamd.db"
	rootCredentialsFile = "root.credentials"
)

func newServeCmd(_ io.Writer, stderr io.Writer) *cobra.Command {
	var cf *configFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the IAM and STS endpoint",
		Long: "Serves the AWS IAM and STS Query APIs at / and /healthz, /readyz, /metrics.\n" +
			"Settings: flag > IAMD_* environment > --config file > default (docs/configuration.md).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.resolve(os.Getenv)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return serve(ctx, cfg, cfg.newLogger(stderr))
		},
	}
	cf = addConfigFlags(cmd)
	return cmd
}

// serve runs the server until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if fi, err := os.Stat(cfg.DataDir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the data directory is accessible to group or others; chmod 700 it", "data_dir", cfg.DataDir, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
	}
	st, sealer, err := openData(ctx, cfg, true, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing the store", "error", err)
		}
	}()
	oidcRoots, err := cfg.oidcRoots()
	if err != nil {
		return err
	}
	auditCfg, auditFile, err := cfg.auditConfig()
	if err != nil {
		return err
	}
	if auditFile != nil {
		defer auditFile.Close()
	}
	srv, err := server.New(ctx, server.Config{
		Store: st, Sealer: sealer, Now: time.Now, Rand: rand.Reader, Logger: log,
		OIDCTimeout: cfg.OIDCTimeout, OIDCRoots: oidcRoots, AllowLoopbackHTTPIssuers: cfg.OIDCAllowLoopbackHTTP,
		Audit: auditCfg,
	})
	if err != nil {
		return err
	}
	defer srv.Close() // after the HTTP server drained: commits the last audit events
	account, credsHint, err := bootstrap(ctx, cfg, srv.IAM, log)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	storeName := filepath.Join(cfg.DataDir, databaseFile)
	if cfg.postgres() {
		storeName = redactDSN(cfg.Store)
	}
	log.Info("listening", "addr", addr, "account", account, "data_dir", cfg.DataDir, "store", storeName)
	log.Info("try: " + credsHint + "aws --endpoint-url http://" + dialAddr(addr) + " iam list-users")

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// openData opens the store (SQLite in the data directory, or the PostgreSQL
// database of --store; migrating it when migrate is set) and the sealer
// under the master key.
func openData(ctx context.Context, cfg config, migrate bool, log *slog.Logger) (store.Store, *secret.Sealer, error) {
	if cfg.postgres() && cfg.MasterKey == "" {
		// Every node must seal and open with the same key: generating one
		// per node would make each node's secrets unreadable to the others.
		if _, err := os.Stat(filepath.Join(cfg.DataDir, secret.MasterKeyFile)); err != nil {
			return nil, nil, fmt.Errorf("a PostgreSQL store is shared by several nodes, which need the same master key: "+
				"set IAMD_MASTER_KEY (base64 of 32 bytes, e.g. from `openssl rand -base64 32`) on every node, "+
				"or copy one %s into every node's data directory (%w)", secret.MasterKeyFile, err)
		}
	}
	// The previous keys (IAMD_MASTER_KEY_PREVIOUS or master.key.previous)
	// open what is not yet re-sealed during a rotation.
	key, previous, err := secret.LoadMasterKeys(cfg.DataDir, cfg.MasterKey, cfg.MasterKeyPrevious, rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := secret.NewSealer(rand.Reader, key, previous...)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, cfg, migrate, log)
	if err != nil {
		return nil, nil, err
	}
	return st, sealer, nil
}

// openStore opens the store of cfg without the master key.
func openStore(ctx context.Context, cfg config, migrate bool, log *slog.Logger) (store.Store, error) {
	if cfg.postgres() {
		st, err := postgres.Open(ctx, cfg.Store, postgres.Options{MaxConns: cfg.StoreMaxConns, Migrate: migrate, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", redactDSN(cfg.Store), err)
		}
		return st, nil
	}
	path := filepath.Join(cfg.DataDir, databaseFile)
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, path, sqlite.Options{Migrate: migrate})
}

// bootstrap makes sure the default account and its root key exist. It
// returns the account and the environment prefix of the hint command.
//
//   - IAMD_ROOT_ACCESS_KEY_ID/IAMD_ROOT_SECRET_ACCESS_KEY configured: that
//     key is the root key (EnsureAccount keeps it in step with the
//     configuration); no file is written.
//   - <data-dir>/root.credentials exists: its key is the root key (ensured
//     again, which also recovers from a crash between writing the file and
//     committing the key).
//   - neither: a first start. The account (random unless configured) and a
//     new root key are created and the key is written to root.credentials,
//     once.
func bootstrap(ctx context.Context, cfg config, svc *iam.Service, log *slog.Logger) (account, hint string, err error) {
	credsPath := filepath.Join(cfg.DataDir, rootCredentialsFile)
	if cfg.RootAccessKeyID != "" {
		account = cfg.AccountID
		if account == "" {
			// A restart finds the key it stored; a first start makes one up.
			if cred, err := svc.LookupAccessKey(ctx, cfg.RootAccessKeyID); err == nil {
				account = cred.AccountID
			} else if account, err = iam.NewAccountID(rand.Reader); err != nil {
				return "", "", err
			}
		}
		if err := svc.EnsureAccount(ctx, account, cfg.RootAccessKeyID, cfg.RootSecretAccessKey); err != nil {
			return "", "", fmt.Errorf("root access key from the environment: %w", err)
		}
		return account, "AWS_ACCESS_KEY_ID=$IAMD_ROOT_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$IAMD_ROOT_SECRET_ACCESS_KEY AWS_DEFAULT_REGION=us-east-1 ", nil
	}
	hint = "AWS_SHARED_CREDENTIALS_FILE=" + absPath(credsPath) + " AWS_DEFAULT_REGION=us-east-1 "

	keyID, secretKey, err := readCredentialsFile(credsPath)
	switch {
	case err == nil:
		account, err = iam.AccountFromAccessKeyID(keyID)
		if err != nil {
			return "", "", fmt.Errorf("%s: %w", credsPath, err)
		}
		if cfg.AccountID != "" && cfg.AccountID != account {
			return "", "", fmt.Errorf("%s holds the root key of account %s, but the configured account is %s", credsPath, account, cfg.AccountID)
		}
		if err := svc.EnsureAccount(ctx, account, keyID, secretKey); err != nil {
			return "", "", fmt.Errorf("root access key from %s: %w", credsPath, err)
		}
		return account, hint, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", "", err
	}

	account = cfg.AccountID
	if account == "" {
		if account, err = iam.NewAccountID(rand.Reader); err != nil {
			return "", "", err
		}
	}
	if err := createAccountCredentials(ctx, svc, account, credsPath); err != nil {
		return "", "", err
	}
	log.Info("root credentials written", "account", account, "file", credsPath)
	return account, hint, nil
}

// createAccountCredentials creates a root access key for account (creating
// the account if needed) and writes it to path, which must not exist. The
// file is written first: a key nobody has the secret of would be useless,
// and a file whose key is not stored yet is repaired at the next start.
func createAccountCredentials(ctx context.Context, svc *iam.Service, account, path string) error {
	keyID, err := iam.NewAccessKeyID(rand.Reader, "AKIA", account)
	if err != nil {
		return err
	}
	secretKey, err := iam.NewSecretAccessKey(rand.Reader)
	if err != nil {
		return err
	}
	if err := writeCredentialsFile(path, account, keyID, secretKey); err != nil {
		return err
	}
	if err := svc.EnsureAccount(ctx, account, keyID, secretKey); err != nil {
		os.Remove(path)
		return fmt.Errorf("account %s: %w", account, err)
	}
	return nil
}

// credentialsFileText is the AWS shared-credentials form of a key.
func credentialsFileText(account, keyID, secretKey string) string {
	return fmt.Sprintf("# Root access key of iamd account %s. Keep this file secret.\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
		account, keyID, secretKey)
}

// writeCredentialsFile creates path with mode 0600, refusing to replace an
// existing file: root credentials are written once and never regenerated.
func writeCredentialsFile(path, account, keyID, secretKey string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".credentials-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(credentialsFileText(account, keyID, secretKey))
	if werr == nil {
		werr = tmp.Sync()
	}
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// A hard link installs the complete file atomically and fails if the
	// name is taken.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; it is never overwritten", path)
		}
		return fmt.Errorf("install %s: %w", path, err)
	}
	return nil
}

// readCredentialsFile reads the [default] profile of a shared-credentials
// file. A missing file is fs.ErrNotExist.
func readCredentialsFile(path string) (keyID, secretKey string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.TrimSpace(line[1 : len(line)-1])
		case section == "default":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "aws_access_key_id":
				keyID = strings.TrimSpace(v)
			case "aws_secret_access_key":
				secretKey = strings.TrimSpace(v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", fmt.Errorf("read %s: %w", path, err)
	}
	if keyID == "" || secretKey == "" {
		return "", "", fmt.Errorf("%s: no aws_access_key_id and aws_secret_access_key in [default]", path)
	}
	return keyID, secretKey, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// dialAddr is where a local client reaches a listener on addr: loopback
// when it listens on every interface.
func dialAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// createPrivate creates an empty file with mode 0600 unless it exists.
// SQLite creates its -wal and -shm files with the database's mode, so the
// database and its journals stay private to the owner even in a data
// directory that others may list.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}
