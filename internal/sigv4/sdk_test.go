package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Differential tests: requests signed by aws-sdk-go-v2's signer, sent
// through net/http's wire format and parsed back as a server would, must
// verify; any meaningful one-byte change must not.

type genCase struct {
	desc      string
	presigned bool
	unsigned  bool // UNSIGNED-PAYLOAD declared
	expires   int  // X-Amz-Expires of a presigned case, 0 when absent
	creds     aws.Credentials
	service   string
	region    string
	signedAt  time.Time
	req       *http.Request // as signed (client side)
	body      []byte
	customHdr string // name of a custom signed header
}

var (
	pathSegments = []string{"users", "a b", "x+y", "semi;colon", "eq=ual", "ünï", "%", "~tilde", "a.b", "...", ".", "..", "", "UPPER", "100%25", "q?mark", "plus+", "star*", "(paren)", "'quote'"}
	queryWords   = []string{"Action", "UserName", "Version", "a b", "x+y", "a/b", "a-b", "é", "", "=", "&amp", "~", "Tags.member.1.Key", "UPPER", "lower", "100%", "*", "semi;"}
	regions      = []string{"us-east-1", "eu-west-1", "ap-southeast-2", "local", "us-gov-west-1"}
	services     = []string{"iam", "sts", "execute-api", "myservice"}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func genPath(r *rand.Rand) string {
	n := 1 + r.IntN(4)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte('/')
		b.WriteString(pick(r, pathSegments))
	}
	// Always end with an alphanumeric segment so a path tamper has a
	// letter to change.
	b.WriteString("/seg" + strconv.Itoa(r.IntN(100)))
	if r.IntN(3) == 0 {
		b.WriteByte('/')
	}
	return b.String()
}

func genQuery(r *rand.Rand) url.Values {
	q := url.Values{}
	for i, n := 0, r.IntN(5); i < n; i++ {
		k := pick(r, queryWords)
		q.Add(k, pick(r, queryWords)+"v"+strconv.Itoa(r.IntN(10)))
		if r.IntN(4) == 0 {
			q.Add(k, pick(r, queryWords)) // a repeated key
		}
	}
	return q
}

