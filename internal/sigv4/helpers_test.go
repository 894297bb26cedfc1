package sigv4

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// Credentials of AWS's published test suite.
const (
	suiteAKID   = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	suiteToken  = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

// keyTable is a test lookup: access key ID → secret and principal. Keys in
// inactive report ErrInactiveAccessKey; expired tokens ErrExpiredSessionToken.
type keyTable struct {
	secrets  map[string]string
	inactive map[string]bool
	expired  map[string]bool // by session token
	fail     error           // returned for every lookup when set
	calls    int
}

func (k *keyTable) LookupAccessKey(_ context.Context, id, token string) (Secret, error) {
	k.calls++
	if k.fail != nil {
		return Secret{}, k.fail
	}
	if k.expired[token] {
		return Secret{}, ErrExpiredSessionToken
	}
	s, ok := k.secrets[id]
	if !ok {
		return Secret{}, ErrUnknownAccessKey
	}
	if k.inactive[id] {
		return Secret{}, ErrInactiveAccessKey
	}
	return Secret{SecretAccessKey: s, Principal: "principal:" + id}, nil
}

func newVerifier(t testing.TB, lookup Lookup, now time.Time, services ...string) *Verifier {
	t.Helper()
	v, err := New(Config{Lookup: lookup, Clock: func() time.Time { return now }, Services: services})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func suiteKeys() *keyTable {
	return &keyTable{secrets: map[string]string{suiteAKID: suiteSecret}}
}

// readReq parses a test-suite .req file: "METHOD URI HTTP/1.1", header
// lines, a blank line, the body. The URI may contain spaces, so the method
// is the first word and the protocol the last. A header line starting with
// white space continues the previous header as another value.
func readReq(t testing.TB, path string) *Request {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n")
	sc := bufio.NewScanner(strings.NewReader(head))
	if !sc.Scan() {
		t.Fatalf("%s: empty", path)
	}
	line := sc.Text()
	sp1, sp2 := strings.IndexByte(line, ' '), strings.LastIndexByte(line, ' ')
	if sp1 < 0 || sp2 <= sp1 {
		t.Fatalf("%s: bad request line %q", path, line)
	}
	r := &Request{Method: line[:sp1], Header: map[string][]string{}, Body: []byte(body)}
	r.RawPath, r.RawQuery, _ = strings.Cut(line[sp1+1:sp2], "?")
	var last string
	for sc.Scan() {
		l := sc.Text()
		if l != "" && (l[0] == ' ' || l[0] == '\t') {
			r.Header[last] = append(r.Header[last], strings.TrimSpace(l))
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("%s: bad header line %q", path, l)
		}
		last = k
		r.Header[k] = append(r.Header[k], v)
	}
	return r
}

func readFile(t testing.TB, path string) (string, bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(data), true
}

// wantCode asserts err is an *Error with the code (and status).
func wantCode(t testing.TB, err error, code string, status int) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error %s", err, err, code)
	}
	if e.Code() != code || e.HTTPStatus() != status {
		t.Fatalf("error = %s/%d %q, want %s/%d", e.Code(), e.HTTPStatus(), e.Message(), code, status)
	}
	return e
}

func hexString(b []byte) string { return hex.EncodeToString(b) }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
