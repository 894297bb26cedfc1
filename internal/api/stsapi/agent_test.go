package stsapi_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/api/stsapi"
	"github.com/iamd/iamd/internal/server/servertest"
)

// TestAgentBoundsIMDSTokens: IMDS token requests need no credentials, so a
// local process looping on them must not grow the agent without bound; the
// bound frees up as tokens expire.
func TestAgentBoundsIMDSTokens(t *testing.T) {
	clock := servertest.NewClock(servertest.DefaultStart)
	a, err := stsapi.NewAgent(stsapi.AgentConfig{
		Fetch: func(context.Context) (stsapi.ContainerCredentials, error) {
			return stsapi.ContainerCredentials{}, errors.New("not used")
		},
		AuthToken: "local-secret", Now: clock.Now, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	put := func(ttl string) int {
		req := httptest.NewRequest(http.MethodPut, "/latest/api/token", nil)
		req.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", ttl)
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := range stsapi.MaxIMDSTokens {
		if st := put("60"); st != http.StatusOK {
			t.Fatalf("token %d: HTTP %d", i, st)
		}
	}
	if st := put("60"); st != http.StatusServiceUnavailable {
		t.Fatalf("token beyond MaxIMDSTokens: HTTP %d, want 503", st)
	}
	clock.Advance(61 * time.Second) // every token has expired
	if st := put("60"); st != http.StatusOK {
		t.Fatalf("token after the others expired: HTTP %d", st)
	}
}
