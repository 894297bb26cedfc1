// Package iamdtest runs the real iamd binary for end-to-end tests, as a
// user would: `go build ./cmd/iamd`, then `iamd serve` on a data directory
// with a JSON log, the address and account read from its "listening" line.
//
//	bin := iamdtest.Build(t, t.TempDir())
//	srv := iamdtest.Start(t, bin, dataDir, nil)
//	// srv.Endpoint, srv.AccountID; dataDir/root.credentials
//
// The server is killed by t.Cleanup (unless stopped), which also prints its
// log when the test failed.
package iamdtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
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

// startTimeout bounds the wait for the "listening" line and for the exit
// after SIGTERM.
const startTimeout = 30 * time.Second

// Build compiles cmd/iamd into dir and returns the binary's path
// (dir/iamd).
func Build(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "iamd")
	if out, err := exec.Command(goTool, "build", "-o", bin, "github.com/iamd/iamd/cmd/iamd").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/iamd: %v\n%s", err, out)
	}
	return bin
}

// Server is a running `iamd serve`.
type Server struct {
	// Endpoint is the server's URL (http://127.0.0.1:port).
	Endpoint string
	// AccountID is the account the server created or found at start.
	AccountID string

	cmd    *exec.Cmd
	exited chan error // receives the process's exit once
	// stopped: the exit was received (by Start or Stop), so that the
	// cleanup neither kills nor waits again.
	stopped bool
	log     syncBuffer
}

// Start runs `bin serve` on dataDir, listening on a free loopback port, with
// env as its environment (nil: this process's), and waits until it listens.
// A server that exits or does not listen within 30 s fails the test.
func Start(t *testing.T, bin, dataDir string, env []string) *Server {
	t.Helper()
	s := &Server{exited: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0", "--log-format", "json")
	s.cmd.Env = env
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type listening struct{ addr, account string }
	ready := make(chan listening, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			s.log.Write(append(line, '\n'))
			var rec struct{ Msg, Addr, Account string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				select {
				case ready <- listening{rec.Addr, rec.Account}:
				default:
				}
			}
		}
		s.exited <- s.cmd.Wait()
	}()
	t.Cleanup(func() {
		if !s.stopped {
			s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	select {
	case l := <-ready:
		s.Endpoint, s.AccountID = "http://"+l.addr, l.account
	case err := <-s.exited:
		s.stopped = true
		t.Fatalf("iamd serve exited: %v\n%s", err, s.log.String())
	case <-time.After(startTimeout):
		t.Fatal("iamd serve did not start listening")
	}
	return s
}

// errNoStop is Stop's answer when the server outlives SIGTERM by 30 s.
var errNoStop = errors.New("iamd serve did not stop on SIGTERM")

// Stop sends SIGTERM and waits for the exit: nil for a graceful stop with
// status 0, the exit error otherwise, errNoStop when the server does not
// stop within 30 s (the cleanup then kills it).
func (s *Server) Stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-s.exited:
		s.stopped = true
		return err
	case <-time.After(startTimeout):
		return errNoStop
	}
}

// Log is what the server has logged so far.
func (s *Server) Log() string { return s.log.String() }

// AWSFree is env without the caller's AWS_* settings, so that only the
// settings a test adds (the server's root credentials) are used.
func AWSFree(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}

// DevNullConfig is the AWS settings that keep SDKs and the aws CLI off any
// shared config and instance metadata, with credentialsFile as the shared
// credentials file.
func DevNullConfig(credentialsFile string) []string {
	return []string{
		"AWS_SHARED_CREDENTIALS_FILE=" + credentialsFile,
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
	}
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
