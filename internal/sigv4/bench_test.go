package sigv4

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkVerify measures one header-form verification of a typical IAM
// request (the signing key cached, as it is for every request after a
// key's first of the day). Target: a few microseconds.
func BenchmarkVerify(b *testing.B) {
	r := signed(b, signOpts{akid: tempAKID, token: testToken, header: http.Header{"User-Agent": {"aws-cli/2.15.0 Python/3.11"}}})
	v := newVerifier(b, testKeys(), baseTime, "iam", "sts")
	ctx := context.Background()
	if _, err := v.Verify(ctx, r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresigned is the EKS-token case: a presigned
// GetCallerIdentity with a session token.
func BenchmarkVerifyPresigned(b *testing.B) {
	r := signed(b, signOpts{method: "GET", target: "https://sts.example.test/?Action=GetCallerIdentity&Version=2011-06-15",
		service: "sts", akid: tempAKID, token: strings.Repeat("T", 800), presignExpires: "60",
		header: http.Header{"X-K8s-Aws-Id": {"my-cluster"}}})
	v := newVerifier(b, testKeys(), baseTime, "iam", "sts")
	ctx := context.Background()
	if _, err := v.Verify(ctx, r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
