package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/server/servertest"
)

// TestExecHelperProcess is the command `iamd exec` runs in these tests: a
// Go program that only calls config.LoadDefaultConfig and prints
// GetCallerIdentity's ARN, then exits with IAMD_EXEC_HELPER_EXIT.
func TestExecHelperProcess(t *testing.T) {
	if os.Getenv("IAMD_EXEC_HELPER") != "1" {
		t.Skip("run by TestExec as the command of iamd exec")
	}
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "config:", err)
		os.Exit(3)
	}
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "GetCallerIdentity:", err)
		os.Exit(4)
	}
	fmt.Println(aws.ToString(who.Arn))
	var code int
	fmt.Sscan(os.Getenv("IAMD_EXEC_HELPER_EXIT"), &code)
	os.Exit(code)
}

// execEnv sets up a server (clock at the wall clock: the SDKs sign with it)
// with role web in instance profile web, and the caller's environment as
// the aws CLI would see it: the root key in AWS_* variables.
func startExecEnv(t *testing.T) *servertest.Env {
	t.Helper()
	env := servertest.Start(t, servertest.WithStart(time.Now().UTC().Truncate(time.Second)))
	ctx := t.Context()
	if _, err := env.IAM().CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.IAM().CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.IAM().AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{
		InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": env.RootAccessKeyID, "AWS_SECRET_ACCESS_KEY": env.RootSecret, "AWS_SESSION_TOKEN": "",
		"AWS_REGION": servertest.Region, "AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_STS": "", "AWS_EC2_METADATA_DISABLED": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "",
	} {
		t.Setenv(k, v)
	}
	return env
}

func TestExecGoProgram(t *testing.T) {
	env := startExecEnv(t)
	t.Setenv("IAMD_EXEC_HELPER", "1")
	t.Setenv("IAMD_EXEC_HELPER_EXIT", "7")
	var out, errOut bytes.Buffer
	code := run([]string{"exec", "--instance-profile", "web", "--endpoint-url", env.URL, "--duration", "1h",
		"--", os.Args[0], "-test.run=^TestExecHelperProcess$"}, nil, &out, &errOut)
	if code != 7 {
		t.Fatalf("exit %d (want the command's 7); stderr: %s", code, errOut.String())
	}
	want := "arn:aws:sts::" + env.AccountID + ":assumed-role/web/i-"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("command printed %q, want an ARN starting %s", out.String(), want)
	}
}

func TestExecRefused(t *testing.T) {
	env := startExecEnv(t)
	var out, errOut bytes.Buffer
	code := run([]string{"exec", "--instance-profile", "nope", "--endpoint-url", env.URL, "--", "true"}, nil, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "NoSuchEntity") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	code = run([]string{"exec", "--endpoint-url", env.URL, "--", "true"}, nil, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "--instance-profile is required") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

// The aws CLI (botocore) under iamd exec: through the container endpoint,
// and with only the metadata service.
func TestExecAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the aws CLI is not installed")
	}
	env := startExecEnv(t)
	want := "arn:aws:sts::" + env.AccountID + ":assumed-role/web/i-"
	for name, argv := range map[string][]string{
		"container credentials": {"aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"},
		"IMDS only": {"env", "-u", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "-u", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
			"aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"},
	} {
		var out, errOut bytes.Buffer
		args := append([]string{"exec", "--instance-profile", "web", "--endpoint-url", env.URL, "--"}, argv...)
		if code := run(args, nil, &out, &errOut); code != 0 {
			t.Fatalf("%s: exit %d; stderr: %s", name, code, errOut.String())
		}
		if !strings.HasPrefix(strings.TrimSpace(out.String()), want) {
			t.Fatalf("%s: printed %q, want %s…", name, out.String(), want)
		}
	}
}
