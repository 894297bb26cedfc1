package main

// `iamd policy validate` and `iamd policy eval`: the policy engine on the
// command line, for writing and debugging policies without a server.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamd/iamd/internal/policy"
)

func newPolicyCmd(stdin io.Reader, stdout, _ io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Validate IAM policy documents and evaluate requests against them",
	}
	cmd.AddCommand(newPolicyValidateCmd(stdin, stdout), newPolicyEvalCmd(stdin, stdout))
	return cmd
}

// readPolicyFile reads a policy document; "-" is standard input.
func readPolicyFile(stdin io.Reader, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

func newPolicyValidateCmd(stdin io.Reader, stdout io.Writer) *cobra.Command {
	var kindName string
	cmd := &cobra.Command{
		Use:   "validate [--kind identity|resource|trust|boundary|session|scp] FILE...",
		Short: "Check policy documents as IAM would (MalformedPolicyDocument and size quotas)",
		Long: "Prints every finding as FILE:LINE:COL: error|warning: MESSAGE, with AWS's message.\n" +
			"Exit status 1 when any document has an error, 0 otherwise; \"-\" reads standard input.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := policy.ParseKind(kindName)
			if err != nil {
				return err
			}
			failed := false
			for _, name := range args {
				doc, err := readPolicyFile(stdin, name)
				if err != nil {
					return err
				}
				findings := policy.Validate(kind, doc)
				errs := 0
				for _, f := range findings {
					if f.Severity == policy.SeverityError {
						errs++
					}
					fmt.Fprintf(stdout, "%s:%d:%d: %s: %s\n", name, f.Line, f.Column, f.Severity, f.Message)
				}
				// The size quota is checked only on documents that are
				// otherwise valid, as IAM does.
				if errs == 0 {
					if err := policy.CheckSize(kind, doc); err != nil {
						errs++
						fmt.Fprintf(stdout, "%s:1:1: error: %s\n", name, awsMessage(err))
					}
				}
				if errs > 0 {
					failed = true
				} else if len(findings) == 0 {
					fmt.Fprintf(stdout, "%s: ok (%s policy)\n", name, kind)
				}
			}
			if failed {
				return exitCode(1)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&kindName, "kind", "identity", "policy type: identity, resource, trust, boundary, session or scp")
	return cmd
}

// awsMessage is the AWS message of a domain error, else its text.
func awsMessage(err error) string {
	var m interface{ AWSMessage() string }
	if errors.As(err, &m) {
		return m.AWSMessage()
	}
	return err.Error()
}

type evalFlags struct {
	policies, sessions, contexts   []string
	resourcePolicy, trustPolicy    string
	boundary, action, resource     string
	principal, principalID, atTime string
	resourceAccount                string
	asJSON                         bool
}

func newPolicyEvalCmd(stdin io.Reader, stdout io.Writer) *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:   "eval --policy FILE... --action ACTION --resource ARN [flags]",
		Short: "Decide one request against a set of policies, as IAM would",
		Long: "Prints the decision (Allow, ExplicitDeny or ImplicitDeny), the statements that decided it and\n" +
			"AWS's reason. Exit status 0 whatever the decision; 2 for bad input.\n\n" +
			"--principal accepts an IAM user ARN, an assumed-role session ARN (arn:aws:sts::A:assumed-role/R/S),\n" +
			"a federated-user ARN, the account root ARN or a service principal (ec2.amazonaws.com); it sets\n" +
			"aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount and aws:PrincipalType as AWS would.\n" +
			"--context KEY=VALUE adds a condition key; repeating a key makes it multivalued.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicyEval(stdin, stdout, f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.policies, "policy", nil, "identity policy file (repeatable: a user's, its groups' …)")
	fl.StringVar(&f.resourcePolicy, "resource-policy", "", "resource-based policy of the target")
	fl.StringVar(&f.trustPolicy, "trust-policy", "", "role trust policy (for sts:AssumeRole*), instead of --resource-policy")
	fl.StringVar(&f.boundary, "boundary", "", "permissions boundary policy file")
	fl.StringArrayVar(&f.sessions, "session-policy", nil, "session policy file (repeatable)")
	fl.StringVar(&f.action, "action", "", "action, e.g. s3:GetObject (required)")
	fl.StringVar(&f.resource, "resource", "", "resource ARN, or * for actions without a resource type (required)")
	fl.StringVar(&f.resourceAccount, "resource-account", "", "account owning the resource (default: from the ARN, else the principal's)")
	fl.StringVar(&f.principal, "principal", "", "caller ARN (default: anonymous)")
	fl.StringVar(&f.principalID, "principal-id", "", "unique ID of the user (AIDA…) or role (AROA…) for aws:userid")
	fl.StringArrayVar(&f.contexts, "context", nil, "condition key KEY=VALUE (repeatable)")
	fl.StringVar(&f.atTime, "time", "", "request time, RFC 3339 (default: now)")
	fl.BoolVar(&f.asJSON, "json", false, "print the result as JSON")
	_ = cmd.MarkFlagRequired("action")
	_ = cmd.MarkFlagRequired("resource")
	cmd.MarkFlagsMutuallyExclusive("resource-policy", "trust-policy")
	return cmd
}

// evalOutput is the --json form.
type evalOutput struct {
	Decision string      `json:"decision"`
	Matched  []evalMatch `json:"matched"`
	Reason   string      `json:"reason"`
}

type evalMatch struct {
	Policy string `json:"policy"`
	Sid    string `json:"sid"`
}

func loadPolicy(stdin io.Reader, name string, kind policy.Kind) (*policy.Compiled, error) {
	doc, err := readPolicyFile(stdin, name)
	if err != nil {
		return nil, err
	}
	p, err := policy.Parse(kind, doc)
	if err != nil {
		var ve *policy.ValidationError
		if errors.As(err, &ve) && len(ve.Findings) > 0 {
			f := ve.Findings[0]
			return nil, fmt.Errorf("%s:%d:%d: invalid %s policy: %s", name, f.Line, f.Column, kind, f.Message)
		}
		return nil, fmt.Errorf("%s: invalid %s policy: %v", name, kind, err)
	}
	return policy.Compile(name, kind, p)
}

func runPolicyEval(stdin io.Reader, stdout io.Writer, f evalFlags) error {
	var set policy.Set
	for _, name := range f.policies {
		c, err := loadPolicy(stdin, name, policy.KindIdentity)
		if err != nil {
			return err
		}
		set.Identity = append(set.Identity, c)
	}
	var err error
	switch {
	case f.resourcePolicy != "":
		set.Resource, err = loadPolicy(stdin, f.resourcePolicy, policy.KindResource)
	case f.trustPolicy != "":
		set.Resource, err = loadPolicy(stdin, f.trustPolicy, policy.KindTrust)
	}
	if err != nil {
		return err
	}
	if f.boundary != "" {
		if set.Boundary, err = loadPolicy(stdin, f.boundary, policy.KindBoundary); err != nil {
			return err
		}
	}
	for _, name := range f.sessions {
		c, err := loadPolicy(stdin, name, policy.KindSession)
		if err != nil {
			return err
		}
		set.Session = append(set.Session, c)
		set.HasSession = true
	}
	if !strings.Contains(f.action, ":") && f.action != "*" {
		return fmt.Errorf("invalid --action %q: want service:Action, e.g. s3:GetObject", f.action)
	}
	pr, err := parsePrincipal(f.principal, f.principalID)
	if err != nil {
		return err
	}
	ctx, err := parseContext(f.contexts)
	if err != nil {
		return err
	}
	at := time.Now().UTC()
	if f.atTime != "" {
		if at, err = time.Parse(time.RFC3339, f.atTime); err != nil {
			return fmt.Errorf("invalid --time %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", f.atTime)
		}
	}
	req := &policy.Request{Principal: pr, Action: f.action, Resource: f.resource,
		ResourceAccount: f.resourceAccount, Context: ctx, Time: at}
	var res policy.Result
	set.Evaluate(req, &res)

	out := evalOutput{Decision: res.Decision.String(), Matched: []evalMatch{}, Reason: res.Reason(f.action)}
	for _, m := range res.Matched {
		out.Matched = append(out.Matched, evalMatch{Policy: m.Policy, Sid: m.Sid})
	}
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "Decision: %s\n", out.Decision)
	for _, m := range res.Matched {
		sid := ""
		if m.Sid != "" {
			sid = fmt.Sprintf(" (Sid %q)", m.Sid)
		}
		fmt.Fprintf(stdout, "  %-5s %s statement %d%s [%s policy]\n", m.Effect, m.Policy, m.Index+1, sid, m.Kind)
	}
	if res.Decision != policy.Allow {
		fmt.Fprintf(stdout, "AccessDenied: %s\n", res.AccessDeniedMessage(pr.ARN, f.action, f.resource))
	}
	return nil
}

