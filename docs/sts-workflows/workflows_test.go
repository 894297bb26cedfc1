// Package workflows runs the STS workflow scripts of this directory, as
// written, against the real iamd binary started as a user would start it
// (`iamd serve` on a fresh data directory, the root credentials it writes).
package workflows

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
	"testing"
	"time"
)

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestWorkflowScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("workflows: skipped in -short mode")
	}
	for _, tool := range []string{"bash", "aws", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("workflows: %s is not installed (the scripts need bash, the aws CLI and python3)", tool)
		}
	}
	scripts, err := filepath.Glob("*.sh")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	tmp := t.TempDir()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(tmp, "bin", "iamd")
	if out, err := exec.Command(goTool, "build", "-o", bin, "github.com/iamd/iamd/cmd/iamd").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/iamd: %v\n%s", err, out)
	}
	dataDir := filepath.Join(tmp, "data")

	srv := exec.Command(bin, "serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0", "--log-format", "json")
	srv.Env = awsFree(os.Environ())
	stderr, err := srv.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	var serverLog lockedBuffer
	addr := make(chan string, 1)
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			serverLog.Write(append(sc.Bytes(), '\n'))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
		exited <- srv.Wait()
	}()
	t.Cleanup(func() {
		srv.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("server log:\n%s", serverLog.String())
		}
	})
	var endpoint string
	select {
	case a := <-addr:
		endpoint = "http://" + a
	case err := <-exited:
		t.Fatalf("iamd serve exited: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("iamd serve did not start listening")
	}

	env := append(awsFree(os.Environ()),
		"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"IAMD="+bin,
		"IAMD_DATA_DIR="+dataDir,
		"AWS_ENDPOINT_URL="+endpoint,
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dataDir, "root.credentials"),
		"AWS_CONFIG_FILE="+os.DevNull,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	for _, script := range scripts {
		t.Run(strings.TrimSuffix(script, ".sh"), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", script)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			t.Logf("%s:\n%s", script, out)
			if err != nil {
				t.Fatalf("%s: %v", script, err)
			}
		})
	}
}

// awsFree is env without the caller's AWS settings.
func awsFree(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}
