// Package multinode runs several `iamd serve` processes on loopback against
// one PostgreSQL database (a schema of its own per test) and checks that they
// behave as one service: what one node writes, every node enforces.
package multinode

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/postgres/pgtest"
)

const accountID = "123456789012"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// iamdBinary builds cmd/iamd once per test binary.
func iamdBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "iamd-multinode-")
		if err != nil {
			buildErr = err
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		binPath = filepath.Join(dir, "iamd")
		out, err := exec.Command(goTool, "build", "-o", binPath, "github.com/iamd/iamd/cmd/iamd").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/iamd: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// cluster is n iamd processes sharing one database schema, the master key
// and the account's root key.
type cluster struct {
	nodes      []*node
	rootKeyID  string
	rootSecret string
}

type node struct {
	url  string
	cmd  *exec.Cmd
	logs *syncBuffer
}

// startCluster starts n nodes at the same time (they race to migrate the
// empty schema and to create the account) and waits until all listen.
func startCluster(t testing.TB, n int) *cluster {
	t.Helper()
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t)
	// Create the empty schema; the nodes migrate it.
	st, err := postgres.Open(t.Context(), dsn, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Skipf("IAMD_TEST_POSTGRES must be a postgres:// URL for the multi-node tests (got %q)", dsn)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()

	masterKey := make([]byte, 32)
	rand.Read(masterKey)
	keyID, err := iam.NewAccessKeyID(rand.Reader, "AKIA", accountID)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := iam.NewSecretAccessKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{rootKeyID: keyID, rootSecret: secret}
	bin := iamdBinary(t)
	var addrs []chan string
	env := append(os.Environ(),
		"IAMD_STORE="+u.String(),
		"IAMD_MASTER_KEY="+base64.StdEncoding.EncodeToString(masterKey),
		"IAMD_ACCOUNT_ID="+accountID,
		"IAMD_ROOT_ACCESS_KEY_ID="+keyID,
		"IAMD_ROOT_SECRET_ACCESS_KEY="+secret,
	)
	for i := range n {
		nd := &node{logs: &syncBuffer{}}
		nd.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--log-format", "json",
			"--data-dir", filepath.Join(t.TempDir(), fmt.Sprintf("node%d", i+1)))
		nd.cmd.Env = env
		stderr, err := nd.cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := nd.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				line := sc.Bytes()
				nd.logs.Write(append(append([]byte(nil), line...), '\n'))
				var rec struct {
					Msg  string `json:"msg"`
					Addr string `json:"addr"`
				}
				if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
					addr <- rec.Addr
				}
			}
			io.Copy(io.Discard, stderr)
		}()
		t.Cleanup(func() {
			nd.cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { nd.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				nd.cmd.Process.Kill()
				<-done
			}
			if t.Failed() {
				t.Logf("node %d log:\n%s", i+1, nd.logs.String())
			}
		})
		c.nodes = append(c.nodes, nd)
		addrs = append(addrs, addr)
	}
	// All nodes were started before any is waited for: they start together.
	for i, addr := range addrs {
		select {
		case a := <-addr:
			c.nodes[i].url = "http://" + a
		case <-time.After(30 * time.Second):
			t.Fatalf("node %d did not start listening:\n%s", i+1, c.nodes[i].logs.String())
		}
	}
	return c
}

// cfg is an SDK configuration for credentials, retries off so that every
// error is seen.
func cfg(keyID, secret, token string) aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, token),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// IAM is an IAM client of node i (0-based) with the given credentials
// (root when keyID is "").
func (c *cluster) IAM(i int, keyID, secret, token string) *awsiam.Client {
	if keyID == "" {
		keyID, secret = c.rootKeyID, c.rootSecret
	}
	return awsiam.NewFromConfig(cfg(keyID, secret, token), func(o *awsiam.Options) {
		o.BaseEndpoint = aws.String(c.nodes[i].url)
	})
}

// STS is an STS client of node i.
func (c *cluster) STS(i int, keyID, secret, token string) *sts.Client {
	return sts.NewFromConfig(cfg(keyID, secret, token), func(o *sts.Options) {
		o.BaseEndpoint = aws.String(c.nodes[i].url)
	})
}

// errorCode is the AWS error code of err ("" for nil).
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

// eventually polls check until it returns true, for at most bound; it
// returns how long that took.
func eventually(t testing.TB, bound time.Duration, what string, check func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if check() {
			return time.Since(start)
		}
		if time.Since(start) > bound {
			t.Fatalf("%s: not within %s", what, bound)
		}
		time.Sleep(time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// ctx is a bounded context for one call.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
