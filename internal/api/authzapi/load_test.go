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
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
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
	loadClient  = flag.String("authz.client", "inproc", "TestLoad: inproc (the load generator runs in the test process) or process (in a process of its own, so that the server's CPU is measured alone)")
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
	// Warm up through the Go client: every call once, with its answer
	// checked (a fast wrong answer must fail, not count).
	for _, c := range calls {
		n, err := ask(c)
		if err != nil || n != c.allow {
			t.Fatalf("warm-up: %d allowed, want %d (%v)", n, c.allow, err)
		}
	}
	// The measured calls are the same requests signed once, as they go on
	// the wire: SigV4 has no nonce, and a signature stays valid within the
	// server's clock skew (15 minutes; a run lasts at most 2), so the load
	// generator spends no CPU on JSON or signing during the run.
	work := loadWork{allow: make([]int, variety)}
	for i, c := range calls {
		var in any = c.one
		path := authzclient.PathCheck
		if c.batch != nil {
			in, path = c.batch, authzclient.PathBatch
		}
		work.reqs = append(work.reqs, signedWire(t, ls.url+path, in, *gk.AccessKey.AccessKeyId, *gk.AccessKey.SecretAccessKey))
		work.allow[i] = c.allow
	}
	per := 1
	if *loadMode == "batch" {
		per = 10
	}
	addr := strings.TrimPrefix(ls.url, "http://")

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
	runtime.GC()
	cpu0 := cpuTime(t)
	var res loadResult
	if *loadClient == "process" {
		res = runLoadProcess(t, addr, work)
	} else {
		res = runLoad(addr, work, *loadWorkers, dur, *loadMax)
	}
	cpu := cpuTime(t) - cpu0
	if res.FirstErr != "" {
		t.Errorf("%d failed calls; first: %s", res.Failed, res.FirstErr)
	}
	if res.Calls == 0 {
		t.Fatal("no calls")
	}
	elapsed := time.Duration(res.Elapsed)
	us := func(d int64) time.Duration { return time.Duration(d).Round(time.Microsecond) }
	cores := func(c time.Duration) float64 { return c.Seconds() / elapsed.Seconds() }
	perCall := func(c time.Duration) float64 { return float64(c.Microseconds()) / float64(res.Calls) }
	t.Logf("audit=%v mode=%s client=%s workers=%d GOMAXPROCS=%d calls=%d in %v: %.0f calls/s, %.0f checks/s; latency p50=%v p90=%v p99=%v p99.9=%v max=%v; failed=%d",
		*loadAudit, *loadMode, *loadClient, *loadWorkers, runtime.GOMAXPROCS(0), res.Calls, elapsed.Round(time.Millisecond),
		float64(res.Calls)/elapsed.Seconds(), float64(res.Calls*int64(per))/elapsed.Seconds(),
		us(res.P50), us(res.P90), us(res.P99), us(res.P999), us(res.Max), res.Failed)
	if *loadClient == "process" {
		client := time.Duration(res.CPU)
		t.Logf("CPU: server process %.2f cores, %.1f µs per call; load generator process %.2f cores, %.1f µs per call; together %.2f cores",
			cores(cpu), perCall(cpu), cores(client), perCall(client), cores(cpu+client))
	} else {
		t.Logf("CPU: process %.2f cores, %.1f µs per call (server and load generator)", cores(cpu), perCall(cpu))
	}
}

// loadWork is what the load generator sends: requests as they go on the
// wire, and how many checks each must find allowed.
type loadWork struct {
	reqs  [][]byte
	allow []int
}

// loadResult is a run's outcome (also the load generator process's report).
type loadResult struct {
	Calls, Failed            int64
	FirstErr                 string
	Elapsed                  int64 // ns
	P50, P90, P99, P999, Max int64 // ns
	CPU                      int64 // ns, the load generator process's (process mode)
}

// signedWire is the HTTP/1.1 request of a check as authzclient sends it,
// signed now with the asking service's key, in wire form.
func signedWire(t *testing.T, url string, in any, keyID, secretKey string) []byte {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secretKey},
		r, hex.EncodeToString(sum[:]), "iam", authzclient.DefaultRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// runLoad drives addr with workers connections for dur (or max calls):
