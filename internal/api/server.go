package api

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/api/query"
	"github.com/iamd/iamd/internal/api/stsshape"
	"github.com/iamd/iamd/internal/audit"
)

// Caller is the authenticated identity of a request as the Authenticator
// produced it; handlers and the Authorizer type-assert it to the concrete
// identity type of the wiring.
type Caller interface {
	// AccessKeyID is the access key the request was signed with ("" for
	// unsigned operations). It is logged; it is not a secret.
	AccessKeyID() string
}

// Anonymous is the Caller of operations AWS leaves unsigned
// (AssumeRoleWithWebIdentity, AssumeRoleWithSAML).
type Anonymous struct{}

// AccessKeyID implements Caller.
func (Anonymous) AccessKeyID() string { return "" }

// AuthnRequest is what the Authenticator verifies.
type AuthnRequest struct {
	HTTP *http.Request
	// Body is the raw request body (already read; HTTP.Body is drained), for
	// the SigV4 payload hash.
	Body []byte
	// Service is the SigV4 service ("iam" or "sts") the credential scope
	// must name for this operation.
	Service   string
	Operation string
}

// Authenticator verifies a request's signature and returns its caller. Its
// errors should implement AWSError (e.g. SignatureDoesNotMatch,
// InvalidClientTokenId, MissingAuthenticationToken); others become
// ServiceFailure.
type Authenticator interface {
	Authenticate(ctx context.Context, req AuthnRequest) (Caller, error)
}

// AuthzRequest is what the Authorizer decides on. Operation tells service and
// operation name (the IAM action is Service+":"+Name); Input is the decoded,
// validated input (a pointer to the operation's generated input struct), from
// which the resource and condition keys of an operation are derived.
type AuthzRequest struct {
	Caller    Caller
	Operation query.Operation
	Input     any
	Request   *RequestInfo
}

// Action is the IAM action of the request, e.g. "iam:CreateUser".
func (r AuthzRequest) Action() string { return r.Operation.Service + ":" + r.Operation.Name }

// Authorizer returns nil to allow a request, or an AWSError (AccessDenied)
// to refuse it.
type Authorizer interface {
	Authorize(ctx context.Context, req AuthzRequest) error
}

// RequestInfo describes the HTTP request being served; handlers reach it with
// RequestFromContext (e.g. for aws:SourceIp or aws:UserAgent).
type RequestInfo struct {
	ID         string // the request ID sent back as x-amzn-RequestId
	Service    string // "iam" or "sts"
	Operation  string
	RemoteAddr string
	UserAgent  string
	Secure     bool // TLS
	Received   time.Time
	// Region is the region of the SigV4 credential scope, set once the
	// signature is verified ("" for unsigned requests).
	Region string
}

type ctxKey struct{}

// RequestFromContext returns the request being served, or nil outside a
// handler.
func RequestFromContext(ctx context.Context) *RequestInfo {
	ri, _ := ctx.Value(ctxKey{}).(*RequestInfo)
	return ri
}

// Options configure a Server. Authenticator and Authorizer are required.
type Options struct {
	Authenticator Authenticator
	Authorizer    Authorizer
	Logger        *slog.Logger // default: discard
	Metrics       *Metrics     // default: none (see NewMetrics)
	Rand          io.Reader    // request IDs; default crypto/rand
	Now           func() time.Time
	MaxBodyBytes  int64 // default DefaultMaxBodyBytes
	// Auditor, optional, records every request before its response is
	// sent (see Exchange).
	Auditor Auditor
}

// DefaultMaxBodyBytes bounds request bodies: the largest legitimate inputs
// (a 131072-character policy document, a SAML assertion) fit several times.
const DefaultMaxBodyBytes = 2 << 20

type service struct {
	name, version, namespace string
}

var (
	iamService = service{iamshape.ServiceName, iamshape.APIVersion, iamshape.XMLNamespace}
	stsService = service{stsshape.ServiceName, stsshape.APIVersion, stsshape.XMLNamespace}
)

// handlerFunc is a registered handler with its types erased: in is a pointer
// to the operation's input struct, the result a pointer to its output.
type handlerFunc func(ctx context.Context, c Caller, in any) (any, error)

type operation struct {
	query.Operation
	svc service
}

// Server serves the IAM and STS Query APIs on one endpoint. Register
// handlers with Handle before serving.
type Server struct {
	opts   Options
	codec  *query.Codec
	errors map[string]errorClass
	ops    map[string][]*operation // by name; IAM and STS names do not overlap today

	mu       sync.RWMutex
	handlers map[*operation]handlerFunc
}

