package authz_test

// The "done when" scenarios, end to end with aws-sdk-go-v2 against
// a real server: users, group members, role sessions and roots get what
// their policies allow and AWS's AccessDenied message for everything else;
// the seed workflows (the EC2 owner-tag rule through the check API, an
// explicit deny in one group beating an allow in another, the key-age rule
// as a Deny policy) behave as AWS would.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/authzclient"
	"github.com/iamd/iamd/internal/server/servertest"
)

// denied is AWS's implicit-deny message.
func denied(principal, action, resource string) string {
	return "User: " + principal + " is not authorized to perform: " + action + " on resource: " + resource +
		" because no identity-based policy allows the " + action + " action"
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestScenarioPrincipals: each kind of principal does what it may and is
// refused the rest, with AWS's message naming it, the action and the
// resource.
func TestScenarioPrincipals(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	root := env.IAM()
	acct := env.AccountID
	arn := func(s string) string { return "arn:aws:iam::" + acct + ":" + s }

	// ursula: an inline policy of her own.
	ursula := newUser(t, env, "ursula", "/staff/")
	must[*awsiam.PutUserPolicyOutput](t)(root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("ursula"), PolicyName: aws.String("self"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"},
			{"Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys"],"Resource":"arn:aws:iam::*:user/*/${aws:username}"}]}`)}))
	// gary: a managed policy attached to his group.
	must[*awsiam.CreateGroupOutput](t)(root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("readers")}))
	pol := must[*awsiam.CreatePolicyOutput](t)(root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("ListAll"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:List*","Resource":"*"}}`)}))
	must[*awsiam.AttachGroupPolicyOutput](t)(root.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("readers"), PolicyArn: pol.Policy.Arn}))
	gary := newUser(t, env, "gary", "/", "readers")
	// ops/deploy: a role session.
	must[*awsiam.CreateRoleOutput](t)(root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("deploy"), Path: aws.String("/ops/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + arn("root") + `"},"Action":"sts:AssumeRole"}}`)}))
	must[*awsiam.PutRolePolicyOutput](t)(root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String("roles"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:ListRoles","iam:GetRole"],"Resource":"*"}}`)}))
	// The root may not assume roles: a user allowed sts:AssumeRole does.
	dkid, dsecret := env.CreateAssumerWithKey(t, "deployer")
	as := must[*sts.AssumeRoleOutput](t)(env.STSAs(t, dkid, dsecret, "").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn("role/ops/deploy")), RoleSessionName: aws.String("ci")}))
	role := env.IAMWithToken(t, *as.Credentials.AccessKeyId, *as.Credentials.SecretAccessKey, *as.Credentials.SessionToken)
	session := "arn:aws:sts::" + acct + ":assumed-role/deploy/ci"

	type call struct {
		name string
		do   func(*awsiam.Client) error
		deny string // "" when allowed
	}
	getUser := func(n string) func(*awsiam.Client) error {
		return func(c *awsiam.Client) error {
			in := &awsiam.GetUserInput{}
			if n != "" {
				in.UserName = aws.String(n)
			}
			_, err := c.GetUser(ctx, in)
			return err
		}
	}
	listUsers := func(c *awsiam.Client) error { _, err := c.ListUsers(ctx, &awsiam.ListUsersInput{}); return err }
	listRoles := func(c *awsiam.Client) error { _, err := c.ListRoles(ctx, &awsiam.ListRolesInput{}); return err }
	getRole := func(c *awsiam.Client) error {
		_, err := c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("deploy")})
		return err
	}
	createGroup := func(n string) func(*awsiam.Client) error {
		return func(c *awsiam.Client) error {
			_, err := c.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String(n), Path: aws.String("/teams/")})
			return err
		}
	}
	deleteUser := func(c *awsiam.Client) error {
		_, err := c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("nobody")})
		return err
	}
	for _, p := range []struct {
		who    string
		client *awsiam.Client
		arn    string
		calls  []call
	}{
		{"user", ursula, arn("user/staff/ursula"), []call{
			{"ListUsers", listUsers, ""},
			{"GetUser self", getUser(""), ""},
			{"GetUser self by name", getUser("ursula"), ""},
			{"GetUser other", getUser("gary"), denied(arn("user/staff/ursula"), "iam:GetUser", arn("user/gary"))},
			{"ListRoles", listRoles, denied(arn("user/staff/ursula"), "iam:ListRoles", "*")},
			{"CreateGroup", createGroup("u"), denied(arn("user/staff/ursula"), "iam:CreateGroup", arn("group/teams/u"))},
		}},
		{"group member", gary, arn("user/gary"), []call{
			{"ListUsers", listUsers, ""},
			{"ListRoles", listRoles, ""},
			{"GetUser self", getUser(""), denied(arn("user/gary"), "iam:GetUser", arn("user/gary"))},
			{"GetRole", getRole, denied(arn("user/gary"), "iam:GetRole", arn("role/ops/deploy"))},
			{"DeleteUser", deleteUser, denied(arn("user/gary"), "iam:DeleteUser", arn("user/nobody"))},
		}},
		{"role session", role, session, []call{
			{"ListRoles", listRoles, ""},
			{"GetRole", getRole, ""},
			{"ListUsers", listUsers, denied(session, "iam:ListUsers", "*")},
			{"CreateGroup", createGroup("r"), denied(session, "iam:CreateGroup", arn("group/teams/r"))},
		}},
		{"root", root, arn("root"), []call{
			{"ListUsers", listUsers, ""},
			{"GetRole", getRole, ""},
			{"CreateGroup", createGroup("root-made"), ""},
		}},
	} {
		t.Run(p.who, func(t *testing.T) {
			for _, c := range p.calls {
				err := c.do(p.client)
				if c.deny == "" {
					if err != nil {
						t.Errorf("%s: %v", c.name, err)
					}
					continue
				}
				if err == nil {
					t.Errorf("%s: allowed, want AccessDenied", c.name)
					continue
				}
				if ae := apiErr(t, err); ae.ErrorCode() != "AccessDenied" || ae.ErrorMessage() != c.deny {
					t.Errorf("%s:\n got %s: %s\nwant AccessDenied: %s", c.name, ae.ErrorCode(), ae.ErrorMessage(), c.deny)
				}
			}
		})
	}
	// Who am I needs no permission: the session asks with no policy for it.
	who := must[*sts.GetCallerIdentityOutput](t)(env.STSAs(t, *as.Credentials.AccessKeyId, *as.Credentials.SecretAccessKey, *as.Credentials.SessionToken).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *who.Arn != session {
		t.Errorf("session identity %s", *who.Arn)
	}
}

