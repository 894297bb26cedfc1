package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// BenchmarkAppendAuditEvents is the audit writer's work per event: groups
// of n check-API-like events (ARNs, a deciding statement) appended in one
// transaction committed without waiting for its fsync (TxDeferSync).
//
//	go test ./internal/store/sqlite -run '^$' -bench AppendAuditEvents
func BenchmarkAppendAuditEvents(b *testing.B) {
	for _, n := range []int{8, 64} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			st, err := Open(b.Context(), filepath.Join(b.TempDir(), "iamd.db"), Options{Migrate: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			ctx := b.Context()
			events := make([]store.AuditEvent, n)
			seq := 0
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for i := range events {
					seq++
					events[i] = store.AuditEvent{ID: fmt.Sprintf("%016x%08x0123456789ab", seq, seq), Time: time.Now(), RequestID: fmt.Sprintf("REQ%029d", seq),
						AccountID: "123456789012", PrincipalARN: fmt.Sprintf("arn:aws:iam::123456789012:user/u%d", seq%2), AccessKeyID: "AKIAEXAMPLEKEY000001",
						SourceIP: "127.0.0.1", UserAgent: "authzclient/1 Go-http-client/1.1", Service: "s3", Region: "us-east-1", Action: "s3:GetObject",
						Resources: []string{fmt.Sprintf("arn:aws:s3:::bucket-1-1/obj-%d", seq)}, Decision: store.AuditAllow,
						Statements: []store.AuditStatement{{Policy: "arn:aws:iam::123456789012:group/team-1/p1", Index: 0, Effect: "Allow", Type: "identity"}}, Status: 200}
				}
				if _, err := st.TxDeferSync(ctx, func(tx store.Txn) error { return tx.AppendAuditEvents(ctx, events) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
		})
	}
}