// New returns a Server with no handlers registered.
func New(opts Options) (*Server, error) {
	if opts.Authenticator == nil || opts.Authorizer == nil {
		return nil, errors.New("api: Options.Authenticator and Options.Authorizer are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s := &Server{
		opts:     opts,
		codec:    query.NewCodec(),
		errors:   errorTable(),
		ops:      map[string][]*operation{},
		handlers: map[*operation]handlerFunc{},
	}
	for _, set := range []struct {
		svc service
		ops []query.Operation
	}{{iamService, iamshape.Operations()}, {stsService, stsshape.Operations()}} {
		for _, o := range set.ops {
			s.ops[o.Name] = append(s.ops[o.Name], &operation{Operation: o, svc: set.svc})
		}
	}
	return s, nil
}

// Handle registers the handler of an operation. I and O must be the
// operation's generated input and output types (e.g. iamshape.CreateUserInput
// and iamshape.CreateUserOutput); a mismatch, an unknown operation or a second
// registration panics, as these are wiring mistakes.
//
// The handler returns the output, or an error: one implementing AWSError is
// sent to the client as is, any other is logged and answered ServiceFailure.
func Handle[I, O any](s *Server, name string, h func(ctx context.Context, c Caller, in *I) (*O, error)) {
	it, ot := reflect.TypeFor[I](), reflect.TypeFor[O]()
	var op *operation
	for _, o := range s.ops[name] {
		if o.Input == it {
			op = o
		}
	}
	if op == nil {
		panic(fmt.Sprintf("api.Handle: no operation %q with input type %s", name, it))
	}
	if op.Output != ot {
		panic(fmt.Sprintf("api.Handle(%q): output type %s, want %s", name, ot, op.Output))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.handlers[op]; dup {
		panic(fmt.Sprintf("api.Handle: %s:%s registered twice", op.Service, name))
	}
	s.handlers[op] = func(ctx context.Context, c Caller, in any) (any, error) {
		out, err := h(ctx, c, in.(*I))
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// outcome is what one request produced, for the log line and the metrics.
type outcome struct {
	svc    string
	action string
	status int
	code   string
	cause  error // logged, never sent
	caller Caller
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.opts.Now()
	ri := &RequestInfo{
		ID:         newRequestID(s.opts.Rand),
		RemoteAddr: r.RemoteAddr,
		UserAgent:  r.UserAgent(),
		Secure:     r.TLS != nil,
		Received:   start,
	}
	w.Header().Set("x-amzn-RequestId", ri.ID)
	oc := &outcome{svc: "unknown", action: "unknown"}
	ns := iamService.namespace
	// The decisions made while serving the request go to its audit event.
	ctx, notes := audit.WithNotes(r.Context())
	defer func() { s.finish(r, ri, oc, start) }()

	// The response is held until the request is audited: a failed audit
	// write turns it into ServiceFailure.
	status, body := s.respond(ctx, w, r, ri, oc, &ns)
	if s.opts.Auditor != nil {
		if err := s.audit(ctx, s.newExchange(r, ri, oc, notes)); err != nil {
			oc.cause = err
			status, body = s.errorBody(ri, oc, ns, newError(CodeServiceFailure, internalMessage))
		}
	}
	w.Header().Set("Content-Type", "text/xml") // responses and errors alike
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// respond runs the pipeline and returns the status and body to send; a
// panic becomes ServiceFailure.
func (s *Server) respond(ctx context.Context, w http.ResponseWriter, r *http.Request, ri *RequestInfo, oc *outcome, ns *string) (status int, body []byte) {
	defer func() {
		if p := recover(); p != nil {
			oc.cause = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			status, body = s.errorBody(ri, oc, *ns, newError(CodeServiceFailure, internalMessage))
		}
	}()
	status, body, nsUsed, err := s.serve(ctx, w, r, ri, oc)
	if nsUsed != "" {
		*ns = nsUsed
	}
	if err != nil {
		return s.errorBody(ri, oc, *ns, err)
	}
	oc.status = status
	return status, body
}

// audit calls the Auditor; a panic in it is a failure like any other.
func (s *Server) audit(ctx context.Context, x *Exchange) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("audit panic: %v\n%s", p, debug.Stack())
		}
	}()
	if err := s.opts.Auditor.Audit(ctx, x); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

const internalMessage = "The server encountered an internal error. Please try again; the request ID identifies it in the server log."

// serve runs the pipeline: read, route, authenticate, decode, authorize,
// handle, encode. It returns the XML to send or the error to report, and the
// namespace of the service the request resolved to.
func (s *Server) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, ri *RequestInfo, oc *outcome) (int, []byte, string, error) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return 0, nil, "", newError(CodeMethodNotAllowed, "The HTTP method "+r.Method+" is not allowed; use GET or POST.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return 0, nil, "", newError(CodeRequestEntityTooLarge, fmt.Sprintf("The request body exceeds the maximum of %d bytes.", s.opts.MaxBodyBytes))
		}
		return 0, nil, "", newError(CodeMalformedQueryString, "The request body could not be read.")
	}
	params, err := parseParams(r, body)
	if err != nil {
		return 0, nil, "", err
	}
	op, err := s.route(r, params)
	if op != nil {
		oc.svc, oc.action = op.Service, op.Name
		ri.Service, ri.Operation = op.Service, op.Name
	}
	ns := namespaceFor(op, params)
	if err != nil {
		return 0, nil, ns, err
	}
	ctx = context.WithValue(ctx, ctxKey{}, ri)

	var caller Caller = Anonymous{}
	if !op.Unsigned {
		caller, err = s.opts.Authenticator.Authenticate(ctx, AuthnRequest{HTTP: r, Body: body, Service: op.Service, Operation: op.Name})
		if err != nil {
			return 0, nil, ns, err
		}
		if caller == nil {
			return 0, nil, ns, errors.New("api: Authenticator returned neither a caller nor an error")
		}
		if p := credentialScope(r); p != nil {
			ri.Region = p[2]
		}
	}
	oc.caller = caller

	in := reflect.New(op.Input)
	if err := s.codec.Decode(params, in.Interface()); err != nil {
		var ve *query.ValidationError
		var pe *query.ParseError
		switch {
		case errors.As(err, &ve):
			return 0, nil, ns, newError(CodeValidationError, ve.Error())
		case errors.As(err, &pe):
			return 0, nil, ns, newError(CodeInvalidParameterValue, pe.Error())
		}
		return 0, nil, ns, err
	}
	if err := s.opts.Authorizer.Authorize(ctx, AuthzRequest{Caller: caller, Operation: op.Operation, Input: in.Interface(), Request: ri}); err != nil {
		return 0, nil, ns, err
	}

	s.mu.RLock()
	h := s.handlers[op]
	s.mu.RUnlock()
	if h == nil {
		return 0, nil, ns, newError(CodeNotImplemented, fmt.Sprintf("The operation %s of %s is not implemented by this server.", op.Name, strings.ToUpper(op.Service)))
	}
	out, err := h(ctx, caller, in.Interface())
	if err != nil {
		return 0, nil, ns, err
	}
	if op.Paginated {
		defaultIsTruncated(out)
	}
	b, err := s.codec.EncodeResponse(op.svc.namespace, op.Name, op.ResultWrapper, out, ri.ID)
	if err != nil {
		return 0, nil, ns, err
	}
	return http.StatusOK, b, ns, nil
}

