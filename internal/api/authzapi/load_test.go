package authzapi_test

// The load test of the check API (docs/performance.md): a real server
// (server.New on SQLite, production logging) on a loopback listener, and N
// workers with keep-alive connections asking through authzclient. It runs
// only when asked:
//
//	go test ./internal/api/authzapi/ -run TestLoad -count=1 -v -authz.load=10s -authz.workers=32 -authz.mode=arn
//
// and is bounded by -authz.load (at most 2 minutes) and -authz.max checks.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/authzclient"
	"github.com/iamd/iamd/internal/api/authzapi"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/secret"
	"github.com/iamd/iamd/internal/server"
	"github.com/iamd/iamd/internal/store/sqlite"
)

var (
	loadFor     = flag.Duration("authz.load", 0, "run TestLoad for this long (0: skip; at most 2m)")
	loadWorkers = flag.Int("authz.workers", 32, "TestLoad: concurrent workers, each with its own keep-alive connection")
	loadMode    = flag.String("authz.mode", "arn", "TestLoad: arn (principal by ARN), forwarded (SigV4 elements of S3 requests) or batch (10 checks per call)")
	loadMax     = flag.Int("authz.max", 5_000_000, "TestLoad: stop after this many calls")
	loadAudit   = flag.Bool("authz.audit", true, "TestLoad: the whole server, audit trail included; false serves the check API alone (the decision path without the durable audit write)")
	loadProfile = flag.String("authz.cpuprofile", "", "TestLoad: write a CPU profile of the run here")
)

// loadServer is iamd as `iamd serve` assembles it, on a loopback listener.
type loadServer struct {
	url        string
	rootKey    string
	rootSecret string
	account    string
}

