package sigv4

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzCanonicalRequest feeds arbitrary request parts through the
// canonicalisation steps and the whole verifier: nothing may panic, the
// canonical forms must be well formed and stable, and every failure must be
// an *Error.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("GET", "/", "Param2=value2&Param1=value1", "My-Header1", "  a   b  ", []byte(""),
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")
	f.Add("POST", "/example/../a//b/./c/", "a=%zz&b=+&&c", "Content-Type", "application/x-www-form-urlencoded", []byte("Action=GetUser"),
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request,SignedHeaders=content-type;host;x-amz-date,Signature=00")
	f.Add("GET", "/\u1234 %20%2F", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=ab", "", "", []byte(nil), "")
	f.Fuzz(func(t *testing.T, method, rawPath, rawQuery, hname, hvalue string, body []byte, authz string) {
		for _, normalize := range []bool{true, false} {
			uri := canonicalURI(rawPath, normalize, false)
			if !strings.HasPrefix(uri, "/") && !(rawPath != "" && !normalize) {
				t.Fatalf("canonicalURI(%q, %v) = %q: no leading slash", rawPath, normalize, uri)
			}
			for i := 0; i < len(uri); i++ {
				c := uri[i]
				if c == '%' {
					if i+2 >= len(uri) || strings.IndexByte(upperHex, uri[i+1]) < 0 || strings.IndexByte(upperHex, uri[i+2]) < 0 {
						t.Fatalf("canonicalURI(%q) = %q: bad escape at %d", rawPath, uri, i)
					}
					i += 2
					continue
				}
				if !unreserved(c) && c != '/' {
					t.Fatalf("canonicalURI(%q) = %q: unencoded %q", rawPath, uri, c)
				}
			}
		}
		if n := normalizePath(rawPath); normalizePath(n) != n {
			t.Fatalf("normalizePath not idempotent on %q: %q then %q", rawPath, n, normalizePath(n))
		}

		params := parseQuery(rawQuery)
		cq := canonicalQuery(params, "")
		if again := canonicalQuery(parseQuery(cq), ""); again != cq {
			t.Fatalf("canonical query not stable: %q -> %q -> %q", rawQuery, cq, again)
		}
		rev := slices.Clone(params)
		slices.Reverse(rev)
		if canonicalQuery(rev, "") != cq {
			t.Fatalf("canonical query depends on parameter order: %q", rawQuery)
		}

		tv := trimAll(hvalue)
		if trimAll(tv) != tv || strings.Contains(tv, "  ") {
			t.Fatalf("trimAll(%q) = %q", hvalue, tv)
		}

		hdr := map[string][]string{"Host": {"example.amazonaws.com"}, "X-Amz-Date": {"20150830T123600Z"}}
		if hname != "" {
			hdr[hname] = append(hdr[hname], hvalue)
		}
		if authz != "" {
			hdr["Authorization"] = []string{authz}
		}
		r := &Request{Method: method, RawPath: rawPath, RawQuery: rawQuery, Header: hdr, Body: body}
		v := newVerifier(t, suiteKeys(), suiteTime)
		if _, err := v.Verify(context.Background(), r); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code() == "" || e.HTTPStatus() < 400 || e.Message() == "" {
				t.Fatalf("Verify error %v (%T) is not a complete *Error", err, err)
			}
		}
	})
}

// FuzzParseAuthorization: the parser never panics, reports failures as
// *Error, and what it accepts renders back to an equivalent header.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	f.Add("AWS4-HMAC-SHA256 Credential= AKID/20150830/us-east-1/iam/aws4_request,SignedHeaders=host,Signature=x")
	f.Add("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=")
	f.Add("Bearer eyJhbGciOiJIUzI1NiJ9")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=;;, Signature=")
	f.Fuzz(func(t *testing.T, header string) {
		a, err := ParseAuthorization(header)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code() == "" || e.Message() == "" {
				t.Fatalf("error %v (%T) is not a complete *Error", err, err)
			}
			return
		}
		c := a.Credential
		if c.AccessKeyID == "" || strings.Contains(c.AccessKeyID, "/") || len(a.SignedHeaders) == 0 {
			t.Fatalf("accepted %q as %+v", header, a)
		}
		if !slices.IsSorted(a.SignedHeaders) || len(slices.Compact(slices.Clone(a.SignedHeaders))) != len(a.SignedHeaders) {
			t.Fatalf("signed headers not sorted and unique: %v", a.SignedHeaders)
		}
		rendered := "AWS4-HMAC-SHA256 Credential=" + c.AccessKeyID + "/" + c.Scope.String() +
			", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ", Signature=" + a.Signature
		b, err := ParseAuthorization(rendered)
		if err != nil || !slices.Equal(b.SignedHeaders, a.SignedHeaders) || b.Credential != a.Credential || b.Signature != a.Signature {
			t.Fatalf("%q parsed as %+v, re-rendered %q parsed as %+v (%v)", header, a, rendered, b, err)
		}
	})
}
