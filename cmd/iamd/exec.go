package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/iamd/iamd/internal/api/stsapi"
)

// execEnvCleared are the variables removed from the command's environment
// so that the SDKs' default chains reach the instance's credentials (the
// container endpoint, then IMDS) instead of the caller's own.
var execEnvCleared = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
}

func newExecCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var (
		profileName string
		endpoint    string
		awsProfile  string
		duration    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "exec --instance-profile NAME [flags] -- COMMAND [ARGS...]",
		Short: "Run a command as an instance of an instance profile",
		Long: `exec starts an instance of the instance profile on the iamd server (you must be allowed
iam:PassRole on its role, and the role must trust ec2.amazonaws.com) and runs COMMAND with
credentials of that role delivered as AWS SDKs expect them on an instance: a container
credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN)
and an IMDSv2-compatible metadata service (AWS_EC2_METADATA_SERVICE_ENDPOINT), both on
loopback, refreshed before they expire. The server and your own credentials are found as the
aws CLI finds them: --endpoint-url, AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, the AWS_*
credential variables, profiles. COMMAND gets AWS_ENDPOINT_URL set to the server, and neither
your credentials nor your AWS config files.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if profileName == "" {
				return errors.New("--instance-profile is required")
			}
			return runExec(cmd.Context(), execOptions{
				profile: profileName, endpoint: endpoint, awsProfile: awsProfile, duration: duration,
				args: args, stdin: stdin, stdout: stdout, stderr: stderr,
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&profileName, "instance-profile", "", "instance profile to run as (required)")
	f.StringVar(&endpoint, "endpoint-url", "", "iamd server URL (default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the profile's endpoint_url)")
	f.StringVar(&awsProfile, "profile", "", "AWS profile of your own credentials")
	f.DurationVar(&duration, "duration", 0, "how long the instance may get credentials (default 12h, at most 36h)")
	f.SetInterspersed(false)
	return cmd
}

type execOptions struct {
	profile, endpoint, awsProfile string
	duration                      time.Duration
	args                          []string
	stdin                         io.Reader
	stdout, stderr                io.Writer
}

func runExec(ctx context.Context, o execOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var loadOpts []func(*awsconfig.LoadOptions) error
	if o.awsProfile != "" {
		loadOpts = append(loadOpts, awsconfig.WithSharedConfigProfile(o.awsProfile))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return fmt.Errorf("exec: AWS configuration: %w", err)
	}
	endpoint := o.endpoint
	for _, v := range []string{os.Getenv("AWS_ENDPOINT_URL_STS"), os.Getenv("AWS_ENDPOINT_URL"), aws.ToString(cfg.BaseEndpoint)} {
		if endpoint == "" {
			endpoint = v
		}
	}
	if endpoint == "" {
		return errors.New("exec: no iamd endpoint: give --endpoint-url or set AWS_ENDPOINT_URL")
	}
	endpoint = strings.TrimSuffix(endpoint, "/")
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	inst, err := startInstance(ctx, cfg, endpoint, region, o.profile, o.duration)
	if err != nil {
		return err
	}

	var tokBytes [32]byte
	if _, err := io.ReadFull(rand.Reader, tokBytes[:]); err != nil {
		return err
	}
	localToken := base64.RawURLEncoding.EncodeToString(tokBytes[:])
	agent, err := stsapi.NewAgent(stsapi.AgentConfig{
		Fetch:     stsapi.ServerFetcher(&http.Client{Timeout: 10 * time.Second}, endpoint, inst.Token),
		AuthToken: localToken, Now: time.Now, Rand: rand.Reader,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("exec: credentials endpoint: %w", err)
	}
	srv := &http.Server{Handler: agent, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	local := "http://" + ln.Addr().String()

	env := execEnv(os.Environ(), map[string]string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": local + stsapi.AgentCredentialsPath,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN":  localToken,
		"AWS_EC2_METADATA_SERVICE_ENDPOINT":  local + "/",
		"AWS_ENDPOINT_URL":                   endpoint,
		"AWS_REGION":                         region,
		"AWS_DEFAULT_REGION":                 region,
		// The command must not read the caller's credentials from files.
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	})
	c := exec.Command(o.args[0], o.args[1:]...)
	c.Env, c.Stdin, c.Stdout, c.Stderr = env, o.stdin, o.stdout, o.stderr
	if err := c.Start(); err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	// Signals meant for the command (Ctrl-C) go to it; exec waits for it
	// and exits with its status.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	for {
		select {
		case s := <-sigs:
			_ = c.Process.Signal(s)
		case err := <-done:
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				if code := ee.ExitCode(); code >= 0 {
					return exitCode(code)
				}
				return exitCode(128 + 15)
			}
			return err
		}
	}
}

// execEnv is base without the cleared variables, plus set.
func execEnv(base []string, set map[string]string) []string {
	out := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, c := range execEnvCleared {
			if k == c {
				drop = true
				break
			}
		}
		if _, ok := set[k]; ok {
			drop = true
		}
		if !drop {
			out = append(out, kv)
		}
	}
	for k, v := range set {
		out = append(out, k+"="+v)
	}
	return out
}

// startInstance asks the server to start the instance, signing as the
// caller (SigV4, service sts).
func startInstance(ctx context.Context, cfg aws.Config, endpoint, region, profile string, d time.Duration) (stsapi.StartInstanceOutput, error) {
	var out stsapi.StartInstanceOutput
	if cfg.Credentials == nil {
		return out, errors.New("exec: no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile)")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return out, fmt.Errorf("exec: your AWS credentials: %w", err)
	}
	form := url.Values{"InstanceProfileName": {profile}}
	if d > 0 {
		form.Set("DurationSeconds", strconv.FormatInt(int64(d/time.Second), 10))
	}
	body := []byte(form.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+stsapi.PathInstances, bytes.NewReader(body))
	if err != nil {
		return out, fmt.Errorf("exec: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sts", region, time.Now()); err != nil {
		return out, fmt.Errorf("exec: sign: %w", err)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return out, fmt.Errorf("exec: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return out, fmt.Errorf("exec: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Code, Message string }
		if json.Unmarshal(data, &e) == nil && e.Code != "" {
			return out, fmt.Errorf("exec: starting an instance of %s: %s: %s", profile, e.Code, e.Message)
		}
		return out, fmt.Errorf("exec: starting an instance of %s: HTTP %d", profile, resp.StatusCode)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return out, fmt.Errorf("exec: server answer: %w", err)
	}
	return out, nil
}