func startLoadServer(t *testing.T) *loadServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamd.db"), sqlite.Options{Migrate: true, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mk := make([]byte, secret.KeySize)
	if _, err := io.ReadFull(rand.Reader, mk); err != nil {
		t.Fatal(err)
	}
	sealer, err := secret.NewSealer(rand.Reader, mk)
	if err != nil {
		t.Fatal(err)
	}
	// Production logging: info level (denials are logged), JSON.
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := server.New(ctx, server.Config{Store: st, Sealer: sealer, Now: time.Now, Rand: rand.Reader, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	var handler http.Handler = srv
	if !*loadAudit {
		// The check API as the server builds it, without the audit
		// wrapper; the rest of the server (the IAM API, for the set-up)
		// stays.
		src := authz.NewStoreSource(st)
		az, err := authz.New(authz.Config{Policies: src, Resolver: src, KeyAges: src, Now: time.Now, Logger: log,
			Revisions: authz.WatchRevisions(ctx, src, st, 0, log)})
		if err != nil {
			t.Fatal(err)
		}
		check, err := authzapi.New(authzapi.Config{IAM: srv.IAM, Authz: az, Now: time.Now, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle(authzapi.PathPrefix, check)
		mux.Handle("/", srv)
		handler = mux
	}
	const acct = "123456789012"
	key, err := iam.NewAccessKeyID(rand.Reader, iam.PrefixAccessKey, acct)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := iam.NewSecretAccessKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.IAM.EnsureAccount(ctx, acct, key, sec); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return &loadServer{url: "http://" + ln.Addr().String(), rootKey: key, rootSecret: sec, account: acct}
}

// cpuTime is the process's user and system CPU time so far: the machine
// is shared, so the CPU a call costs says more than wall-clock rates.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestLoad drives the check API and reports checks/s and the latency
// distribution.
func TestLoad(t *testing.T) {
	if *loadFor <= 0 {
		t.Skip("load test: run with -authz.load=10s (see docs/performance.md)")
	}
	dur := min(*loadFor, 2*time.Minute)
	ls := startLoadServer(t)
	ctx := t.Context()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *loadWorkers, MaxConnsPerHost: *loadWorkers, DisableCompression: true}}
	cfg := aws.Config{Region: "us-east-1", HTTPClient: hc, Credentials: credentials.NewStaticCredentialsProvider(ls.rootKey, ls.rootSecret, ""),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} }}
	root := awsiam.NewFromConfig(cfg, func(o *awsiam.Options) { o.BaseEndpoint = aws.String(ls.url) })

	// The workload: a user in three groups (W2-like: 10 policies, wildcards
	// and conditions), asked about by a service user allowed iamd:Authorize.
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("reader")}))
	must(root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("gateway")}))
	must(root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("gateway"), PolicyName: aws.String("authorize"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}}`)}))
	for g := range 3 {
		name := fmt.Sprintf("team-%d", g)
		must(root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String(name)}))
		must(root.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String(name), UserName: aws.String("reader")}))
		for p := range 3 {
			must(root.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String(name), PolicyName: aws.String(fmt.Sprintf("p%d", p)),
				PolicyDocument: aws.String(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"arn:aws:s3:::bucket-%d-%d/*"},
				{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::bucket-%d-%d/${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
				{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::bucket-%d-%d/secret/*"},
				{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:*:*:queue-%d-%d"},
				{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"t%d"}}}]}`,
					g, p, g, p, g, p, g, p, g)),
			}))
		}
	}
	must(root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("own"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}}`)}))
	gk, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("gateway")})
	if err != nil {
		t.Fatal(err)
	}
	rk, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	client, err := authzclient.New(ls.url, credentials.NewStaticCredentialsProvider(*gk.AccessKey.AccessKeyId, *gk.AccessKey.SecretAccessKey, ""),
		authzclient.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	reader := "arn:aws:iam::" + ls.account + ":user/reader"

	// What each call asks, prepared before the clock starts.
	const variety = 256
	type call struct {
		one   *authzclient.CheckRequest
		batch *authzclient.BatchRequest
		allow int // checks expected allowed
	}
	calls := make([]call, variety)
	for i := range calls {
		res := fmt.Sprintf("arn:aws:s3:::bucket-%d-%d/obj-%d", i%3, i%3, i)
		allowed := i%4 != 0
		if !allowed {
			res = fmt.Sprintf("arn:aws:s3:::bucket-%d-%d/secret/%d", i%3, i%3, i)
		}
		chk := authzclient.Check{Action: "s3:GetObject", Resource: res, Context: map[string][]string{"aws:SourceIp": {"10.1.2.3"}}}
		switch *loadMode {
		case "arn":
			calls[i] = call{one: &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: reader}, Check: chk}}
		case "forwarded":
			// An S3 GET as the reader signed it.
			r, _ := http.NewRequest("GET", fmt.Sprintf("http://s3.local:9000/bucket-%d-%d/obj-%d", i%3, i%3, i), nil)
			sum := sha256.Sum256(nil)
			r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
			if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: *rk.AccessKey.AccessKeyId, SecretAccessKey: *rk.AccessKey.SecretAccessKey},
				r, hex.EncodeToString(sum[:]), "s3", "us-east-1", time.Now(), func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
				t.Fatal(err)
			}
			fw := authzclient.ForwardedRequest(r, "")
			fw.Headers["Host"] = []string{r.URL.Host}
			calls[i] = call{one: &authzclient.CheckRequest{Request: fw, Check: chk}}
		case "batch":
			b := &authzclient.BatchRequest{Principal: &authzclient.Principal{ARN: reader}, Context: chk.Context}
			for j := range 10 {
				b.Checks = append(b.Checks, authzclient.Check{Action: "s3:GetObject", Resource: fmt.Sprintf("%s-%d", res, j)})
			}
			calls[i] = call{batch: b}
		default:
			t.Fatalf("unknown -authz.mode %q", *loadMode)
		}
		if allowed {
			calls[i].allow = 1
			if *loadMode == "batch" {
				calls[i].allow = 10
			}
		}
	}
	ask := func(c call) (int, error) {
		if c.batch != nil {
			out, err := client.CheckBatch(ctx, c.batch)
			if err != nil {
				return 0, err
			}
			n := 0
			for _, r := range out.Results {
				if r.Allowed {
					n++
				}
			}
			return n, nil
		}
		out, err := client.Check(ctx, c.one)
		if err != nil {
			return 0, err
		}
		if out.Allowed {
			return 1, nil
		}
		return 0, nil
	}
	// Warm up: every call once, with its answer checked (a fast wrong
	// answer must fail, not count).
	for _, c := range calls {
		n, err := ask(c)
		if err != nil || n != c.allow {
			t.Fatalf("warm-up: %d allowed, want %d (%v)", n, c.allow, err)
		}
	}

	if *loadProfile != "" {
		f, err := os.Create(*loadProfile)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	var (
		issued  atomic.Int64
		failed  atomic.Int64
		wg      sync.WaitGroup
		mu      sync.Mutex
		samples []time.Duration
	)
	runtime.GC()
	cpu0 := cpuTime(t)
	start := time.Now()
	deadline := start.Add(dur)
	for w := range *loadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			for i := w; ; i++ {
				if issued.Add(1) > int64(*loadMax) {
					break
				}
				t0 := time.Now()
				if t0.After(deadline) {
					break
				}
				c := calls[i%variety]
				n, err := ask(c)
				lat = append(lat, time.Since(t0))
				if err != nil || n != c.allow {
					if failed.Add(1) == 1 {
						t.Errorf("call: %d allowed, want %d (%v)", n, c.allow, err)
					}
				}
			}
			mu.Lock()
			samples = append(samples, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime(t) - cpu0
	slices.Sort(samples)
	q := func(p float64) time.Duration { return samples[min(len(samples)-1, int(p*float64(len(samples))))] }
	per := 1
	if *loadMode == "batch" {
		per = 10
	}
	t.Logf("audit=%v mode=%s workers=%d GOMAXPROCS=%d calls=%d in %v: %.0f calls/s, %.0f checks/s; latency p50=%v p90=%v p99=%v p99.9=%v max=%v; failed=%d; process CPU %.2f cores, %.1f µs per call (server and load generator)",
		*loadAudit, *loadMode, *loadWorkers, runtime.GOMAXPROCS(0), len(samples), elapsed.Round(time.Millisecond),
		float64(len(samples))/elapsed.Seconds(), float64(len(samples)*per)/elapsed.Seconds(),
		q(0.50).Round(time.Microsecond), q(0.90).Round(time.Microsecond), q(0.99).Round(time.Microsecond), q(0.999).Round(time.Microsecond),
		samples[len(samples)-1].Round(time.Microsecond), failed.Load(),
		cpu.Seconds()/elapsed.Seconds(), float64(cpu.Microseconds())/float64(len(samples)))
}
