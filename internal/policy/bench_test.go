package policy_test

// Benchmarks on the shared workloads (/work/shared/bench/workloads, found
// from the module root as ../shared/bench/workloads). Every benchmark first
// asserts the workload's expected decisions, so a fast wrong engine fails
// instead of reporting a number. The workloads are absent in a user's
// checkout: the benchmarks then skip with a message.
//
//	go test ./internal/policy/ -run '^$' -bench . -benchmem

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/policy"
)

type workloadRequest struct {
	Name      string              `json:"name"`
	Principal string              `json:"principal"`
	Action    string              `json:"action"`
	Resource  string              `json:"resource"`
	Context   map[string][]string `json:"context"`
	Expect    string              `json:"expect"`
}

type workload struct {
	name     string
	docs     map[string][]byte // file name → document
	set      *policy.Set
	prepared *policy.Prepared
	requests []workloadRequest
	reqs     []*policy.Request
}

// workloadDir finds ../shared/bench/workloads relative to the module root.
func workloadDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("module root not found")
		}
		dir = parent
	}
	wd := filepath.Join(dir, "..", "shared", "bench", "workloads")
	if _, err := os.Stat(wd); err != nil {
		tb.Skipf("shared workloads not available (%s): %v", wd, err)
	}
	return wd
}

