package authzclient_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamd/iamd/authzclient"
	"github.com/iamd/iamd/internal/server/servertest"
)

// maxObject bounds what the example service accepts in one PUT.
const maxObject = 1 << 20

// s3Error is the body of an S3 error.
type s3Error struct {
	XMLName xml.Name `xml:"Error"`
	Code    string
	Message string
}

func writeS3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_ = xml.NewEncoder(w).Encode(s3Error{Code: code, Message: msg})
}

// s3Action maps an S3-style request (path-style: /bucket/key) to its
// action and resource ARN.
func s3Action(r *http.Request) (action, resource string, ok bool) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket == "" || key == "" {
		return "", "", false
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		action = "s3:GetObject"
	case http.MethodPut:
		action = "s3:PutObject"
	default:
		return "", "", false
	}
	return action, "arn:aws:s3:::" + bucket + "/" + key, true
}

type principalKey struct{}

// Authorize is an http.Handler middleware for an S3-style service whose
// callers sign their requests with iamd credentials: it forwards each
// request's SigV4 elements to iamd, which verifies the signature and
// decides whether the signer may perform the request's action on its
// object. Allowed requests reach next with the principal's ARN in their
// context; the others get S3's error.
func Authorize(c *authzclient.Client, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action, resource, ok := s3Action(r)
		if !ok {
			writeS3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
			return
		}
		// The signature covers the body through its hash: hash what was
		// received, and iamd compares it with what the caller signed.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxObject))
		if err != nil {
			writeS3Error(w, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		hash := ""
		if r.Header.Get("X-Amz-Content-Sha256") != "UNSIGNED-PAYLOAD" {
			sum := sha256.Sum256(body)
			hash = hex.EncodeToString(sum[:])
		}
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		res, err := c.Check(r.Context(), &authzclient.CheckRequest{
			Request: authzclient.ForwardedRequest(r, hash),
			Check: authzclient.Check{Action: action, Resource: resource, Context: map[string][]string{
				// What only the service knows about the request.
				"aws:SourceIp":        {ip},
				"aws:SecureTransport": {strconv.FormatBool(r.TLS != nil)},
			}},
		})
		var ae *authzclient.Error
		switch {
		case errors.As(err, &ae) && ae.StatusCode < 500 && ae.Code != "AccessDenied":
			// The caller's signature: its code means the same in S3.
			writeS3Error(w, ae.StatusCode, ae.Code, ae.Message)
			return
		case err != nil:
			// iamd unreachable, or this service may not ask: fail closed.
			log.Printf("authorization of %s %s failed: %v", r.Method, r.URL.Path, err)
			writeS3Error(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Please reduce your request rate.")
			return
		case !res.Allowed:
			writeS3Error(w, http.StatusForbidden, "AccessDenied", res.Reason)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, res.Principal.ARN)))
	})
}

// objects is the example's object store.
type objects struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (o *objects) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		b, _ := io.ReadAll(r.Body)
		o.m[r.URL.Path] = b
		w.Header().Set("X-Written-By", r.Context().Value(principalKey{}).(string))
	default:
		b, ok := o.m[r.URL.Path]
		if !ok {
			writeS3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		w.Write(b)
	}
}

// Example_middleware runs an S3-style service that asks iamd about every
// request. (Compiled; TestMiddleware runs the same code against a real
// iamd.)
func Example_middleware() {
	creds := credentials.NewStaticCredentialsProvider("AKIA…", "…", "") // the service's own iamd key
	c, err := authzclient.New("http://127.0.0.1:8080", creds,
		authzclient.WithHTTPClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 5 * time.Second}))
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:9000", Authorize(c, &objects{m: map[string][]byte{}})))
}

// s3Request is what an S3 client sends: path-style, signed for s3 with
// the payload's hash.
func s3Request(t *testing.T, env *servertest.Env, method, url, key, secret string, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, r,
		hex.EncodeToString(sum[:]), "s3", "us-east-1", env.Now(), func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		t.Fatal(err)
	}
	return r
}