// parsePrincipal turns a caller ARN into the engine's Principal, with the
// fields AWS derives the aws:* principal keys from (conditions.md §4).
func parsePrincipal(arn, uniqueID string) (policy.Principal, error) {
	if arn == "" {
		return policy.Principal{Type: policy.PrincipalAnonymous}, nil
	}
	bad := func(why string) (policy.Principal, error) {
		return policy.Principal{}, fmt.Errorf("invalid --principal %q: %s", arn, why)
	}
	if !strings.HasPrefix(arn, "arn:") {
		if strings.HasSuffix(arn, ".amazonaws.com") && !strings.ContainsAny(arn, " */") {
			return policy.Principal{Type: policy.PrincipalService, ARN: arn}, nil
		}
		return bad("want a user, assumed-role, federated-user or root ARN, or a service principal such as ec2.amazonaws.com")
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[1] == "" || parts[3] != "" || !isAccountID(parts[4]) {
		return bad("want arn:PARTITION:iam::ACCOUNT:user/NAME (or :root) or arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION")
	}
	partition, service, account, res := parts[1], parts[2], parts[4], parts[5]
	p := policy.Principal{ARN: arn, Account: account}
	switch {
	case service == "iam" && res == "root":
		p.Type, p.UserID = policy.PrincipalRoot, account
	case service == "iam" && strings.HasPrefix(res, "user/"):
		name := res[strings.LastIndexByte(res, '/')+1:]
		if name == "" {
			return bad("the user name is empty")
		}
		p.Type, p.Username, p.UserID = policy.PrincipalUser, name, uniqueID
	case service == "sts" && strings.HasPrefix(res, "assumed-role/"):
		rs := strings.Split(strings.TrimPrefix(res, "assumed-role/"), "/")
		if len(rs) != 2 || rs[0] == "" || rs[1] == "" {
			return bad("want assumed-role/ROLE/SESSION")
		}
		// The session ARN drops the role's path; aws:PrincipalArn is the
		// role ARN without it.
		p.Type = policy.PrincipalAssumedRole
		p.RoleARN = "arn:" + partition + ":iam::" + account + ":role/" + rs[0]
		if uniqueID != "" {
			p.UserID = uniqueID + ":" + rs[1]
		}
	case service == "sts" && strings.HasPrefix(res, "federated-user/"):
		name := strings.TrimPrefix(res, "federated-user/")
		if name == "" || strings.Contains(name, "/") {
			return bad("want federated-user/NAME")
		}
		p.Type, p.UserID = policy.PrincipalFederatedUser, account+":"+name
	default:
		return bad("want an iam user/ or root ARN, or an sts assumed-role/ or federated-user/ ARN")
	}
	return p, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseContext builds the condition keys from KEY=VALUE flags. Key names
// are case-insensitive: repetitions in any case add values to one key.
func parseContext(kvs []string) (*policy.Context, error) {
	ctx := policy.NewContext()
	var order []string
	names := map[string]string{}
	values := map[string][]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid --context %q: want KEY=VALUE, e.g. aws:SourceIp=203.0.113.7", kv)
		}
		lk := strings.ToLower(k)
		if _, seen := names[lk]; !seen {
			names[lk] = k
			order = append(order, lk)
		}
		values[lk] = append(values[lk], v)
	}
	for _, lk := range order {
		ctx.Set(names[lk], values[lk]...)
	}
	return ctx, nil
}
