package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine writing and
// the test reading.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// running is an `iamd serve` started through run() in this process.
type running struct {
	addr   string
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan int
	exited bool
}

// startServe runs `iamd serve args...` (JSON logs, port 0) and waits for its
// "listening" line. The caller stops it with stop.
func startServe(t *testing.T, args ...string) *running {
	t.Helper()
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)
	go func() { r.done <- run(args, strings.NewReader(""), r.stdout, r.stderr) }()
	deadline := time.After(20 * time.Second)
	for r.addr == "" {
		select {
		case code := <-r.done:
			r.exited = true
			t.Fatalf("serve exited with %d:\n%s", code, r.stderr)
		case <-deadline:
			t.Fatalf("serve did not start listening:\n%s", r.stderr)
		case <-time.After(10 * time.Millisecond):
		}
		for _, rec := range logRecords(r.stderr.String()) {
			if rec["msg"] == "listening" {
				r.addr, _ = rec["addr"].(string)
			}
		}
	}
	t.Cleanup(func() {
		if !r.exited {
			r.stop(t)
		}
	})
	return r
}

// stop sends SIGTERM, as a service manager would, and waits for run to
// return; it returns the exit code.
func (r *running) stop(t *testing.T) int {
	t.Helper()
	if r.exited {
		t.Fatal("serve already stopped")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-r.done:
		r.exited = true
		return code
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not stop on SIGTERM:\n%s", r.stderr)
		return -1
	}
}

func logRecords(s string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(s, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

func (r *running) logged(msg string) map[string]any {
	for _, rec := range logRecords(r.stderr.String()) {
		if rec["msg"] == msg {
			return rec
		}
	}
	return nil
}

// checkKey makes a signed IAM call with the key: it must authenticate
// (NotImplemented counts, the operation may not exist yet).
func checkKey(t *testing.T, addr, keyID, secretKey string) {
	t.Helper()
	c := awsiam.New(awsiam.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secretKey, ""),
		BaseEndpoint: aws.String("http://" + addr),
		Retryer:      aws.NopRetryer{},
	})
	_, err := c.ListUsers(context.Background(), &awsiam.ListUsersInput{})
	var ae smithy.APIError
	if err != nil && (!errors.As(err, &ae) || ae.ErrorCode() != "NotImplemented") {
		t.Fatalf("ListUsers with %s: %v", keyID, err)
	}
}

func TestServeFirstStartAndRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	srv := startServe(t, "--data-dir", dir)

	credsPath := filepath.Join(dir, "root.credentials")
	fi, err := os.Stat(credsPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("root.credentials mode %04o, want 0600", fi.Mode().Perm())
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir: %v %v", fi.Mode(), err)
	}
	for _, name := range []string{"iamd.db", "iamd.db-wal", "master.key"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", name, fi.Mode().Perm())
		}
	}
	// The Go SDK reads the file as written (the README's snippet).
	sdkCfg, err := awsconfig.LoadDefaultConfig(t.Context(), awsconfig.WithRegion("us-east-1"),
		awsconfig.WithSharedCredentialsFiles([]string{credsPath}), awsconfig.WithSharedConfigFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	if creds, err := sdkCfg.Credentials.Retrieve(t.Context()); err != nil || creds.Source != "SharedConfigCredentials: "+credsPath {
		t.Errorf("the Go SDK read %+v, %v", creds, err)
	}
	first, err := os.ReadFile(credsPath)
	if err != nil {
		t.Fatal(err)
	}
	keyID, secretKey, err := readCredentialsFile(credsPath)
	if err != nil {
		t.Fatal(err)
	}
	account, _ := srv.logged("listening")["account"].(string)
	if len(account) != 12 || !strings.Contains(string(first), "[default]\naws_access_key_id = "+keyID+"\naws_secret_access_key = "+secretKey+"\n") {
		t.Fatalf("account %q, root.credentials:\n%s", account, first)
	}
	hint, _ := srv.logged("try: AWS_SHARED_CREDENTIALS_FILE=" + credsPath + " AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url http://" + srv.addr + " iam list-users")["msg"].(string)
	if hint == "" {
		t.Errorf("no hint line:\n%s", srv.stderr)
	}
	if strings.Contains(srv.stderr.String(), secretKey) {
		t.Error("the log contains the root secret")
	}
	checkKey(t, srv.addr, keyID, secretKey)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + srv.addr + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	if code := srv.stop(t); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, srv.stderr)
	}
	if srv.logged("stopped") == nil {
		t.Errorf("no graceful stop logged:\n%s", srv.stderr)
	}

	// Restart: same account, same key, file untouched.
	again := startServe(t, "--data-dir", dir)
	if got, _ := again.logged("listening")["account"].(string); got != account {
		t.Errorf("restart: account %s, want %s", got, account)
	}
	if again.logged("root credentials written") != nil || again.logged("account created") != nil {
		t.Errorf("restart created something:\n%s", again.stderr)
	}
	if now, _ := os.ReadFile(credsPath); !bytes.Equal(now, first) {
		t.Errorf("root.credentials changed:\n%s", now)
	}
	checkKey(t, again.addr, keyID, secretKey)

	// An account created next to the running server is served at once.
	var out, errOut bytes.Buffer
	if code := run([]string{"admin", "account", "create", "--data-dir", dir, "--account-id", "210987654321"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("admin account create: %d %s", code, errOut.String())
	}
	otherPath := filepath.Join(dir, "root-210987654321.credentials")
	otherKey, otherSecret, err := readCredentialsFile(otherPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(otherPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v %v", otherPath, fi.Mode(), err)
	}
	if !strings.HasPrefix(out.String(), "Created account 210987654321.") || !strings.Contains(out.String(), "aws_secret_access_key = "+otherSecret+"\n") {
		t.Errorf("admin output:\n%s", out.String())
	}
	checkKey(t, again.addr, otherKey, otherSecret)

	// A second create of the same account is refused.
	out.Reset()
	errOut.Reset()
	if code := run([]string{"admin", "account", "create", "--data-dir", dir, "--account-id", "210987654321"}, nil, &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), "account 210987654321 already exists") {
		t.Errorf("second create: %d %s", code, errOut.String())
	}

	// A configured account that does not own root.credentials is an error.
	again.stop(t)
	var serr syncBuffer
	if code := run([]string{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--account-id", "210987654321"}, nil, &syncBuffer{}, &serr); code != 2 ||
		!strings.Contains(serr.String(), "holds the root key of account "+account+", but the configured account is 210987654321") {
		t.Errorf("mismatched account: %d %s", code, serr.String())
	}
}

func TestServeRootKeyFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	const keyID, secretKey = "AKIAENVIRONMENTKEY01", "environment/secret+key0123456789"
	t.Setenv("IAMD_ROOT_ACCESS_KEY_ID", keyID)
	t.Setenv("IAMD_ROOT_SECRET_ACCESS_KEY", secretKey)
	t.Setenv("IAMD_ACCOUNT_ID", "111122223333")
	srv := startServe(t, "--data-dir", dir)
	if got, _ := srv.logged("listening")["account"].(string); got != "111122223333" {
		t.Errorf("account %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "root.credentials")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("root.credentials written with a configured key: %v", err)
	}
	checkKey(t, srv.addr, keyID, secretKey)
	srv.stop(t)

	// Restart without the account: the stored key names it.
	t.Setenv("IAMD_ACCOUNT_ID", "")
	again := startServe(t, "--data-dir", dir)
	if got, _ := again.logged("listening")["account"].(string); got != "111122223333" {
		t.Errorf("restart: account %q", got)
	}
}

func TestServeStopsWhenContextEnds(t *testing.T) {
	dir := t.TempDir()
	var stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	root := newRootCmd(strings.NewReader(""), &syncBuffer{}, &stderr)
	root.SetArgs([]string{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--account-id", "444455556666"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "msg=listening") {
		if time.Now().After(deadline) {
			t.Fatalf("not listening:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "account=444455556666") {
		t.Errorf("log:\n%s", stderr.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(stderr.String(), "msg=stopped") {
		t.Errorf("log:\n%s", stderr.String())
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	for range 2 { // idempotent
		var out, errOut bytes.Buffer
		if code := run([]string{"migrate", "--data-dir", dir}, nil, &out, &errOut); code != 0 {
			t.Fatalf("migrate: %d %s", code, errOut.String())
		}
		if want := filepath.Join(dir, "iamd.db") + ": schema up to date\n"; out.String() != want {
			t.Fatalf("output %q, want %q", out.String(), want)
		}
	}
	// migrate needs no master key: it reads no secret.
	if _, err := os.Stat(filepath.Join(dir, "master.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("master.key: %v", err)
	}
}

func TestDialAddr(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080":  "127.0.0.1:8080",
		"0.0.0.0:8080":    "127.0.0.1:8080",
		"[::]:9000":       "127.0.0.1:9000",
		"iamd.local:8080": "iamd.local:8080",
		"[::1]:8080":      "[::1]:8080",
	} {
		if got := dialAddr(in); got != want {
			t.Errorf("dialAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
