package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/api/stsshape"
)

const (
	testAccount = "123456789012"
	testKey     = "AKIAIOSFODNN7EXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
	deniedKey   = "AKIADENIEDDENIEDDENI"
)

// testCaller is the identity the fake Authenticator returns.
type testCaller struct{ key string }

func (c testCaller) AccessKeyID() string { return c.key }

// sigv4Authn accepts any request carrying a SigV4 Authorization header whose
// scope names the operation's service; it does not check the signature (that
// is internal/sigv4's job).
type sigv4Authn struct{}

func (sigv4Authn) Authenticate(_ context.Context, req api.AuthnRequest) (api.Caller, error) {
	h := req.HTTP.Header.Get("Authorization")
	if h == "" {
		return nil, &api.Error{Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token"}
	}
	cred, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 Credential=")
	if !ok {
		return nil, &api.Error{Code: "IncompleteSignature", Message: "Unsupported algorithm"}
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[3] != req.Service {
		return nil, &api.Error{Code: "SignatureDoesNotMatch", Message: fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", req.Service)}
	}
	if len(req.Body) == 0 && req.HTTP.Method == http.MethodPost {
		return nil, errors.New("authenticator saw no body")
	}
	return testCaller{parts[0]}, nil
}

// denyKeyAuthz refuses everything to deniedKey.
type denyKeyAuthz struct{}

func (denyKeyAuthz) Authorize(_ context.Context, r api.AuthzRequest) error {
	if r.Caller.AccessKeyID() == deniedKey {
		return &api.Error{Code: "AccessDenied", Message: fmt.Sprintf("User is not authorized to perform: %s", r.Action())}
	}
	return nil
}

// fixture is a Server with a few toy handlers over an in-memory map.
type fixture struct {
	srv     *api.Server
	http    *httptest.Server
	reg     *prometheus.Registry
	logs    *syncBuffer
	mu      sync.Mutex
	users   map[string]iamshape.User
	inlines map[string]string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// domainError mirrors the shape of the domain's error type (internal/iam):
// the API must recognise it through the AWSErrorCode/AWSMessage interface,
// also when wrapped, and never show its Cause.
type domainError struct {
	code, message string
	cause         error
}

func (e *domainError) Error() string        { return e.code + ": " + e.message + ": " + e.cause.Error() }
func (e *domainError) Unwrap() error        { return e.cause }
func (e *domainError) AWSErrorCode() string { return e.code }
func (e *domainError) AWSMessage() string   { return e.message }

func noSuchUser(name string) error {
	err := &domainError{code: "NoSuchEntity", message: "The user with name " + name + " cannot be found.", cause: errors.New("sql: no rows (internal detail)")}
	return fmt.Errorf("get user: %w", err)
}

var fixedTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{reg: prometheus.NewRegistry(), logs: &syncBuffer{}, users: map[string]iamshape.User{}, inlines: map[string]string{}}
	m, err := api.NewMetrics(f.reg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv, err = api.New(api.Options{
		Authenticator: sigv4Authn{},
		Authorizer:    denyKeyAuthz{},
		Logger:        slog.New(slog.NewJSONHandler(f.logs, nil)),
		Metrics:       m,
		MaxBodyBytes:  64 << 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	api.Handle(f.srv, "CreateUser", func(_ context.Context, _ api.Caller, in *iamshape.CreateUserInput) (*iamshape.CreateUserOutput, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.users[in.UserName]; ok {
			return nil, &api.Error{Code: "EntityAlreadyExists", Message: "User with name " + in.UserName + " already exists."}
		}
		path := "/"
		if in.Path != nil {
			path = *in.Path
		}
		u := iamshape.User{Path: path, UserName: in.UserName, UserId: "AIDA" + strings.ToUpper(in.UserName),
			Arn: "arn:aws:iam::" + testAccount + ":user" + path + in.UserName, CreateDate: fixedTime, Tags: in.Tags}
		f.users[in.UserName] = u
		return &iamshape.CreateUserOutput{User: &u}, nil
	})
	api.Handle(f.srv, "GetUser", func(_ context.Context, _ api.Caller, in *iamshape.GetUserInput) (*iamshape.GetUserOutput, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if in.UserName == nil {
			return nil, noSuchUser("<caller>")
		}
		u, ok := f.users[*in.UserName]
		if !ok {
			return nil, noSuchUser(*in.UserName)
		}
		return &iamshape.GetUserOutput{User: u}, nil
	})
	api.Handle(f.srv, "ListUsers", func(_ context.Context, _ api.Caller, in *iamshape.ListUsersInput) (*iamshape.ListUsersOutput, error) {
		page, err := api.PageFrom(in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		f.mu.Lock()
		all := make([]iamshape.User, 0, len(f.users))
		for _, u := range f.users {
			all = append(all, u)
		}
		f.mu.Unlock()
		sort.Slice(all, func(i, j int) bool { return all[i].UserName < all[j].UserName })
		items, truncated, next := api.Paginate(all, func(u iamshape.User) string { return u.UserName }, page)
		for i := range items {
			items[i].Tags = nil // ListUsers omits tags, as AWS does
		}
		return &iamshape.ListUsersOutput{Users: items, IsTruncated: &truncated, Marker: next}, nil
	})
	api.Handle(f.srv, "DeleteUser", func(_ context.Context, _ api.Caller, in *iamshape.DeleteUserInput) (*iamshape.DeleteUserOutput, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.users[in.UserName]; !ok {
			return nil, noSuchUser(in.UserName)
		}
		delete(f.users, in.UserName)
		return &iamshape.DeleteUserOutput{}, nil
	})
	api.Handle(f.srv, "PutRolePolicy", func(_ context.Context, _ api.Caller, in *iamshape.PutRolePolicyInput) (*iamshape.PutRolePolicyOutput, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.inlines[in.RoleName+"/"+in.PolicyName] = in.PolicyDocument
		return &iamshape.PutRolePolicyOutput{}, nil
	})
	api.Handle(f.srv, "GetRolePolicy", func(_ context.Context, _ api.Caller, in *iamshape.GetRolePolicyInput) (*iamshape.GetRolePolicyOutput, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		doc, ok := f.inlines[in.RoleName+"/"+in.PolicyName]
		if !ok {
			return nil, &api.Error{Code: "NoSuchEntity", Message: "The role policy with name " + in.PolicyName + " cannot be found."}
		}
		return &iamshape.GetRolePolicyOutput{RoleName: in.RoleName, PolicyName: in.PolicyName, PolicyDocument: doc}, nil
	})
	api.Handle(f.srv, "GetAccountSummary", func(context.Context, api.Caller, *iamshape.GetAccountSummaryInput) (*iamshape.GetAccountSummaryOutput, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		return &iamshape.GetAccountSummaryOutput{SummaryMap: map[string]int32{"Users": int32(len(f.users)), "UsersQuota": 5000}}, nil
	})
	api.Handle(f.srv, "ListUserTags", func(context.Context, api.Caller, *iamshape.ListUserTagsInput) (*iamshape.ListUserTagsOutput, error) {
		return &iamshape.ListUserTagsOutput{Tags: []iamshape.Tag{}}, nil // IsTruncated left nil on purpose
	})
	api.Handle(f.srv, "ListRoles", func(context.Context, api.Caller, *iamshape.ListRolesInput) (*iamshape.ListRolesOutput, error) {
		panic("boom in ListRoles")
	})
	api.Handle(f.srv, "ListGroups", func(context.Context, api.Caller, *iamshape.ListGroupsInput) (*iamshape.ListGroupsOutput, error) {
		return nil, errors.New("database is on fire (secret detail)")
	})
	api.Handle(f.srv, "GetCallerIdentity", func(ctx context.Context, c api.Caller, _ *stsshape.GetCallerIdentityInput) (*stsshape.GetCallerIdentityOutput, error) {
		if api.RequestFromContext(ctx).Operation != "GetCallerIdentity" {
			return nil, errors.New("request info missing from the context")
		}
		return &stsshape.GetCallerIdentityOutput{Account: aws.String(testAccount), Arn: aws.String("arn:aws:iam::" + testAccount + ":user/" + c.AccessKeyID()), UserId: aws.String("AIDA" + c.AccessKeyID())}, nil
	})
	api.Handle(f.srv, "AssumeRoleWithWebIdentity", func(_ context.Context, c api.Caller, in *stsshape.AssumeRoleWithWebIdentityInput) (*stsshape.AssumeRoleWithWebIdentityOutput, error) {
		if _, anon := c.(api.Anonymous); !anon {
			return nil, fmt.Errorf("caller %T, want api.Anonymous", c)
		}
		arns := make([]string, len(in.PolicyArns))
		for i, p := range in.PolicyArns {
			arns[i] = aws.ToString(p.Arn)
		}
		return &stsshape.AssumeRoleWithWebIdentityOutput{
			Credentials: &stsshape.Credentials{AccessKeyId: "ASIAEXAMPLEEXAMPLE12", SecretAccessKey: "s", SessionToken: "t", Expiration: fixedTime.Add(time.Hour)},
			AssumedRoleUser: &stsshape.AssumedRoleUser{AssumedRoleId: "AROAEXAMPLE:" + in.RoleSessionName,
				Arn: strings.Join(arns, ",")},
			SubjectFromWebIdentityToken: aws.String(in.WebIdentityToken),
		}, nil
	})
	f.http = httptest.NewServer(f.srv)
	t.Cleanup(f.http.Close)
	return f
}

func (f *fixture) iamClient(key string) *iam.Client {
	return iam.New(iam.Options{
		BaseEndpoint:     aws.String(f.http.URL),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(key, testSecret, ""),
		RetryMaxAttempts: 1,
	})
}

func (f *fixture) stsClient() *sts.Client {
	return sts.New(sts.Options{
		BaseEndpoint:     aws.String(f.http.URL),
		Region:           "eu-west-1",
		Credentials:      credentials.NewStaticCredentialsProvider(testKey, testSecret, ""),
		RetryMaxAttempts: 1,
	})
}

func apiError(t *testing.T, err error) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want an API error", err)
	}
	return ae
}

func TestSDKIAM(t *testing.T) {
	f := newFixture(t)
	c := f.iamClient(testKey)
	ctx := context.Background()

	created, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/eng/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a b:c=d+e@f")}, {Key: aws.String("k2"), Value: aws.String("")}}})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	u := created.User
	if aws.ToString(u.Arn) != "arn:aws:iam::123456789012:user/eng/alice" || !u.CreateDate.Equal(fixedTime) || len(u.Tags) != 2 ||
		aws.ToString(u.Tags[0].Value) != "a b:c=d+e@f" || aws.ToString(u.Tags[1].Key) != "k2" {
		t.Errorf("CreateUser decoded %+v (tags %+v)", u, u.Tags)
	}

	got, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	if err != nil || aws.ToString(got.User.UserId) != "AIDAALICE" {
		t.Fatalf("GetUser: %+v, %v", got, err)
	}

	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) || nse.ErrorMessage() != "The user with name bob cannot be found." || strings.Contains(err.Error(), "internal detail") {
		t.Errorf("GetUser(bob): got %v, want NoSuchEntityException", err)
	}

	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	var eae *iamtypes.EntityAlreadyExistsException
	if !errors.As(err, &eae) {
		t.Errorf("CreateUser twice: got %v, want EntityAlreadyExistsException", err)
	}

	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("a:b")})
	if ae := apiError(t, err); ae.ErrorCode() != "ValidationError" ||
		ae.ErrorMessage() != `1 validation error detected: Value 'a:b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+` {
		t.Errorf("invalid name: %s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}

	for _, n := range []string{"carol", "bob", "dave"} {
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pages := 0
	for p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(3)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		pages++
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.UserName))
			if u.Tags != nil {
				t.Errorf("ListUsers returned tags for %s", aws.ToString(u.UserName))
			}
		}
	}
	if strings.Join(names, ",") != "alice,bob,carol,dave" || pages != 2 {
		t.Errorf("ListUsers pages=%d names=%v", pages, names)
	}

	summary, err := c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil || summary.SummaryMap["Users"] != 4 || summary.SummaryMap["UsersQuota"] != 5000 {
		t.Errorf("GetAccountSummary: %+v, %v", summary, err)
	}

	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dave")}); err != nil {
		t.Errorf("DeleteUser: %v", err)
	}

	tags, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("alice")})
	if err != nil || tags.IsTruncated || tags.Tags == nil {
		t.Errorf("ListUserTags: %+v, %v", tags, err)
	}
	status, _, body := rawCall(t, f, "POST", "", "Action=ListUserTags&Version=2010-05-08&UserName=alice")
	if status != 200 || !strings.Contains(body, "<IsTruncated>false</IsTruncated>") || !strings.Contains(body, "<Tags/>") {
		t.Errorf("ListUserTags raw: %d\n%s", status, body)
	}

	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	if ae := apiError(t, err); ae.ErrorCode() != "NotImplemented" || !strings.Contains(ae.ErrorMessage(), "CreateGroup") {
		t.Errorf("unimplemented: %s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}

	_, err = c.ListGroups(ctx, &iam.ListGroupsInput{})
	var sf *iamtypes.ServiceFailureException
	if !errors.As(err, &sf) || strings.Contains(sf.ErrorMessage(), "fire") {
		t.Errorf("internal error: got %v, want ServiceFailureException without the cause", err)
	}

	_, err = f.iamClient(deniedKey).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	if ae := apiError(t, err); ae.ErrorCode() != "AccessDenied" {
		t.Errorf("denied: %s", ae.ErrorCode())
	}
}

// TestSDKPolicyDocumentByteExact checks the documented behaviour of Go SDK
// v2: it does not undo the percent-encoding, so url.QueryUnescape of the
// returned document must give back the submitted bytes.
func TestSDKPolicyDocumentByteExact(t *testing.T) {
	f := newFixture(t)
	c := f.iamClient(testKey)
	ctx := context.Background()
	docs := []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		"{\n  \"Version\": \"2012-10-17\",\r\n\t\"Statement\": [{\"Sid\": \"a+b c~é&<>%20\", \"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"}]\n}\n",
	}
	for i, doc := range docs {
		name := fmt.Sprintf("p%d", i)
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatalf("PutRolePolicy: %v", err)
		}
		out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String(name)})
		if err != nil {
			t.Fatalf("GetRolePolicy: %v", err)
		}
		raw := aws.ToString(out.PolicyDocument)
		if strings.ContainsAny(raw, "{\" +") {
			t.Errorf("document not percent-encoded: %q", raw)
		}
		back, err := url.QueryUnescape(raw)
		if err != nil || back != doc {
			t.Errorf("round trip:\n got %q (%v)\nwant %q", back, err, doc)
		}
	}
}

