// Package e2e runs workflow.py (boto3 and the aws CLI) against the real
// iamd binary, started as a user would start it: `iamd serve` on a fresh data
// directory, with the root credentials it writes.
package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iamdtest"
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

// scriptEnv is the environment without the caller's AWS settings, so that
// only the server's root credentials are used.
func scriptEnv(credsFile string) []string {
	return append(append(iamdtest.AWSFree(os.Environ()), iamdtest.DevNullConfig(credsFile)...), "PYTHONUNBUFFERED=1")
}

func TestWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("e2e: skipped in -short mode")
	}
	python, cli := tools(t)
	tmp := t.TempDir()
	bin := iamdtest.Build(t, tmp)
	dataDir := filepath.Join(tmp, "data")
	srv := iamdtest.Start(t, bin, dataDir, nil)
	endpoint, accountID := srv.Endpoint, srv.AccountID

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
	if err := srv.Stop(); err != nil {
		t.Errorf("iamd serve after SIGTERM: %v", err)
	}
}