// checkClient is a check-API client for the service user name, allowed
// iamd:Authorize on the account's users.
func checkClient(t *testing.T, env *servertest.Env, name string) *authzclient.Client {
	t.Helper()
	key, secret := env.CreateUserWithKey(t, name)
	must[*awsiam.PutUserPolicyOutput](t)(env.IAM().PutUserPolicy(t.Context(), &awsiam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("authorize"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iamd:Authorize","Resource":"arn:aws:iam::` + env.AccountID + `:user/*"}}`)}))
	c, err := authzclient.New(env.URL, credentials.NewStaticCredentialsProvider(key, secret, ""),
		authzclient.WithHTTPClient(env.HTTPClient), authzclient.WithClock(env.Now))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signed is a request to another service (an EC2-style Query API or an
// S3-style store) signed by the given key for that service, as received.
func signed(t *testing.T, env *servertest.Env, service, method, url, body, key, secret string) *authzclient.SignedRequest {
	t.Helper()
	r, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, r,
		hex.EncodeToString(sum[:]), service, "us-east-1", env.Now()); err != nil {
		t.Fatal(err)
	}
	fw := authzclient.ForwardedRequest(r, hex.EncodeToString(sum[:]))
	fw.Headers["Host"] = []string{r.URL.Host}
	return fw
}

// TestScenarioEC2OwnerTag is the seed's workflow (a): developers may start
// and stop only the instances whose Owner tag is their user name. An
// EC2-style service asks iamd, giving the instance's tags as
// ec2:ResourceTag/* context keys.
func TestScenarioEC2OwnerTag(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	root := env.IAM()
	acct := env.AccountID
	must[*awsiam.CreateGroupOutput](t)(root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("developers")}))
	must[*awsiam.PutGroupPolicyOutput](t)(root.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String("developers"), PolicyName: aws.String("own-instances"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"OwnInstances","Effect":"Allow",
			"Action":["ec2:StartInstances","ec2:StopInstances"],"Resource":"arn:aws:ec2:*:*:instance/*",
			"Condition":{"StringEquals":{"ec2:ResourceTag/Owner":"${aws:username}"}}}]}`)}))
	newUser(t, env, "alice", "/", "developers")
	k := must[*awsiam.CreateAccessKeyOutput](t)(root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")}))
	newUser(t, env, "bob", "/", "developers")
	ec2 := checkClient(t, env, "ec2-control")

	instance := func(id string) string { return "arn:aws:ec2:us-east-1:" + acct + ":instance/" + id }
	owner := func(o string) map[string][]string {
		if o == "" {
			return nil
		}
		return map[string][]string{"ec2:ResourceTag/Owner": {o}}
	}
	alice := "arn:aws:iam::" + acct + ":user/alice"
	for _, tc := range []struct {
		name, principal, action, instance, owner, want string
	}{
		{"start own", alice, "ec2:StartInstances", "i-a1", "alice", "Allow"},
		{"stop own", alice, "ec2:StopInstances", "i-a1", "alice", "Allow"},
		{"stop bob's", alice, "ec2:StopInstances", "i-b1", "bob", "ImplicitDeny"},
		{"untagged", alice, "ec2:StartInstances", "i-x", "", "ImplicitDeny"},
		{"case matters", alice, "ec2:StartInstances", "i-a2", "Alice", "ImplicitDeny"},
		{"terminate own", alice, "ec2:TerminateInstances", "i-a1", "alice", "ImplicitDeny"},
		{"bob stops bob's", "arn:aws:iam::" + acct + ":user/bob", "ec2:StopInstances", "i-b1", "bob", "Allow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ec2.Check(ctx, &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: tc.principal},
				Check: authzclient.Check{Action: tc.action, Resource: instance(tc.instance), Context: owner(tc.owner)}})
			if err != nil || res.Decision != tc.want {
				t.Fatalf("%+v %v, want %s", res, err, tc.want)
			}
			if tc.want == "Allow" && (len(res.MatchedStatements) != 1 || res.MatchedStatements[0].Sid != "OwnInstances") {
				t.Errorf("deciding statements %+v", res.MatchedStatements)
			}
			if tc.want != "Allow" && res.Reason != denied(tc.principal, tc.action, instance(tc.instance)) {
				t.Errorf("reason %q", res.Reason)
			}
		})
	}
	// The EC2 service forwards alice's own signed StartInstances request:
	// iamd verifies it and decides for her, in one batch for both
	// instances she named.
	fw := signed(t, env, "ec2", "POST", "http://ec2.local/", "Action=StartInstances&InstanceId.1=i-a1&InstanceId.2=i-b1&Version=2016-11-15",
		*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey)
	out, err := ec2.CheckBatch(ctx, &authzclient.BatchRequest{Request: fw, Checks: []authzclient.Check{
		{Action: "ec2:StartInstances", Resource: instance("i-a1"), Context: owner("alice")},
		{Action: "ec2:StartInstances", Resource: instance("i-b1"), Context: owner("bob")},
	}})
	if err != nil || out.Principal.ARN != alice || !out.Results[0].Allowed || out.Results[1].Allowed ||
		out.Results[1].Reason != denied(alice, "ec2:StartInstances", instance("i-b1")) {
		t.Fatalf("forwarded batch: %+v %v", out, err)
	}
}

// TestScenarioExplicitDenyAcrossGroups is workflow (b): an explicit Deny in
// one group beats an Allow in another, for the IAM API and the check API
// alike, and leaving the denying group lifts it at the next request.
func TestScenarioExplicitDenyAcrossGroups(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	root := env.IAM()
	acct := env.AccountID
	for g, doc := range map[string]string{
		"admins":      `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:*","s3:*"],"Resource":"*"}}`,
		"contractors": `{"Version":"2012-10-17","Statement":{"Sid":"NoUserDeletion","Effect":"Deny","Action":["iam:DeleteUser","s3:DeleteBucket"],"Resource":"*"}}`,
	} {
		must[*awsiam.CreateGroupOutput](t)(root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String(g)}))
		must[*awsiam.PutGroupPolicyOutput](t)(root.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String(g), PolicyName: aws.String(g), PolicyDocument: aws.String(doc)}))
	}
	dana := newUser(t, env, "dana", "/", "admins", "contractors")
	danaARN := "arn:aws:iam::" + acct + ":user/dana"
	must[*awsiam.CreateUserOutput](t)(dana.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("temp")}))
	_, err := dana.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("temp")})
	wantAccessDenied(t, err, "User: "+danaARN+" is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::"+acct+":user/temp with an explicit deny in an identity-based policy")

	s3 := checkClient(t, env, "s3-gateway")
	res, err := s3.CheckBatch(ctx, &authzclient.BatchRequest{Principal: &authzclient.Principal{ARN: danaARN}, Checks: []authzclient.Check{
		{Action: "s3:CreateBucket", Resource: "arn:aws:s3:::logs"},
		{Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::logs"},
	}})
	if err != nil || !res.Results[0].Allowed || res.Results[1].Decision != "ExplicitDeny" || res.Results[1].DeniedBy != "identity" ||
		res.Results[1].MatchedStatements[0].Sid != "NoUserDeletion" || res.Results[1].MatchedStatements[0].Policy != "contractors" {
		t.Fatalf("check API: %+v %v", res, err)
	}

	must[*awsiam.RemoveUserFromGroupOutput](t)(root.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String("contractors"), UserName: aws.String("dana")}))
	must[*awsiam.DeleteUserOutput](t)(dana.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("temp")}))
	if r, err := s3.Check(ctx, &authzclient.CheckRequest{Principal: &authzclient.Principal{ARN: danaARN},
		Check: authzclient.Check{Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::logs"}}); err != nil || !r.Allowed {
		t.Fatalf("after leaving the group: %+v %v", r, err)
	}
}

// TestScenarioKeyAgeRule is workflow (c): the rotation rule as a Deny on
// iamd:AccessKeyAgeDays binds the IAM API and, through the check API, the
// requests a user signs for other services; a fresh key works again.
func TestScenarioKeyAgeRule(t *testing.T) {
	env := servertest.Start(t)
	ctx := t.Context()
	root := env.IAM()
	acct := env.AccountID
	must[*awsiam.CreateGroupOutput](t)(root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("everyone")}))
	must[*awsiam.PutGroupPolicyOutput](t)(root.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String("everyone"), PolicyName: aws.String("rotation"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["s3:GetObject","iam:ListUsers"],"Resource":"*"},
			{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:DeleteAccessKey","iam:ListAccessKeys"],"Resource":"arn:aws:iam::*:user/${aws:username}"},
			{"Sid":"RotateEvery90Days","Effect":"Deny","NotAction":["iam:CreateAccessKey","iam:DeleteAccessKey","iam:ListAccessKeys"],"Resource":"*",
			 "Condition":{"NumericGreaterThan":{"iamd:AccessKeyAgeDays":"90"}}}]}`)}))
	must[*awsiam.CreateUserOutput](t)(root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("sam")}))
	must[*awsiam.AddUserToGroupOutput](t)(root.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("everyone"), UserName: aws.String("sam")}))
	k := must[*awsiam.CreateAccessKeyOutput](t)(root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("sam")}))
	oldKey, oldSecret := *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey
	sam := env.IAMAs(t, oldKey, oldSecret)
	samARN := "arn:aws:iam::" + acct + ":user/sam"
	s3 := checkClient(t, env, "s3-gateway")
	get := func(key, secret string) *authzclient.CheckResponse {
		t.Helper()
		r, err := s3.Check(ctx, &authzclient.CheckRequest{Request: signed(t, env, "s3", "GET", "http://s3.local/b/k", "", key, secret),
			Check: authzclient.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	env.Advance(90 * 24 * time.Hour) // day 90: still fine
	must[*awsiam.ListUsersOutput](t)(sam.ListUsers(ctx, &awsiam.ListUsersInput{}))
	if r := get(oldKey, oldSecret); !r.Allowed {
		t.Fatalf("day 90: %+v", r)
	}
	env.Advance(24 * time.Hour) // day 91
	_, err := sam.ListUsers(ctx, &awsiam.ListUsersInput{})
	wantAccessDenied(t, err, "User: "+samARN+" is not authorized to perform: iam:ListUsers on resource: * with an explicit deny in an identity-based policy")
	if r := get(oldKey, oldSecret); r.Allowed || r.Decision != "ExplicitDeny" || r.MatchedStatements[0].Sid != "RotateEvery90Days" ||
		r.Reason != "User: "+samARN+" is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in an identity-based policy" {
		t.Fatalf("day 91 via the check API: %+v", r)
	}
	// Rotation with the old key, then the new one works everywhere.
	nk := must[*awsiam.CreateAccessKeyOutput](t)(sam.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{}))
	fresh := env.IAMAs(t, *nk.AccessKey.AccessKeyId, *nk.AccessKey.SecretAccessKey)
	must[*awsiam.ListUsersOutput](t)(fresh.ListUsers(ctx, &awsiam.ListUsersInput{}))
	if r := get(*nk.AccessKey.AccessKeyId, *nk.AccessKey.SecretAccessKey); !r.Allowed {
		t.Fatalf("new key via the check API: %+v", r)
	}
	must[*awsiam.DeleteAccessKeyOutput](t)(fresh.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{AccessKeyId: aws.String(oldKey)}))
}