func send(t *testing.T, r *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestMiddleware runs Authorize in front of the example store against a
// real iamd: alice may read the bucket and write her own prefix.
func TestMiddleware(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	root := env.IAM()
	// The service's own identity, allowed to ask about the account's users.
	svcKey, svcSecret := env.CreateUserWithKey(t, "s3-gateway")
	for user, doc := range map[string]string{
		"s3-gateway": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iamd:Authorize","Resource":"arn:aws:iam::` + env.AccountID + `:user/*"}}`,
		"alice": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::media/*"},
			{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::media/${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`,
	} {
		if user == "alice" {
			env.CreateUserWithKey(t, "alice")
		}
		if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	aliceKey, aliceSecret := *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey

	c, err := authzclient.New(env.URL, credentials.NewStaticCredentialsProvider(svcKey, svcSecret, ""),
		authzclient.WithHTTPClient(env.HTTPClient), authzclient.WithClock(env.Now))
	if err != nil {
		t.Fatal(err)
	}
	svc := httptest.NewServer(Authorize(c, &objects{m: map[string][]byte{}}))
	t.Cleanup(svc.Close)

	st, body, h := send(t, s3Request(t, env, "PUT", svc.URL+"/media/alice/cat%20photo.jpg", aliceKey, aliceSecret, []byte("meow")))
	if st != 200 || h.Get("X-Written-By") != "arn:aws:iam::"+env.AccountID+":user/alice" {
		t.Fatalf("PUT own prefix: %d %s", st, body)
	}
	if st, body, _ = send(t, s3Request(t, env, "GET", svc.URL+"/media/alice/cat%20photo.jpg", aliceKey, aliceSecret, nil)); st != 200 || body != "meow" {
		t.Fatalf("GET: %d %s", st, body)
	}
	st, body, _ = send(t, s3Request(t, env, "PUT", svc.URL+"/media/bob/x", aliceKey, aliceSecret, []byte("x")))
	want := fmt.Sprintf("User: arn:aws:iam::%s:user/alice is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::media/bob/x because no identity-based policy allows the s3:PutObject action", env.AccountID)
	if st != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, want) {
		t.Fatalf("PUT other prefix: %d %s", st, body)
	}
	// A body other than the signed one does not verify.
	r := s3Request(t, env, "PUT", svc.URL+"/media/alice/y", aliceKey, aliceSecret, []byte("signed"))
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader("sent!!")), 6
	if st, body, _ = send(t, r); st != 400 || !strings.Contains(body, "XAmzContentSHA256Mismatch") {
		t.Fatalf("changed body: %d %s", st, body)
	}
	// A wrong secret.
	if st, body, _ = send(t, s3Request(t, env, "GET", svc.URL+"/media/alice/cat%20photo.jpg", aliceKey, "wrong-secret", nil)); st != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Fatalf("wrong secret: %d %s", st, body)
	}
	// Not a recognised request.
	if st, _, _ = send(t, s3Request(t, env, "DELETE", svc.URL+"/media/alice/y", aliceKey, aliceSecret, nil)); st != 405 {
		t.Fatalf("DELETE: %d", st)
	}
}

// TestDocsShowTheExample: docs/authz-api.md shows Authorize as it is here,
// so the documented middleware is the one that compiles and is tested.
func TestDocsShowTheExample(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/authz-api.md")
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(src, []byte("// Authorize is an http.Handler middleware"))
	end := bytes.Index(src, []byte("\n// objects is the example's object store."))
	if start < 0 || end < start {
		t.Fatal("Authorize not found in example_test.go")
	}
	fn := bytes.TrimSpace(src[start:end])
	if !bytes.Contains(doc, fn) {
		t.Errorf("docs/authz-api.md does not show Authorize as example_test.go has it:\n%s", fn)
	}
}
