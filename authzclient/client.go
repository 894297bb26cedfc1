// Package authzclient is a Go client of iamd's authorization API: a service
// that authenticates its own callers with iamd credentials (an S3-style
// store, an internal API) asks iamd whether a caller may perform an action
// on a resource, and gets the decision of the engine that authorizes iamd's
// own IAM requests.
//
//	c, _ := authzclient.New("https://iamd.internal:8080", credentials.NewStaticCredentialsProvider(id, secret, ""))
//	res, err := c.Check(ctx, &authzclient.CheckRequest{
//		Request: authzclient.ForwardedRequest(r, ""), // the caller's SigV4 request, verified by iamd
//		Check:   authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/key"},
//	})
//
// Requests are signed with SigV4 (service "iam") with the asking service's
// own credentials, which must be allowed iamd:Authorize on the principals
// it asks about. The package depends on aws-sdk-go-v2's signer only; see
// docs/authz-api.md for the protocol.
package authzclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// DefaultRegion is the region the client signs for; iamd accepts any.
const DefaultRegion = "us-east-1"

// maxResponseBytes bounds what the client reads of an answer.
const maxResponseBytes = 4 << 20

// Client calls iamd's authorization API. It is safe for concurrent use.
type Client struct {
	base   string
	creds  aws.CredentialsProvider
	http   *http.Client
	signer *v4.Signer
	region string
	now    func() time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: http.DefaultClient). Give
// it a Transport with enough idle connections per host
// (MaxIdleConnsPerHost) for the service's concurrency: every check is one
// request.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithRegion sets the region of the signature's credential scope.
func WithRegion(r string) Option { return func(c *Client) { c.region = r } }

// WithClock sets the clock the signatures are dated with (default:
// time.Now); tests against a server with a fake clock need it.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// New returns a client of the iamd at baseURL ("http://127.0.0.1:8080")
// signing with creds.
func New(baseURL string, creds aws.CredentialsProvider, opts ...Option) (*Client, error) {
	if baseURL == "" || creds == nil {
		return nil, errors.New("authzclient: a base URL and credentials are required")
	}
	c := &Client{
		base: strings.TrimRight(baseURL, "/"), creds: creds, http: http.DefaultClient,
		signer: v4.NewSigner(), region: DefaultRegion, now: time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Error is a refusal or failure reported by iamd: the asking service may
// not ask (AccessDenied), its signature or the forwarded one did not verify
// (SignatureDoesNotMatch, InvalidClientTokenId, ExpiredToken, ...), or the
// request was invalid (InvalidInput, MalformedPolicyDocument). A denied
// check is not an Error: it is a Result with Allowed false.
type Error struct {
	StatusCode int
	Code       string
	Message    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("iamd authz: %d %s: %s", e.StatusCode, e.Code, e.Message)
}

// IsCode reports whether err is an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Check asks one question.
func (c *Client) Check(ctx context.Context, req *CheckRequest) (*CheckResponse, error) {
	var out CheckResponse
	if err := c.do(ctx, PathCheck, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CheckBatch asks up to MaxBatchChecks questions about one principal in
// one round trip.
func (c *Client) CheckBatch(ctx context.Context, req *BatchRequest) (*BatchResponse, error) {
	if len(req.Checks) > MaxBatchChecks {
		return nil, fmt.Errorf("authzclient: %d checks, at most %d per batch", len(req.Checks), MaxBatchChecks)
	}
	var out BatchResponse
	if err := c.do(ctx, PathBatch, req, &out); err != nil {
		return nil, err
	}
	if len(out.Results) != len(req.Checks) {
		return nil, fmt.Errorf("authzclient: %d results for %d checks", len(out.Results), len(req.Checks))
	}
	return &out, nil
}

func (c *Client) do(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("authzclient: encode request: %w", err)
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("authzclient: %w", err)
	}
	r.Header.Set("Content-Type", "application/json")
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("authzclient: credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), "iam", c.region, c.now()); err != nil {
		return fmt.Errorf("authzclient: sign: %w", err)
	}
	resp, err := c.http.Do(r)
	if err != nil {
		return fmt.Errorf("authzclient: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("authzclient: read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e ErrorResponse
		if json.Unmarshal(data, &e) != nil || e.Code == "" {
			return &Error{StatusCode: resp.StatusCode, Code: http.StatusText(resp.StatusCode), Message: strings.TrimSpace(string(data))}
		}
		return &Error{StatusCode: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("authzclient: decode response: %w", err)
	}
	return nil
}

// ForwardedRequest returns the SigV4 elements of a request the service
// received, for CheckRequest.Request. payloadHash is the hex SHA-256 of the
// body the service read, or "" to rely on the X-Amz-Content-Sha256 header
// (which the service must then check against the body) or, without one,
// on an empty body.
func ForwardedRequest(r *http.Request, payloadHash string) *SignedRequest {
	h := make(map[string][]string, len(r.Header)+1)
	for k, v := range r.Header {
		h[k] = v
	}
	if r.Host != "" && len(h["Host"]) == 0 {
		h["Host"] = []string{r.Host}
	}
	if r.ContentLength > 0 && len(h["Content-Length"]) == 0 {
		h["Content-Length"] = []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	path, query := r.URL.EscapedPath(), r.URL.RawQuery
	if strings.HasPrefix(r.RequestURI, "/") {
		// The request target exactly as sent, which is what was signed.
		path, query, _ = strings.Cut(r.RequestURI, "?")
	}
	return &SignedRequest{Method: r.Method, Path: path, Query: query, Headers: h, PayloadHash: payloadHash}
}
