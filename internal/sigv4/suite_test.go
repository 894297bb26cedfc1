package sigv4

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSTestSuite checks the canonical request, string to sign and
// signature against AWS's published vectors in testdata.
func TestAWSTestSuite(t *testing.T) {
	root := filepath.Join("testdata", "aws-sig-v4-test-suite")
	var reqs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".req") {
			reqs = append(reqs, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) < 25 {
		t.Fatalf("found %d vectors, want the suite", len(reqs))
	}
	for _, reqPath := range reqs {
		base := strings.TrimSuffix(reqPath, ".req")
		t.Run(filepath.Base(base), func(t *testing.T) {
			authz, ok := readFile(t, base+".authz")
			if !ok {
				t.Fatal("missing .authz")
			}
			r := readReq(t, reqPath)
			r.Header["Authorization"] = []string{authz}
			v := newVerifier(t, suiteKeys(), suiteTime)

			pr, err := v.prepare(r)
			if err != nil {
				t.Fatalf("prepare: %v", err)
			}
			if want, ok := readFile(t, base+".creq"); ok && pr.creq != want {
				t.Errorf("canonical request\n got: %q\nwant: %q", pr.creq, want)
			}
			if want, ok := readFile(t, base+".sts"); ok && pr.sts != want {
				t.Errorf("string to sign\n got: %q\nwant: %q", pr.sts, want)
			}
			res, err := v.Verify(context.Background(), r)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.AccessKeyID != suiteAKID || res.Scope != (Scope{"20150830", "us-east-1", "service"}) ||
				!res.SignedAt.Equal(suiteTime) || res.Principal != "principal:"+suiteAKID {
				t.Errorf("result = %+v", res)
			}
			if strings.Contains(base, "post-sts-header-before") && res.SecurityToken != suiteToken {
				t.Errorf("token = %q, want the suite's", res.SecurityToken)
			}
		})
	}
}

// TestAWSTestSuiteTokenAfterSigning: AWS's post-sts-header-after adds the
// token after signing. A token outside the signature must be refused.
func TestAWSTestSuiteTokenAfterSigning(t *testing.T) {
	base := filepath.Join("testdata", "aws-sig-v4-test-suite", "post-sts-token", "post-sts-header-after", "post-sts-header-after")
	authz, _ := readFile(t, base+".authz")
	r := readReq(t, base+".req")
	r.Header["Authorization"] = []string{authz}
	r.Header["X-Amz-Security-Token"] = []string{suiteToken}
	_, err := newVerifier(t, suiteKeys(), suiteTime).Verify(context.Background(), r)
	wantCode(t, err, CodeIncompleteSignature, 400)
}