// defaultIsTruncated sets a paginated output's IsTruncated to false when the
// handler left it nil: AWS always sends it and clients loop on it.
func defaultIsTruncated(out any) {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	f := v.Elem().FieldByName("IsTruncated")
	if f.IsValid() && f.Kind() == reflect.Pointer && f.IsNil() && f.Type().Elem().Kind() == reflect.Bool {
		f.Set(reflect.ValueOf(new(bool)))
	}
}

// parseParams merges the query string and, for POST, the form body (body
// values first). The body is parsed whatever its Content-Type: SDKs always
// send application/x-www-form-urlencoded, and the signature covers the bytes.
func parseParams(r *http.Request, body []byte) (url.Values, error) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, newError(CodeMalformedQueryString, "The query string is malformed: "+err.Error())
	}
	if len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, newError(CodeMalformedQueryString, "The request body is not a valid form encoding: "+err.Error())
		}
		for k, vs := range form {
			params[k] = append(vs, params[k]...)
		}
	}
	return params, nil
}

// route resolves Action and Version to an operation. A Version names the
// service; without one the action name decides and, should a name exist in
// both services, the SigV4 credential scope breaks the tie.
func (s *Server) route(r *http.Request, params url.Values) (*operation, error) {
	action := params.Get("Action")
	if action == "" {
		return nil, newError(CodeMissingAction, "The request is missing an action or a required parameter.")
	}
	version := params.Get("Version")
	cands := s.ops[action]
	if version != "" {
		for _, o := range cands {
			if o.svc.version == version {
				return o, nil
			}
		}
		return nil, newError(CodeInvalidAction, fmt.Sprintf("Could not find operation %s for version %s", action, version))
	}
	switch len(cands) {
	case 0:
		return nil, newError(CodeInvalidAction, fmt.Sprintf("Could not find operation %s", action))
	case 1:
		return cands[0], nil
	}
	scope := scopeService(r)
	for _, o := range cands {
		if o.Service == scope {
			return o, nil
		}
	}
	return nil, newError(CodeInvalidAction, fmt.Sprintf("Operation %s exists in several services; send Version to choose one", action))
}

