// Package e2e runs workflow.py (boto3 and the aws CLI) against the real
// iamd binary, started as a user would start it: `iamd serve` on a fresh data
// directory, with the root credentials it writes.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// tools returns python3, or skips the test when python3 or boto3 is
// missing; cli reports whether the aws CLI is installed.
func tools(t *testing.T) (python string, cli bool) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("e2e: python3 not found on PATH; install python3 and boto3 (pip install boto3 awscli) to run the end-to-end workflow")
	}
	if out, err := exec.Command(python, "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("e2e: boto3 is not importable (%v: %s); pip install boto3 awscli to run the end-to-end workflow", err, bytes.TrimSpace(out))
	}
	_, err = exec.LookPath("aws")
	return python, err == nil
}

// buildIamd compiles cmd/iamd into dir.
func buildIamd(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "iamd")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/iamd/iamd/cmd/iamd")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/iamd: %v\n%s", err, out)
	}
	return bin
}

// scriptEnv is the environment without the caller's AWS settings, so that
// only the server's root credentials are used.
func scriptEnv(credsFile string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_SHARED_CREDENTIALS_FILE="+credsFile,
		"AWS_CONFIG_FILE="+os.DevNull,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"PYTHONUNBUFFERED=1",
	)
}

// syncBuffer collects the server's log from the reading goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("e2e: skipped in -short mode")
	}
	python, cli := tools(t)
	tmp := t.TempDir()
	bin := buildIamd(t, tmp)
	dataDir := filepath.Join(tmp, "data")

	srv := exec.Command(bin, "serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0", "--log-format", "json")
	stderr, err := srv.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var serverLog syncBuffer
	addr, account := make(chan string, 1), make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			serverLog.Write(append(line, '\n'))
			var rec struct{ Msg, Addr, Account string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
				account <- rec.Account
			}
		}
		exited <- srv.Wait()
	}()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			srv.Process.Kill()
			<-exited
		}
	})

	var endpoint, accountID string
	select {
	case a := <-addr:
		endpoint, accountID = "http://"+a, <-account
	case err := <-exited:
		stopped = true
		t.Fatalf("iamd serve exited: %v\n%s", err, serverLog.String())
	case <-time.After(30 * time.Second):
		t.Fatal("iamd serve did not start listening")
	}

	args := []string{"workflow.py", "--endpoint", endpoint, "--account-id", accountID}
	if !cli {
		t.Log("e2e: the aws CLI is not installed: its steps are skipped (pip install awscli)")
		args = append(args, "--no-cli")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	script := exec.CommandContext(ctx, python, args...)
	script.Env = scriptEnv(filepath.Join(dataDir, "root.credentials"))
	out, err := script.CombinedOutput()
	t.Logf("workflow.py against %s (account %s):\n%s", endpoint, accountID, out)
	if err != nil {
		t.Errorf("workflow.py: %v", err)
	}
	if !bytes.Contains(out, []byte("PASS sts-get-caller-identity")) && !bytes.Contains(out, []byte("PASS create-user")) {
		t.Errorf("the workflow passed no step at all")
	}

	// Graceful stop on SIGTERM, exit status 0.
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("iamd serve after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("iamd serve did not stop on SIGTERM")
	}
	if t.Failed() {
		t.Logf("server log:\n%s", serverLog.String())
	}
}
