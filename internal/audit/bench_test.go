package audit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/postgres"
	"github.com/iamd/iamd/internal/store/postgres/pgtest"
)

// BenchmarkRecord measures audited requests per second: b.N requests from
// 32 goroutines per CPU, each recording one event (with a decision and a
// deciding statement) and waiting for its commit. "grouped" is the
// Recorder as the server runs it; "commit-each" bounds each commit to one
// request, as a write per request would (the cost group commit avoids).
// SQLite commits with synchronous=FULL (an fsync per commit).
//
//	go test ./internal/audit -run '^$' -bench Record -benchtime 5s
func BenchmarkRecord(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, mode := range []struct {
			name     string
			maxBatch int
		}{{"grouped", 0}, {"commit-each", 1}} {
			b.Run(backend+"/"+mode.name, func(b *testing.B) {
				var st store.Store
				if backend == "postgres" {
					if testing.Short() {
						b.Skip("short")
					}
					st = pgtest.Open(b, postgres.Options{})
				} else {
					st = openStore(b)
				}
				r := newRecorder(b, audit.Config{Store: st, MaxBatch: mode.maxBatch})
				b.SetParallelism(32)
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						e := event(i)
						e.Resources = []string{"arn:aws:iam::" + acct + ":user/u" + fmt.Sprint(i)}
						e.Statements = []store.AuditStatement{{Policy: "arn:aws:iam::" + acct + ":policy/p", Sid: "Read", Index: 0, Effect: "Allow", Type: "identity"}}
						if err := r.Record(context.Background(), []store.AuditEvent{e}, audit.KeyUse{}); err != nil {
							b.Error(err)
							return
						}
						i++
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