// credentialScope splits the SigV4 credential (AKID/date/region/service/
// aws4_request) of the Authorization header or of the presigned
// X-Amz-Credential parameter, without verifying anything; nil when absent
// or malformed.
func credentialScope(r *http.Request) []string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if h := r.Header.Get("Authorization"); h != "" {
		if _, after, ok := strings.Cut(h, "Credential="); ok {
			cred, _, _ = strings.Cut(after, ",")
		}
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return nil
	}
	return parts
}

// scopeService is the service named by the request's credential scope.
func scopeService(r *http.Request) string {
	if p := credentialScope(r); p != nil {
		return p[3]
	}
	return ""
}

// claimedAccessKey is the access key ID named by the credential scope, kept
// only when it looks like one (so that the log holds no arbitrary input).
func claimedAccessKey(r *http.Request) string {
	p := credentialScope(r)
	if p == nil || len(p[0]) < 16 || len(p[0]) > 128 {
		return ""
	}
	for _, c := range p[0] {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return ""
		}
	}
	return p[0]
}

// namespaceFor picks the XML namespace of an error response: the resolved
// operation's service, else the one the Version names, else IAM's.
func namespaceFor(op *operation, params url.Values) string {
	if op != nil {
		return op.svc.namespace
	}
	if params.Get("Version") == stsService.version {
		return stsService.namespace
	}
	return iamService.namespace
}

// errorBody renders err in AWS's error envelope. Errors that are not AWSError are internal: their text goes
// to the log only.
func (s *Server) errorBody(ri *RequestInfo, oc *outcome, ns string, err error) (int, []byte) {
	ae, ok := asAWSError(err)
	if !ok {
		if oc.cause == nil {
			oc.cause = err
		}
		ae = newError(CodeServiceFailure, internalMessage)
	} else if oc.cause == nil {
		oc.cause = errors.Unwrap(err)
	}
	cls := s.classify(ae.AWSErrorCode())
	oc.status, oc.code = cls.status, ae.AWSErrorCode()
	return cls.status, query.EncodeError(ns, ae.AWSErrorCode(), ae.AWSMessage(), cls.sender, ri.ID)
}

// finish writes the request's log line and metrics.
func (s *Server) finish(r *http.Request, ri *RequestInfo, oc *outcome, start time.Time) {
	d := s.opts.Now().Sub(start)
	code := oc.code
	if code == "" {
		code = "Success"
	}
	s.opts.Metrics.observe(oc.svc, oc.action, code, d)
	attrs := []slog.Attr{
		slog.String("request_id", ri.ID),
		slog.String("service", oc.svc),
		slog.String("action", oc.action),
		slog.Int("status", oc.status),
		slog.Duration("duration", d),
		slog.String("remote", r.RemoteAddr),
	}
	if oc.code != "" {
		attrs = append(attrs, slog.String("error_code", oc.code))
	}
	if oc.caller != nil && oc.caller.AccessKeyID() != "" {
		attrs = append(attrs, slog.String("access_key_id", oc.caller.AccessKeyID()))
	} else if claimed := claimedAccessKey(r); claimed != "" {
		// Authentication failed or was not needed: the key the request
		// claims helps trace failed attempts (an access key ID is not a
		// secret).
		attrs = append(attrs, slog.String("claimed_access_key_id", claimed))
	}
	level := slog.LevelInfo
	if oc.status >= 500 {
		level = slog.LevelError
		if oc.cause != nil {
			attrs = append(attrs, slog.String("cause", oc.cause.Error()))
		}
	}
	s.opts.Logger.LogAttrs(context.Background(), level, "request", attrs...)
}

// newRequestID returns a random (version 4) UUID, the form of AWS request IDs.
func newRequestID(r io.Reader) string {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		// A failing random source must not fail the request; the ID only
		// correlates logs. Fall back to all zeroes, which stays well-formed.
		b = [16]byte{}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&15])
	}
	return string(out)
}