func genCaseN(t testing.TB, r *rand.Rand, i int) *genCase {
	t.Helper()
	c := &genCase{
		presigned: r.IntN(3) == 0,
		service:   pick(r, services),
		region:    pick(r, regions),
		signedAt:  time.Date(2026, 1+time.Month(r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC),
	}
	c.creds = aws.Credentials{AccessKeyID: "AKIAEXAMPLE" + strconv.Itoa(i%7), SecretAccessKey: "secret/" + strconv.Itoa(i%7) + "+key"}
	if r.IntN(2) == 0 {
		c.creds.AccessKeyID = "ASIAEXAMPLE" + strconv.Itoa(i%7)
		c.creds.SessionToken = "FwoGZXIvYXdzE" + strconv.Itoa(r.IntN(1e6)) + "/+=token"
	}
	method := pick(r, []string{"GET", "POST", "PUT", "DELETE"})
	if method == "POST" || method == "PUT" {
		c.body = make([]byte, 1+r.IntN(200))
		for j := range c.body {
			c.body[j] = byte('a' + r.IntN(26))
		}
	}
	u := &url.URL{Scheme: "https", Host: pick(r, []string{"iam.example.test", "sts.example.test:8443", "127.0.0.1:9000"}), Path: genPath(r)}
	q := genQuery(r)
	if c.presigned && r.IntN(4) > 0 {
		c.expires = 1 + r.IntN(MaxPresignExpires)
		if r.IntN(3) == 0 {
			c.expires = 1 + r.IntN(120) // short lives, as EKS tokens have
		}
		q.Set("X-Amz-Expires", strconv.Itoa(c.expires))
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequest(method, u.String(), bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	c.customHdr = "X-Custom-" + strconv.Itoa(r.IntN(3))
	req.Header.Set(c.customHdr, pick(r, []string{"value", "  padded   value  ", "a   b   c", "UPPER"}))
	if r.IntN(2) == 0 {
		req.Header.Add(c.customHdr, "second value"+strconv.Itoa(r.IntN(9)))
	}
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	if r.IntN(8) == 0 {
		c.unsigned = true
		req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
	}
	c.req = req
	c.desc = fmt.Sprintf("#%d %s %s presigned=%v token=%v unsigned=%v", i, method, u.String(), c.presigned, c.creds.SessionToken != "", c.unsigned)
	return c
}

func (c *genCase) payloadHash() string {
	if c.unsigned {
		return unsignedPayload
	}
	sum := sha256.Sum256(c.body)
	return hex.EncodeToString(sum[:])
}

// sign signs with the SDK and returns the request as raw wire bytes.
func (c *genCase) sign(t testing.TB) []byte {
	t.Helper()
	s := v4.NewSigner()
	ctx := context.Background()
	req := c.req
	if c.presigned {
		uri, hdr, err := s.PresignHTTP(ctx, c.creds, c.req, c.payloadHash(), c.service, c.region, c.signedAt)
		if err != nil {
			t.Fatal(err)
		}
		req, err = http.NewRequest(c.req.Method, uri, bytes.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range hdr {
			if k != "Host" && k != "Content-Length" {
				req.Header[k] = vs
			}
		}
	} else if err := s.SignHTTP(ctx, c.creds, req, c.payloadHash(), c.service, c.region, c.signedAt); err != nil {
		t.Fatal(err)
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	return wire.Bytes()
}

// receive parses wire bytes as net/http's server does.
func receive(t testing.TB, wire []byte) *Request {
	t.Helper()
	hr, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
	if err != nil {
		t.Fatalf("ReadRequest: %v\n%s", err, wire)
	}
	body, err := io.ReadAll(hr.Body)
	if err != nil {
		t.Fatal(err)
	}
	return FromHTTP(hr, body)
}

func sdkKeys() *keyTable {
	k := &keyTable{secrets: map[string]string{}}
	for i := 0; i < 7; i++ {
		k.secrets["AKIAEXAMPLE"+strconv.Itoa(i)] = "secret/" + strconv.Itoa(i) + "+key"
		k.secrets["ASIAEXAMPLE"+strconv.Itoa(i)] = "secret/" + strconv.Itoa(i) + "+key"
	}
	return k
}

// tamper changes one alphanumeric byte of s at or after a random position,
// returning false when s has none.
func tamper(r *rand.Rand, s string) (string, bool) {
	var idx []int
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return s, false
	}
	i := pick(r, idx)
	b := []byte(s)
	switch c := b[i]; {
	case c == 'z' || c == 'Z' || c == '9':
		b[i]--
	default:
		b[i]++
	}
	return string(b), true
}

func TestSDKDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	keys := sdkKeys()
	const n = 600
	var presigned, tampered int
	for i := 0; i < n; i++ {
		c := genCaseN(t, r, i)
		wire := c.sign(t)
		// The server's clock is anywhere within the allowed window.
		now := c.signedAt.Add(time.Duration(r.IntN(int(2*DefaultMaxSkew/time.Second))-int(DefaultMaxSkew/time.Second)) * time.Second)
		if c.presigned {
			// Anywhere from signing to the end of validity.
			life := int(DefaultMaxSkew / time.Second)
			if c.expires > 0 {
				life = c.expires
			}
			now = c.signedAt.Add(time.Duration(r.IntN(life+1)) * time.Second)
			presigned++
		}
		v := newVerifier(t, keys, now)
		req := receive(t, wire)
		res, err := v.Verify(context.Background(), req)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				t.Fatalf("%s: %v\ncanonical request:\n%s\nwire:\n%s", c.desc, err, e.CanonicalRequest(), wire)
			}
			t.Fatalf("%s: %v", c.desc, err)
		}
		if res.AccessKeyID != c.creds.AccessKeyID || res.SecurityToken != c.creds.SessionToken ||
			res.Scope.Region != c.region || res.Scope.Service != c.service || !res.SignedAt.Equal(c.signedAt) ||
			res.Presigned != c.presigned {
			t.Fatalf("%s: result %+v", c.desc, res)
		}

		// Tampering: each variant changes one byte of something signed.
		variants := map[string]func(*Request) bool{
			"method": func(q *Request) bool {
				q.Method = map[string]string{"GET": "GEU", "POST": "POSU", "PUT": "PUU", "DELETE": "DELETF"}[q.Method]
				return true
			},
			"path": func(q *Request) bool { var ok bool; q.RawPath, ok = tamper(r, q.RawPath); return ok },
			"query": func(q *Request) bool {
				// Change a byte of an operation parameter, or of the session
				// token's value; the other X-Amz-* parameters are the
				// signature's own elements, checked by the error tables.
				parts := strings.Split(q.RawQuery, "&")
				var cand []int
				for j, p := range parts {
					if !strings.HasPrefix(p, "X-Amz-") || strings.HasPrefix(p, "X-Amz-Security-Token=") {
						cand = append(cand, j)
					}
				}
				if len(cand) == 0 {
					return false
				}
				j := pick(r, cand)
				k, val, _ := strings.Cut(parts[j], "=")
				var ok bool
				if strings.HasPrefix(k, "X-Amz-") {
					val, ok = tamper(r, val)
					parts[j] = k + "=" + val
				} else {
					parts[j], ok = tamper(r, parts[j])
				}
				q.RawQuery = strings.Join(parts, "&")
				return ok
			},
			"header": func(q *Request) bool {
				h := http.Header(q.Header).Clone()
				vs := h.Values(c.customHdr)
				if len(vs) == 0 {
					return false
				}
				nv, ok := tamper(r, vs[0])
				h[http.CanonicalHeaderKey(c.customHdr)][0] = nv
				q.Header = h
				return ok
			},
			"body": func(q *Request) bool {
				if len(q.Body) == 0 || c.unsigned {
					return false
				}
				b := bytes.Clone(q.Body)
				b[r.IntN(len(b))] ^= 0x01
				q.Body = b
				return true
			},
		}
		for name, mutate := range variants {
			q := receive(t, wire)
			if !mutate(q) {
				continue
			}
			tampered++
			_, err := v.Verify(context.Background(), q)
			var e *Error
			if !errors.As(err, &e) || e.Code() != CodeSignatureDoesNotMatch {
				t.Fatalf("%s: tampered %s: err = %v, want SignatureDoesNotMatch", c.desc, name, err)
			}
		}
	}
	if presigned < n/5 || tampered < 2*n {
		t.Fatalf("generator too narrow: %d presigned, %d tampered of %d", presigned, tampered, n)
	}
}