func TestSDKSTS(t *testing.T) {
	f := newFixture(t)
	c := f.stsClient()
	ctx := context.Background()

	id, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if aws.ToString(id.Account) != testAccount || aws.ToString(id.Arn) != "arn:aws:iam::123456789012:user/"+testKey {
		t.Errorf("GetCallerIdentity: %+v", id)
	}

	// Unsigned: the SDK sends no Authorization header; the fake
	// Authenticator would refuse the request if it were consulted.
	anon := sts.New(sts.Options{BaseEndpoint: aws.String(f.http.URL), Region: "us-east-1", RetryMaxAttempts: 1})
	out, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/ci"), RoleSessionName: aws.String("job-1"), WebIdentityToken: aws.String("eyJ.token.sig"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}, {Arn: aws.String("arn:aws:iam::aws:policy/Other")}},
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::aws:policy/Other" ||
		!out.Credentials.Expiration.Equal(fixedTime.Add(time.Hour)) || aws.ToString(out.SubjectFromWebIdentityToken) != "eyJ.token.sig" {
		t.Errorf("AssumeRoleWithWebIdentity: %+v %+v", out.AssumedRoleUser, out.Credentials)
	}

	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("s"),
		DurationSeconds: aws.Int32(60)})
	if ae := apiError(t, err); ae.ErrorCode() != "ValidationError" || !strings.Contains(ae.ErrorMessage(), "2 validation errors detected") {
		t.Errorf("AssumeRole validation: %s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}

	_, err = anon.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if ae := apiError(t, err); ae.ErrorCode() != "MissingAuthenticationToken" {
		t.Errorf("unsigned GetCallerIdentity: %s", ae.ErrorCode())
	}
}

// rawCall posts a form body (or GETs a query string) and returns the status,
// the x-amzn-RequestId header and the body.
func rawCall(t *testing.T, f *fixture, method, query, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.http.URL+"/?"+query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testKey+"/20240501/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestHTTPErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, method, query, body string
		status                    int
		code                      string
		message                   string
		ns                        string
	}{
		{"unknown action", "POST", "", "Action=Frobnicate&Version=2010-05-08", 400, "InvalidAction", "Could not find operation Frobnicate for version 2010-05-08", iamshape.XMLNamespace},
		{"STS action with IAM version", "POST", "", "Action=AssumeRole&Version=2010-05-08", 400, "InvalidAction", "Could not find operation AssumeRole for version 2010-05-08", iamshape.XMLNamespace},
		{"missing action", "POST", "", "Version=2011-06-15", 400, "MissingAction", "The request is missing an action or a required parameter.", stsshape.XMLNamespace},
		{"missing required", "POST", "", "Action=DeleteUser&Version=2010-05-08", 400, "ValidationError",
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null", iamshape.XMLNamespace},
		{"malformed integer", "POST", "", "Action=ListUsers&Version=2010-05-08&MaxItems=lots", 400, "InvalidParameterValue",
			"Value (lots) for parameter MaxItems is invalid. Expected an integer.", iamshape.XMLNamespace},
		{"bad marker", "POST", "", "Action=ListUsers&Version=2010-05-08&Marker=zzz", 400, "InvalidInput", "Invalid Marker.", iamshape.XMLNamespace},
		{"panic", "POST", "", "Action=ListRoles&Version=2010-05-08", 500, "ServiceFailure", "", iamshape.XMLNamespace},
		{"GET query string", "GET", "Action=GetUser&Version=2010-05-08&UserName=nobody", "", 404, "NoSuchEntity", "The user with name nobody cannot be found.", iamshape.XMLNamespace},
		{"wrong scope service", "POST", "", "Action=GetCallerIdentity&Version=2011-06-15", 403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ", stsshape.XMLNamespace},
		{"body too large", "POST", "", "Action=GetUser&Version=2010-05-08&Pad=" + strings.Repeat("x", 70<<10), 413, "RequestEntityTooLarge", "", iamshape.XMLNamespace},
		{"method", "PUT", "", "Action=GetUser&Version=2010-05-08", 405, "MethodNotAllowed", "", iamshape.XMLNamespace},
		{"malformed form", "POST", "", "Action=GetUser&Version=2010-05-08&x=%zz", 400, "MalformedQueryString", "", iamshape.XMLNamespace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := rawCall(t, f, tt.method, tt.query, tt.body)
			if status != tt.status {
				t.Errorf("status %d, want %d\n%s", status, tt.status, body)
			}
			id := hdr.Get("x-amzn-RequestId")
			if len(id) != 36 || id[14] != '4' {
				t.Errorf("request id %q is not a v4 UUID", id)
			}
			sender := "Sender"
			if tt.status >= 500 {
				sender = "Receiver"
			}
			for _, want := range []string{
				`<ErrorResponse xmlns="` + tt.ns + `">`, "<Type>" + sender + "</Type>", "<Code>" + tt.code + "</Code>",
				"<Message>" + tt.message, "<RequestId>" + id + "</RequestId>\n</ErrorResponse>",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q:\n%s", want, body)
				}
			}
			if ct := hdr.Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "boom in ListRoles") || !strings.Contains(logs, `"error_code":"ServiceFailure"`) {
		t.Errorf("panic cause not logged:\n%s", logs)
	}
	if !strings.Contains(logs, `"claimed_access_key_id":"`+testKey+`"`) {
		t.Errorf("failed authentication does not log the claimed key:\n%s", logs)
	}
	if got := counterValue(t, f.reg, "ListUsers", "InvalidInput"); got != 1 {
		t.Errorf("requests_total{ListUsers,InvalidInput} = %v, want 1", got)
	}
	// Made-up actions must not become label values.
	if strings.Contains(gatherText(t, f.reg), "Frobnicate") {
		t.Error("unknown action leaked into metric labels")
	}
}

func TestLogLine(t *testing.T) {
	f := newFixture(t)
	c := f.iamClient(testKey)
	if _, err := c.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("nobody")}); err == nil {
		t.Fatal("want an error")
	}
	logs := f.logs.String()
	for _, want := range []string{`"action":"GetUser"`, `"service":"iam"`, `"status":404`, `"error_code":"NoSuchEntity"`, `"access_key_id":"` + testKey + `"`, `"request_id":"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, testSecret) {
		t.Error("secret access key logged")
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, action, code string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "iamd_api_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["action"] == action && labels["code"] == code {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no iamd_api_requests_total{action=%q,code=%q}", action, code)
	return 0
}

func gatherText(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	api.MetricsHandler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func TestHandleRejectsWiringMistakes(t *testing.T) {
	srv, err := api.New(api.Options{Authenticator: sigv4Authn{}, Authorizer: denyKeyAuthz{}})
	if err != nil {
		t.Fatal(err)
	}
	mustPanic := func(name string, fn func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		fn()
	}
	mustPanic("wrong input type", func() {
		api.Handle(srv, "CreateUser", func(context.Context, api.Caller, *iamshape.GetUserInput) (*iamshape.CreateUserOutput, error) {
			return nil, nil
		})
	})
	mustPanic("wrong output type", func() {
		api.Handle(srv, "CreateUser", func(context.Context, api.Caller, *iamshape.CreateUserInput) (*iamshape.GetUserOutput, error) {
			return nil, nil
		})
	})
	mustPanic("unknown operation", func() {
		api.Handle(srv, "Frobnicate", func(context.Context, api.Caller, *iamshape.CreateUserInput) (*iamshape.CreateUserOutput, error) {
			return nil, nil
		})
	})
	h := func(context.Context, api.Caller, *iamshape.CreateUserInput) (*iamshape.CreateUserOutput, error) {
		return nil, nil
	}
	api.Handle(srv, "CreateUser", h)
	mustPanic("twice", func() { api.Handle(srv, "CreateUser", h) })
	if _, err := api.New(api.Options{}); err == nil {
		t.Error("New without Authenticator/Authorizer succeeded")
	}
}

func TestOperationTable(t *testing.T) {
	f := newFixture(t)
	ops := f.srv.OperationTable()
	count := map[string]int{}
	implemented := map[string]bool{}
	for _, o := range ops {
		count[o.Service]++
		implemented[o.Name] = o.Implemented
	}
	if count["iam"] != 176 || count["sts"] != 11 {
		t.Errorf("operation counts %v, want iam 176, sts 11", count)
	}
	if !implemented["CreateUser"] || !implemented["GetCallerIdentity"] || implemented["CreateGroup"] {
		t.Errorf("implemented flags wrong: %v", implemented)
	}
	md := api.MarkdownOperationTable(ops)
	for _, want := range []string{
		"Implemented: STS 2 of 11, IAM 10 of 176 operations.",
		"| IAM | ListUsers | yes | yes | yes |",
		"| IAM | CreateGroup |  |  | yes |",
		"| STS | AssumeRoleWithWebIdentity | yes |  | no |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