// each worker writes a prepared request and reads the answer on its own
// keep-alive connection, with no allocation per call, and checks how many
// checks the answer allowed.
func runLoad(addr string, work loadWork, workers int, dur time.Duration, max int) loadResult {
	var (
		issued atomic.Int64
		failed atomic.Int64
		wg     sync.WaitGroup
		mu     sync.Mutex
		first  string
		lat    []time.Duration
	)
	fail := func(err error) {
		if failed.Add(1) == 1 {
			mu.Lock()
			first = err.Error()
			mu.Unlock()
		}
	}
	start := time.Now()
	deadline := start.Add(dur)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			samples := make([]time.Duration, 0, 1<<16)
			defer func() {
				mu.Lock()
				lat = append(lat, samples...)
				mu.Unlock()
			}()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				fail(err)
				return
			}
			defer conn.Close()
			rd := bufio.NewReaderSize(conn, 16<<10)
			body := make([]byte, 0, 16<<10)
			for i := w; ; i++ {
				if issued.Add(1) > int64(max) {
					break
				}
				t0 := time.Now()
				if t0.After(deadline) {
					break
				}
				k := i % len(work.reqs)
				if _, err := conn.Write(work.reqs[k]); err != nil {
					fail(err)
					return
				}
				status, b, err := readResponse(rd, body)
				body = b[:0]
				samples = append(samples, time.Since(t0))
				if err != nil {
					fail(err)
					return
				}
				if n := bytes.Count(b, allowedTrue); status != http.StatusOK || n != work.allow[k] {
					fail(fmt.Errorf("status %d, %d allowed, want %d: %.300s", status, n, work.allow[k], b))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	res := loadResult{Calls: int64(len(lat)), Failed: failed.Load(), FirstErr: first, Elapsed: int64(elapsed)}
	if len(lat) > 0 {
		q := func(p float64) int64 { return int64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) }
		res.P50, res.P90, res.P99, res.P999, res.Max = q(0.50), q(0.90), q(0.99), q(0.999), int64(lat[len(lat)-1])
	}
	return res
}

var allowedTrue = []byte(`"allowed":true`)

// readResponse reads one HTTP/1.1 response with a Content-Length (the
// check API always sends one) into buf.
func readResponse(rd *bufio.Reader, buf []byte) (int, []byte, error) {
	line, err := rd.ReadSlice('\n')
	if err != nil {
		return 0, buf, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, buf, fmt.Errorf("bad status line %q", line)
	}
	status := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	length := -1
	for {
		line, err = rd.ReadSlice('\n')
		if err != nil {
			return 0, buf, err
		}
		if len(line) <= 2 {
			break
		}
		const cl = "content-length:"
		if len(line) > len(cl) && strings.EqualFold(string(line[:len(cl)]), cl) {
			length = 0
			for _, c := range bytes.TrimSpace(line[len(cl):]) {
				length = length*10 + int(c-'0')
			}
		}
	}
	if length < 0 {
		return 0, buf, errors.New("response without Content-Length")
	}
	buf = slices.Grow(buf[:0], length)[:length]
	_, err = io.ReadFull(rd, buf)
	return status, buf, err
}

// runLoadProcess runs the load generator as a separate process (this test
// binary, TestLoadGenerator), so that the server's CPU and the load
// generator's are measured apart.
func runLoadProcess(t *testing.T, addr string, work loadWork) loadResult {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "work.gob"), filepath.Join(dir, "result.gob")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := gob.NewEncoder(f).Encode(work.wire()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadGenerator$", "-test.count=1",
		"-authz.genin="+in, "-authz.genout="+out, "-authz.genaddr="+addr,
		fmt.Sprintf("-authz.workers=%d", *loadWorkers), fmt.Sprintf("-authz.load=%v", *loadFor), fmt.Sprintf("-authz.max=%d", *loadMax))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// One P: the generator needs a fifth of a core, and a second P would
	// spin looking for work on the cores the server needs.
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	if err := cmd.Run(); err != nil {
		t.Fatalf("load generator process: %v", err)
	}
	var res loadResult
	f, err = os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := gob.NewDecoder(f).Decode(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

// loadWire is loadWork as gob encodes it.
type loadWire struct {
	Reqs  [][]byte
	Allow []int
}

func (w loadWork) wire() loadWire { return loadWire{Reqs: w.reqs, Allow: w.allow} }

var (
	genIn   = flag.String("authz.genin", "", "TestLoadGenerator (started by TestLoad -authz.client=process): the prepared requests")
	genOut  = flag.String("authz.genout", "", "TestLoadGenerator: where to write the result")
	genAddr = flag.String("authz.genaddr", "", "TestLoadGenerator: the server's address")
)

// TestLoadGenerator is the load generator process of TestLoad
// -authz.client=process; it skips unless started by it.
func TestLoadGenerator(t *testing.T) {
	if *genIn == "" || *genOut == "" || *genAddr == "" {
		t.Skip("started by TestLoad -authz.client=process")
	}
	f, err := os.Open(*genIn)
	if err != nil {
		t.Fatal(err)
	}
	var w loadWire
	err = gob.NewDecoder(f).Decode(&w)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	cpu0 := cpuTime(t)
	res := runLoad(*genAddr, loadWork{reqs: w.Reqs, allow: w.Allow}, *loadWorkers, min(*loadFor, 2*time.Minute), *loadMax)
	res.CPU = int64(cpuTime(t) - cpu0)
	out, err := os.Create(*genOut)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := gob.NewEncoder(out).Encode(res); err != nil {
		t.Fatal(err)
	}
}
