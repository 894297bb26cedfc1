package sts

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

const ec2Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func (e *env) profile(name, role string) {
	e.t.Helper()
	ctx := e.t.Context()
	if _, err := e.iam.CreateInstanceProfile(ctx, acct1, name, "/", nil); err != nil {
		e.t.Fatal(err)
	}
	if role != "" {
		if err := e.iam.AddRoleToInstanceProfile(ctx, acct1, name, role); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestInstanceCredentials(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	web := e.role(acct1, "web", ec2Trust, 0)
	e.profile("web", "web")
	root := rootOf(acct1)

	inst, err := e.sts.StartInstance(ctx, root, StartInstanceInput{ProfileName: "web", Duration: 90 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(inst.ID, "i-") || len(inst.ID) != 19 || inst.RoleARN != web.ARN || inst.Token == "" ||
		!inst.Expiration.Equal(e.clock.Now().Add(90*time.Minute)) {
		t.Fatalf("instance %+v", inst)
	}
	c, err := e.sts.InstanceCredentials(ctx, inst.Token)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Expiration.Equal(e.clock.Now().Add(InstanceCredentialDuration)) || c.RoleName != "web" || c.InstanceID != inst.ID {
		t.Fatalf("credentials %+v", c)
	}
	id := e.session(c.Credentials)
	if id.ARN != "arn:aws:sts::"+acct1+":assumed-role/web/"+inst.ID || id.UserID != web.ID+":"+inst.ID {
		t.Fatalf("session %+v", id)
	}
	// Credentials never outlive the instance.
	e.clock.Advance(time.Hour)
	c, err = e.sts.InstanceCredentials(ctx, inst.Token)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Expiration.Equal(inst.Expiration) {
		t.Fatalf("credentials expire %v, instance %v", c.Expiration, inst.Expiration)
	}
	// The profile's current role is delivered.
	e.role(acct1, "web2", ec2Trust, 0)
	if err := e.iam.RemoveRoleFromInstanceProfile(ctx, acct1, "web", "web"); err != nil {
		t.Fatal(err)
	}
	if err := e.iam.AddRoleToInstanceProfile(ctx, acct1, "web", "web2"); err != nil {
		t.Fatal(err)
	}
	if c, err = e.sts.InstanceCredentials(ctx, inst.Token); err != nil || c.RoleName != "web2" {
		t.Fatalf("after swapping the role: %+v, %v", c, err)
	}
	e.clock.Advance(30 * time.Minute)
	if _, err := e.sts.InstanceCredentials(ctx, inst.Token); !errors.Is(err, ErrInstanceEnded) {
		t.Fatalf("ended instance: err = %v", err)
	}
	for _, bad := range []string{"", "garbage", inst.Token[:len(inst.Token)-2]} {
		if _, err := e.sts.InstanceCredentials(ctx, bad); !errors.Is(err, ErrInvalidInstanceToken) {
			t.Fatalf("token %q: err = %v", bad, err)
		}
	}
	// A session token is not an instance token.
	if _, err := e.sts.InstanceCredentials(ctx, c.SessionToken); !errors.Is(err, ErrInvalidInstanceToken) {
		t.Fatalf("session token as instance token: err = %v", err)
	}
}

func TestStartInstanceChecks(t *testing.T) {
	passRole := compiled(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*",
		"Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}`)
	e := newEnv(t, staticPolicies{passRole})
	ctx := t.Context()
	e.role(acct1, "web", ec2Trust, 0)
	e.role(acct1, "lambda-only", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, 0)
	e.profile("web", "web")
	e.profile("lambda", "lambda-only")
	e.profile("empty", "")
	alice := e.user(acct1, "alice")

	if _, err := e.sts.StartInstance(ctx, alice, StartInstanceInput{ProfileName: "web"}); err != nil {
		t.Fatalf("user allowed to pass the role: %v", err)
	}
	_, err := e.sts.StartInstance(ctx, alice, StartInstanceInput{ProfileName: "lambda"})
	wantCode(t, err, iam.CodeAccessDenied, "does not allow ec2.amazonaws.com to assume it")
	_, err = e.sts.StartInstance(ctx, alice, StartInstanceInput{ProfileName: "empty"})
	wantCode(t, err, iam.CodeInvalidInput, "has no role")
	_, err = e.sts.StartInstance(ctx, alice, StartInstanceInput{ProfileName: "missing"})
	wantCode(t, err, iam.CodeNoSuchEntity, "missing")
	_, err = e.sts.StartInstance(ctx, alice, StartInstanceInput{ProfileName: "web", Duration: MaxInstanceLifetime + time.Second})
	wantCode(t, err, iam.CodeValidationError, "durationSeconds")

	// Without PassRole the caller cannot start it.
	bare := newEnv(t, nil)
	bare.role(acct1, "web", ec2Trust, 0)
	bare.profile("web", "web")
	bob := bare.user(acct1, "bob")
	_, err = bare.sts.StartInstance(ctx, bob, StartInstanceInput{ProfileName: "web"})
	wantCode(t, err, iam.CodeAccessDenied, "User: "+bob.ARN+" is not authorized to perform: iam:PassRole on resource: "+iam.RoleARN(acct1, "/", "web"))
}