func loadWorkload(tb testing.TB, name string) *workload {
	tb.Helper()
	dir := filepath.Join(workloadDir(tb), name)
	w := &workload{name: name, docs: map[string][]byte{}, set: &policy.Set{}}
	files, err := filepath.Glob(filepath.Join(dir, "policies", "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no policies in %s: %v", dir, err)
	}
	sort.Strings(files)
	for _, f := range files {
		doc, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		w.docs[filepath.Base(f)] = doc
		p, err := policy.Parse(policy.KindIdentity, doc)
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		c, err := policy.Compile(filepath.Base(f), policy.KindIdentity, p)
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		w.set.Identity = append(w.set.Identity, c)
	}
	w.prepared = w.set.Prepare()
	raw, err := os.ReadFile(filepath.Join(dir, "requests.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(raw, &w.requests); err != nil {
		tb.Fatalf("requests.json: %v", err)
	}
	for _, r := range w.requests {
		w.reqs = append(w.reqs, workloadToRequest(tb, r))
	}
	return w
}

// workloadToRequest turns a workload request (a user principal ARN) into
// an engine request; the time is the request's aws:CurrentTime.
func workloadToRequest(tb testing.TB, r workloadRequest) *policy.Request {
	tb.Helper()
	parts := strings.SplitN(r.Principal, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "user/") {
		tb.Fatalf("%s: principal %q is not a user ARN", r.Name, r.Principal)
	}
	name := parts[5][strings.LastIndexByte(parts[5], '/')+1:]
	ctx := policy.NewContext()
	keys := make([]string, 0, len(r.Context))
	for k := range r.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var t time.Time
	for _, k := range keys {
		ctx.Set(k, r.Context[k]...)
		if strings.EqualFold(k, "aws:CurrentTime") && len(r.Context[k]) == 1 {
			var err error
			if t, err = time.Parse(time.RFC3339, r.Context[k][0]); err != nil {
				tb.Fatalf("%s: aws:CurrentTime: %v", r.Name, err)
			}
		}
	}
	return &policy.Request{
		Principal: policy.Principal{
			Type: policy.PrincipalUser, ARN: r.Principal, Account: parts[4],
			Username: name, UserID: "AIDA" + strings.ToUpper(name) + "EXAMPLE0000",
		},
		Action:   r.Action,
		Resource: r.Resource,
		Context:  ctx,
		Time:     t,
	}
}

// checkWorkload asserts every expected decision, from the plain Set and
// from the Prepared set, and that both explain it the same way.
func checkWorkload(tb testing.TB, w *workload) {
	tb.Helper()
	var res, pres policy.Result
	for i, r := range w.requests {
		w.set.Evaluate(w.reqs[i], &res)
		if got := res.Decision.String(); got != r.Expect {
			tb.Fatalf("%s/%s: decision %s, want %s (matched %+v, denied by %v)", w.name, r.Name, got, r.Expect, res.Matched, res.DeniedBy)
		}
		w.prepared.Evaluate(w.reqs[i], &pres)
		if pres.Decision != res.Decision || pres.DeniedBy != res.DeniedBy || !slices.Equal(pres.Matched, res.Matched) {
			tb.Fatalf("%s/%s: prepared set gives %v %v %+v, plain set %v %v %+v", w.name, r.Name,
				pres.Decision, pres.DeniedBy, pres.Matched, res.Decision, res.DeniedBy, res.Matched)
		}
	}
}

// evaluator is the entry point a benchmark times.
type evaluator interface {
	Evaluate(*policy.Request, *policy.Result)
}

func (w *workload) engines() []struct {
	name string
	ev   evaluator
} {
	return []struct {
		name string
		ev   evaluator
	}{{"set", w.set}, {"prepared", w.prepared}}
}

// threadCPU measures the CPU time of the benchmark's OS thread, so that a
// figure taken on a busy machine counts this loop's work and not the time
// other processes held the core (ns/op is wall time). Linux only; elsewhere
// nothing is reported.
type threadCPU struct {
	start time.Duration
	ok    bool
}

func threadTime() (time.Duration, bool) {
	if runtime.GOOS != "linux" {
		return 0, false
	}
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

func startThreadCPU() threadCPU {
	runtime.LockOSThread()
	t, ok := threadTime()
	return threadCPU{start: t, ok: ok}
}

func (c threadCPU) report(b *testing.B) {
	defer runtime.UnlockOSThread()
	end, ok := threadTime()
	if c.ok && ok && b.N > 0 {
		b.ReportMetric(float64(end-c.start)/float64(b.N), "cpu-ns/op")
	}
}

var workloadNames = []string{"W1-simple", "W2-realistic", "W3-large"}

func TestWorkloadDecisions(t *testing.T) {
	for _, name := range workloadNames {
		t.Run(name, func(t *testing.T) {
			checkWorkload(t, loadWorkload(t, name))
		})
	}
}

func BenchmarkEvaluate(b *testing.B) {
	for _, name := range workloadNames {
		w := loadWorkload(b, name)
		checkWorkload(b, w)
		for _, eng := range w.engines() {
			for i, r := range w.requests {
				req := w.reqs[i]
				b.Run(fmt.Sprintf("%s/%s/%s", name, eng.name, r.Name), func(b *testing.B) {
					var res policy.Result
					eng.ev.Evaluate(req, &res) // warm the caches and the result's buffers
					b.ReportAllocs()
					cpu := startThreadCPU()
					b.ResetTimer()
					for b.Loop() {
						eng.ev.Evaluate(req, &res)
					}
					cpu.report(b)
				})
			}
		}
	}
}

// BenchmarkEvaluateLatency records the latency of each decision over a
// bounded loop and reports p50 and p99 (ns), so the tail can be compared
// with the median.
func BenchmarkEvaluateLatency(b *testing.B) {
	const samples = 20000
	for _, name := range workloadNames {
		w := loadWorkload(b, name)
		checkWorkload(b, w)
		for i, r := range w.requests {
			req := w.reqs[i]
			b.Run(fmt.Sprintf("%s/prepared/%s", name, r.Name), func(b *testing.B) {
				var res policy.Result
				w.prepared.Evaluate(req, &res)
				lat := make([]time.Duration, samples)
				// Start from a collected heap: the garbage of loading and
				// compiling the workload must not trigger a GC cycle (and
				// its write barriers) in the middle of the samples.
				runtime.GC()
				// Each sample times a small batch: a single fast decision is
				// close to the timer's resolution.
				const batch = 16
				for b.Loop() {
					for s := range lat {
						start := time.Now()
						for range batch {
							w.prepared.Evaluate(req, &res)
						}
						lat[s] = time.Since(start) / batch
					}
				}
				slices.Sort(lat)
				p50, p99 := lat[samples/2], lat[samples*99/100]
				b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
				b.ReportMetric(float64(p99)/float64(p50), "p99/p50")
			})
		}
	}
}

// BenchmarkCompile times Compile alone (the documents parsed once), the
// step run when a policy is stored; BenchmarkParseCompile adds Parse.
func BenchmarkCompile(b *testing.B) {
	for _, name := range workloadNames {
		w := loadWorkload(b, name)
		names := make([]string, 0, len(w.docs))
		for n := range w.docs {
			names = append(names, n)
		}
		sort.Strings(names)
		parsed := make([]*policy.Policy, len(names))
		for i, n := range names {
			p, err := policy.Parse(policy.KindIdentity, w.docs[n])
			if err != nil {
				b.Fatal(err)
			}
			parsed[i] = p
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := startThreadCPU()
			for b.Loop() {
				for i, n := range names {
					if _, err := policy.Compile(n, policy.KindIdentity, parsed[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
			cpu.report(b)
		})
	}
}

func BenchmarkParseCompile(b *testing.B) {
	for _, name := range workloadNames {
		w := loadWorkload(b, name)
		names := make([]string, 0, len(w.docs))
		for n := range w.docs {
			names = append(names, n)
		}
		sort.Strings(names)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := startThreadCPU()
			for b.Loop() {
				for _, n := range names {
					p, err := policy.Parse(policy.KindIdentity, w.docs[n])
					if err != nil {
						b.Fatal(err)
					}
					if _, err := policy.Compile(n, policy.KindIdentity, p); err != nil {
						b.Fatal(err)
					}
				}
			}
			cpu.report(b)
		})
	}
}
