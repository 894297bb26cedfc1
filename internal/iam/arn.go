package iam

import (
	"strings"
)

// Partition is the ARN partition iamd issues. IAM is global, so the region
// segment of every IAM ARN is empty.
const Partition = "aws"

// AWSManagedAccount is the account segment of AWS managed policy ARNs:
// arn:aws:iam::aws:policy/AdministratorAccess.
const AWSManagedAccount = "aws"

func iamARN(account, resource string) string {
	return "arn:" + Partition + ":iam::" + account + ":" + resource
}

func stsARN(account, resource string) string {
	return "arn:" + Partition + ":sts::" + account + ":" + resource
}

// Paths start and end with "/" and are embedded verbatim, so a user at
// path "/" is "user/alice" and one at "/eng/" is "user/eng/alice". An empty
// path is taken as "/".
func pathOrRoot(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// UserARN is arn:aws:iam::<account>:user<path><name>.
func UserARN(account, path, name string) string {
	return iamARN(account, "user"+pathOrRoot(path)+name)
}

// GroupARN is arn:aws:iam::<account>:group<path><name>.
func GroupARN(account, path, name string) string {
	return iamARN(account, "group"+pathOrRoot(path)+name)
}

// RoleARN is arn:aws:iam::<account>:role<path><name>.
func RoleARN(account, path, name string) string {
	return iamARN(account, "role"+pathOrRoot(path)+name)
}

// PolicyARN is arn:aws:iam::<account>:policy<path><name>; account is
// AWSManagedAccount for AWS managed policies.
func PolicyARN(account, path, name string) string {
	return iamARN(account, "policy"+pathOrRoot(path)+name)
}

// InstanceProfileARN is arn:aws:iam::<account>:instance-profile<path><name>.
func InstanceProfileARN(account, path, name string) string {
	return iamARN(account, "instance-profile"+pathOrRoot(path)+name)
}

// MFAARN is the serial number of a virtual MFA device:
// arn:aws:iam::<account>:mfa<path><name>.
func MFAARN(account, path, name string) string {
	return iamARN(account, "mfa"+pathOrRoot(path)+name)
}

// ServerCertificateARN is arn:aws:iam::<account>:server-certificate<path><name>.
func ServerCertificateARN(account, path, name string) string {
	return iamARN(account, "server-certificate"+pathOrRoot(path)+name)
}

// OIDCProviderARN is arn:aws:iam::<account>:oidc-provider/<url without
// scheme>, e.g. oidc-provider/token.actions.githubusercontent.com.
func OIDCProviderARN(account, url string) string {
	u := strings.TrimPrefix(url, "https://")
	return iamARN(account, "oidc-provider/"+u)
}

// SAMLProviderARN is arn:aws:iam::<account>:saml-provider/<name>.
func SAMLProviderARN(account, name string) string {
	return iamARN(account, "saml-provider/"+name)
}

// RootARN is the account's root user: arn:aws:iam::<account>:root.
func RootARN(account string) string {
	return iamARN(account, "root")
}

// AssumedRoleARN is the principal of a role session:
// arn:aws:sts::<account>:assumed-role/<role>/<session>. The role's path is
// deliberately absent, as in AWS.
func AssumedRoleARN(account, roleName, session string) string {
	return stsARN(account, "assumed-role/"+roleName+"/"+session)
}

// FederatedUserARN is the principal of a GetFederationToken session:
// arn:aws:sts::<account>:federated-user/<name>.
func FederatedUserARN(account, name string) string {
	return stsARN(account, "federated-user/"+name)
}

// ARN is an Amazon Resource Name split into its segments.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	Resource  string
}

// String joins the segments back into arn:partition:service:region:account:resource.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// ParseARN splits s into its six segments. The resource may itself contain
// ':' and '/'. Anything that is not an ARN yields an *Error with code
// InvalidInput and AWS's "ARN x is not valid." message.
func ParseARN(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return ARN{}, InvalidInput("ARN %s is not valid.", s)
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, nil
}

// PathName splits a path-bearing IAM resource ("user/eng/alice",
// "policy/service-role/X") into its type ("user"), path ("/eng/") and name
// ("alice"). ok is false when the resource has no "/" (e.g. "root").
func (a ARN) PathName() (resourceType, path, name string, ok bool) {
	i := strings.IndexByte(a.Resource, '/')
	if i < 0 {
		return "", "", "", false
	}
	j := strings.LastIndexByte(a.Resource, '/')
	return a.Resource[:i], a.Resource[i : j+1], a.Resource[j+1:], true
}
