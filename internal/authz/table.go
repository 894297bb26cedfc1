package authz

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
)

// Key is one request-specific condition key of a check.
type Key struct {
	Name   string
	Values []string
	Multi  bool // a set (aws:TagKeys), even with one value
}

// Check is one authorization question a request asks: an action on a
// resource with the condition keys the request supplies. A request is
// allowed when every one of its checks is.
type Check struct {
	Action   string // "iam:CreateUser"
	Resource string // an ARN, or "*" for actions without a resource type
	Keys     []Key
}

// Disposition says how an operation is authorized.
type Disposition uint8

// Dispositions.
const (
	// Evaluate: the checks are decided by the caller's policies.
	Evaluate Disposition = iota
	// AlwaysAllowed: AWS lets every authenticated caller through
	// (sts:GetCallerIdentity, sts:GetSessionToken: "policies cannot control
	// authentication operations").
	AlwaysAllowed
	// ByOperation: the decision needs a resource policy the operation loads
	// itself (the role's trust policy for sts:AssumeRole*), so the
	// operation decides with Authorizer.Decide and a Query.Resource; the
	// request-level authorizer lets it through.
	ByOperation
)

func (d Disposition) String() string {
	switch d {
	case AlwaysAllowed:
		return "always allowed"
	case ByOperation:
		return "decided by the operation"
	}
	return "evaluated"
}

// Plan is the authorization of one request.
type Plan struct {
	Disposition Disposition
	Checks      []Check
}

// Self is the caller as far as the table needs it: the operations whose
// UserName is optional act on the caller's own user.
type Self struct {
	AccountID string
	ARN       string // the caller's ARN (user ARN, session ARN, root ARN)
	UserName  string // "" unless the caller is an IAM user
}

// resKind is the resource type of an operation's main check.
type resKind uint8

const (
	resNone resKind = iota // "*"
	resUser
	resGroup
	resRole
	resPolicy
	resInstanceProfile
	resMFA
	resServerCert
	resOIDC
	resSAML
	resARN            // the field holds an ARN of any type
	resDelegation     // delegation-request/<id>
	resAccessReport   // access-report/<entity path>
	resFederatedUser  // arn:aws:sts::A:federated-user/<name>
	resRootUser       // arn:aws:iam::<field>:root
	resAccessKeyOwner // the user owning the access key in the field
	resSLRCreate      // the service-linked role CreateServiceLinkedRole makes
	resSLRTask        // the role of a service-linked role deletion task
)

type boundary uint8

const (
	boundNone      boundary = iota
	boundRequested          // iam:PermissionsBoundary = the PermissionsBoundary parameter
	boundCurrent            // iam:PermissionsBoundary = the boundary set on the target
)

// rule is one operation's row of the table.
type rule struct {
	res   resKind
	field string // the input field naming the resource (name or ARN)
	// create: the resource does not exist yet; its ARN is built from the
	// requested Path (field "Path") and name.
	create bool
	// self: field is optional and defaults to the caller's own user.
	self      bool
	boundary  boundary
	policyARN bool        // iam:PolicyARN = PolicyArn
	rename    [2]string   // NewPath and New<X>Name fields: a second check on the new ARN
	passRole  string      // field naming a role the operation binds: iam:PassRole on it
	passedTo  string      // iam:PassedToService of that PassRole check
	tagAction string      // Create* with Tags: this action must also be allowed on the new resource
	keys      [][2]string // {condition key, input field} copied from the input
	disp      Disposition
}

// Named groups of rows keep the table readable.
func user(field string) rule   { return rule{res: resUser, field: field} }
func selfUser() rule           { return rule{res: resUser, field: "UserName", self: true} }
func group(field string) rule  { return rule{res: resGroup, field: field} }
func role(field string) rule   { return rule{res: resRole, field: field} }
func pol() rule                { return rule{res: resPolicy, field: "PolicyArn"} }
func profile() rule            { return rule{res: resInstanceProfile, field: "InstanceProfileName"} }
func mfa() rule                { return rule{res: resMFA, field: "SerialNumber"} }
func cert() rule               { return rule{res: resServerCert, field: "ServerCertificateName"} }
func oidc() rule               { return rule{res: resOIDC, field: "OpenIDConnectProviderArn"} }
func saml() rule               { return rule{res: resSAML, field: "SAMLProviderArn"} }
func delegation() rule         { return rule{res: resDelegation, field: "DelegationRequestId"} }
func anyARN(field string) rule { return rule{res: resARN, field: field} }
func none() rule               { return rule{res: resNone} }

func (r rule) with(f func(*rule)) rule { f(&r); return r }
func (r rule) bound(b boundary) rule   { r.boundary = b; return r }
func (r rule) policyArn() rule         { r.policyARN = true; return r }
func (r rule) creating(tagAction string) rule {
	r.create, r.tagAction = true, tagAction
	return r
}
func (r rule) key(cond, field string) rule {
	r.keys = append(append([][2]string(nil), r.keys...), [2]string{cond, field})
	return r
}

// iamRules is the authorization table of the IAM operations (operations.md).
// Every operation Foo is action iam:Foo. Keys every request carries
// (aws:RequestTag/*, aws:TagKeys from Tags and TagKeys parameters,
// aws:ResourceTag/*, iam:ResourceTag/*) are added by Plan, not listed here.
var iamRules = map[string]rule{
	// Users.
	"CreateUser":                    user("UserName").creating("iam:TagUser").bound(boundRequested),
	"GetUser":                       selfUser(),
	"ListUsers":                     none(),
	"UpdateUser":                    user("UserName").with(func(r *rule) { r.rename = [2]string{"NewPath", "NewUserName"} }),
	"DeleteUser":                    user("UserName"),
	"TagUser":                       user("UserName"),
	"UntagUser":                     user("UserName"),
	"ListUserTags":                  user("UserName"),
	"PutUserPermissionsBoundary":    user("UserName").bound(boundRequested),
	"DeleteUserPermissionsBoundary": user("UserName").bound(boundCurrent),
	"ListGroupsForUser":             user("UserName"),

	// Groups.
	"CreateGroup":         group("GroupName").creating(""),
	"GetGroup":            group("GroupName"),
	"ListGroups":          none(),
	"UpdateGroup":         group("GroupName").with(func(r *rule) { r.rename = [2]string{"NewPath", "NewGroupName"} }),
	"DeleteGroup":         group("GroupName"),
	"AddUserToGroup":      group("GroupName"),
	"RemoveUserFromGroup": group("GroupName"),

	// Roles.
	"CreateRole":                         role("RoleName").creating("iam:TagRole").bound(boundRequested),
	"GetRole":                            role("RoleName").bound(boundCurrent),
	"ListRoles":                          none(),
	"UpdateRole":                         role("RoleName").bound(boundCurrent),
	"UpdateRoleDescription":              role("RoleName").bound(boundCurrent),
	"UpdateAssumeRolePolicy":             role("RoleName").bound(boundCurrent),
	"DeleteRole":                         role("RoleName").bound(boundCurrent),
	"TagRole":                            role("RoleName"),
	"UntagRole":                          role("RoleName"),
	"ListRoleTags":                       role("RoleName"),
	"PutRolePermissionsBoundary":         role("RoleName").bound(boundRequested),
	"DeleteRolePermissionsBoundary":      role("RoleName").bound(boundCurrent),
	"CreateServiceLinkedRole":            rule{res: resSLRCreate, field: "AWSServiceName"}.key("iam:AWSServiceName", "AWSServiceName"),
	"DeleteServiceLinkedRole":            role("RoleName"),
	"GetServiceLinkedRoleDeletionStatus": rule{res: resSLRTask, field: "DeletionTaskId"},

	// Managed policies.
	"CreatePolicy":            rule{res: resPolicy, field: "PolicyName"}.creating("iam:TagPolicy"),
	"GetPolicy":               pol(),
	"ListPolicies":            none(),
	"DeletePolicy":            pol(),
	"CreatePolicyVersion":     pol(),
	"GetPolicyVersion":        pol(),
	"ListPolicyVersions":      pol(),
	"DeletePolicyVersion":     pol(),
	"SetDefaultPolicyVersion": pol(),
	"TagPolicy":               pol(),
	"UntagPolicy":             pol(),
	"ListPolicyTags":          pol(),
	"ListEntitiesForPolicy":   pol(),

	// Attachments.
	"AttachUserPolicy":          user("UserName").policyArn().bound(boundCurrent),
	"DetachUserPolicy":          user("UserName").policyArn().bound(boundCurrent),
	"ListAttachedUserPolicies":  user("UserName"),
	"AttachGroupPolicy":         group("GroupName").policyArn(),
	"DetachGroupPolicy":         group("GroupName").policyArn(),
	"ListAttachedGroupPolicies": group("GroupName"),
	"AttachRolePolicy":          role("RoleName").policyArn().bound(boundCurrent),
	"DetachRolePolicy":          role("RoleName").policyArn().bound(boundCurrent),
	"ListAttachedRolePolicies":  role("RoleName"),

	// Inline policies.
	"PutUserPolicy":     user("UserName").bound(boundCurrent),
	"GetUserPolicy":     user("UserName"),
	"ListUserPolicies":  user("UserName"),
	"DeleteUserPolicy":  user("UserName").bound(boundCurrent),
	"PutGroupPolicy":    group("GroupName"),
	"GetGroupPolicy":    group("GroupName"),
	"ListGroupPolicies": group("GroupName"),
	"DeleteGroupPolicy": group("GroupName"),
	"PutRolePolicy":     role("RoleName").bound(boundCurrent),
	"GetRolePolicy":     role("RoleName"),
	"ListRolePolicies":  role("RoleName"),
	"DeleteRolePolicy":  role("RoleName").bound(boundCurrent),

	// Instance profiles.
	"CreateInstanceProfile": profile().creating("iam:TagInstanceProfile"),
	"GetInstanceProfile":    profile(),
	"ListInstanceProfiles":  none(),
	"DeleteInstanceProfile": profile(),
	// AWS checks iam:PassRole on the role added to the profile: whoever
	// can start an instance with the profile gets the role's permissions.
	"AddRoleToInstanceProfile":      profile().with(func(r *rule) { r.passRole, r.passedTo = "RoleName", "ec2.amazonaws.com" }),
	"RemoveRoleFromInstanceProfile": profile(),
	"ListInstanceProfilesForRole":   role("RoleName"),
	"TagInstanceProfile":            profile(),
	"UntagInstanceProfile":          profile(),
	"ListInstanceProfileTags":       profile(),

	// Access keys.
	"CreateAccessKey":      selfUser(),
	"ListAccessKeys":       selfUser(),
	"UpdateAccessKey":      selfUser(),
	"DeleteAccessKey":      selfUser(),
	"GetAccessKeyLastUsed": rule{res: resAccessKeyOwner, field: "AccessKeyId"},

	// MFA.
	"CreateVirtualMFADevice": rule{res: resMFA, field: "VirtualMFADeviceName"}.creating("iam:TagMFADevice"),
	"EnableMFADevice":        user("UserName"),
	"ListMFADevices":         selfUser(),
	"ListVirtualMFADevices":  none(),
	"GetMFADevice":           selfUser(),
	"DeactivateMFADevice":    selfUser(),
	"DeleteVirtualMFADevice": mfa(),
	"ResyncMFADevice":        user("UserName"),
	"TagMFADevice":           mfa(),
	"UntagMFADevice":         mfa(),
	"ListMFADeviceTags":      mfa(),

	// Login profiles.
	"CreateLoginProfile": selfUser(),
	"GetLoginProfile":    selfUser(),
	"UpdateLoginProfile": user("UserName"),
	"DeleteLoginProfile": selfUser(),
	"ChangePassword":     rule{res: resUser, self: true}, // always the caller's own password

	// Account.
	"GetAccountSummary":                  none(),
	"GetAccountAuthorizationDetails":     none(),
	"GetAccountPasswordPolicy":           none(),
	"UpdateAccountPasswordPolicy":        none(),
	"DeleteAccountPasswordPolicy":        none(),
	"CreateAccountAlias":                 none(),
	"ListAccountAliases":                 none(),
	"DeleteAccountAlias":                 none(),
	"SetSecurityTokenServicePreferences": none(),

	// OIDC providers.
	"CreateOpenIDConnectProvider":             rule{res: resOIDC, field: "Url"}.creating("iam:TagOpenIDConnectProvider"),
	"GetOpenIDConnectProvider":                oidc(),
	"ListOpenIDConnectProviders":              none(),
	"DeleteOpenIDConnectProvider":             oidc(),
	"AddClientIDToOpenIDConnectProvider":      oidc(),
	"RemoveClientIDFromOpenIDConnectProvider": oidc(),
	"UpdateOpenIDConnectProviderThumbprint":   oidc(),
	"TagOpenIDConnectProvider":                oidc(),
	"UntagOpenIDConnectProvider":              oidc(),
	"ListOpenIDConnectProviderTags":           oidc(),

	// SAML providers.
	"CreateSAMLProvider":   rule{res: resSAML, field: "Name"}.creating("iam:TagSAMLProvider"),
	"GetSAMLProvider":      saml(),
	"ListSAMLProviders":    none(),
	"UpdateSAMLProvider":   saml(),
	"DeleteSAMLProvider":   saml(),
	"TagSAMLProvider":      saml(),
	"UntagSAMLProvider":    saml(),
	"ListSAMLProviderTags": saml(),

	// SSH public keys.
	"UploadSSHPublicKey": user("UserName"),
	"GetSSHPublicKey":    user("UserName"),
	"ListSSHPublicKeys":  selfUser(),
	"UpdateSSHPublicKey": user("UserName"),
	"DeleteSSHPublicKey": user("UserName"),

	// Signing certificates.
	"UploadSigningCertificate": selfUser(),
	"ListSigningCertificates":  selfUser(),
	"UpdateSigningCertificate": selfUser(),
	"DeleteSigningCertificate": selfUser(),

	// Server certificates.
	"UploadServerCertificate":   cert().creating("iam:TagServerCertificate"),
	"GetServerCertificate":      cert(),
	"ListServerCertificates":    none(),
	"UpdateServerCertificate":   cert().with(func(r *rule) { r.rename = [2]string{"NewPath", "NewServerCertificateName"} }),
	"DeleteServerCertificate":   cert(),
	"TagServerCertificate":      cert(),
	"UntagServerCertificate":    cert(),
	"ListServerCertificateTags": cert(),

	// Service-specific credentials.
	"CreateServiceSpecificCredential": user("UserName").
		key("iam:ServiceSpecificCredentialServiceName", "ServiceName").
		key("iam:ServiceSpecificCredentialAgeDays", "CredentialAgeDays"),
	"ListServiceSpecificCredentials":  selfUser(),
	"UpdateServiceSpecificCredential": selfUser(),
	"ResetServiceSpecificCredential":  selfUser(),
	"DeleteServiceSpecificCredential": selfUser(),

	// Reports and access advisor.
	"GenerateCredentialReport":                  none(),
	"GetCredentialReport":                       none(),
	"GenerateServiceLastAccessedDetails":        anyARN("Arn"),
	"GetServiceLastAccessedDetails":             none(),
	"GetServiceLastAccessedDetailsWithEntities": none(),
	"GenerateOrganizationsAccessReport":         rule{res: resAccessReport, field: "EntityPath"}.key("iam:OrganizationsPolicyId", "OrganizationsPolicyId"),
	"GetOrganizationsAccessReport":              none(),
	"ListPoliciesGrantingServiceAccess":         anyARN("Arn"),

	// Simulation.
	"SimulatePrincipalPolicy":          anyARN("PolicySourceArn"),
	"SimulateCustomPolicy":             none(),
	"GetContextKeysForPrincipalPolicy": anyARN("PolicySourceArn"),
	"GetContextKeysForCustomPolicy":    none(),

	// Organizations features, delegation requests, outbound federation.
	"EnableOrganizationsRootCredentialsManagement":  none(),
	"DisableOrganizationsRootCredentialsManagement": none(),
	"EnableOrganizationsRootSessions":               none(),
	"DisableOrganizationsRootSessions":              none(),
	"ListOrganizationsFeatures":                     none(),
	// The request's ID does not exist before the call: AWS's resource is
	// the delegation-request type, which iamd evaluates as "*".
	"CreateDelegationRequest": none().
		key("iam:DelegationDuration", "SessionDuration").
		key("iam:NotificationChannel", "NotificationChannel"),
	"GetDelegationRequest":                 delegation(),
	"ListDelegationRequests":               none().key("iam:DelegationRequestOwner", "OwnerId"),
	"UpdateDelegationRequest":              delegation(),
	"AssociateDelegationRequest":           delegation(),
	"AcceptDelegationRequest":              delegation(),
	"RejectDelegationRequest":              delegation(),
	"SendDelegationToken":                  delegation(),
	"GetHumanReadableSummary":              anyARN("EntityArn"),
	"EnableOutboundWebIdentityFederation":  none(),
	"DisableOutboundWebIdentityFederation": none(),
	"GetOutboundWebIdentityFederationInfo": none(),
}

// stsRules is the table of the STS operations.
var stsRules = map[string]rule{
	"GetCallerIdentity": {disp: AlwaysAllowed},
	"GetSessionToken":   {disp: AlwaysAllowed},
	// The trust policy takes part in these decisions (evaluation.md §6):
	// internal/sts decides them with Authorizer.Decide.
	"AssumeRole": {res: resARN, field: "RoleArn", disp: ByOperation,
		keys: [][2]string{{"sts:ExternalId", "ExternalId"}, {"sts:RoleSessionName", "RoleSessionName"},
			{"sts:SourceIdentity", "SourceIdentity"}, {"sts:TransitiveTagKeys", "TransitiveTagKeys"}}},
	"AssumeRoleWithWebIdentity": {res: resARN, field: "RoleArn", disp: ByOperation,
		keys: [][2]string{{"sts:RoleSessionName", "RoleSessionName"}}},
	"AssumeRoleWithSAML":         {res: resARN, field: "RoleArn", disp: ByOperation},
	"GetFederationToken":         {res: resFederatedUser, field: "Name", tagAction: "sts:TagSession"},
	"GetAccessKeyInfo":           none(),
	"DecodeAuthorizationMessage": none(),
	"GetDelegatedAccessToken":    none(),
	"AssumeRoot":                 rule{res: resRootUser, field: "TargetPrincipal"}.key("sts:TaskPolicyArn", "TaskPolicyArn"),
	"GetWebIdentityToken": none().key("sts:IdentityTokenAudience", "Audience").
		key("sts:SigningAlgorithm", "SigningAlgorithm").key("sts:DurationSeconds", "DurationSeconds"),
}

func rulesOf(service string) map[string]rule {
	switch service {
	case "iam":
		return iamRules
	case "sts":
		return stsRules
	}
	return nil
}

// HasRule reports whether the table has a row for service:operation.
func HasRule(service, operation string) bool {
	_, ok := rulesOf(service)[operation]
	return ok
}

// UnknownOperationError is returned by BuildPlan for an operation without
// a row: a wiring bug (every operation of the models has one; a test
// asserts it).
type UnknownOperationError struct{ Service, Operation string }

func (e *UnknownOperationError) Error() string {
	return "authz: no authorization rule for " + e.Service + ":" + e.Operation
}

// BuildPlan derives the checks of one request from its decoded input (a
// pointer to the operation's generated input struct). res may be nil: then
// existing entities are taken to be at path "/" without tags.
func BuildPlan(ctx context.Context, res Resolver, self Self, service, operation string, in any) (Plan, error) {
	r, ok := rulesOf(service)[operation]
	if !ok {
		return Plan{}, &UnknownOperationError{service, operation}
	}
	b := &planner{ctx: ctx, res: res, self: self, in: inputValue(in)}
	main := Check{Action: service + ":" + operation}
	ent, err := b.resource(r, &main)
	if err != nil {
		return Plan{}, err
	}
	tags := b.tags("Tags")
	if len(tags) > 0 {
		main.Keys = append(main.Keys, requestTagKeys(tags)...)
	}
	if keys, ok := b.list("TagKeys"); ok {
		main.Keys = append(main.Keys, Key{Name: "aws:TagKeys", Values: keys, Multi: true})
	}
	if ent != nil {
		main.Keys = append(main.Keys, resourceTagKeys(ent)...)
	}
	switch r.boundary {
	case boundRequested:
		if v, _ := b.str("PermissionsBoundary"); v != "" {
			main.Keys = append(main.Keys, Key{Name: "iam:PermissionsBoundary", Values: []string{v}})
		}
	case boundCurrent:
		if ent != nil && ent.PermissionsBoundary != "" {
			main.Keys = append(main.Keys, Key{Name: "iam:PermissionsBoundary", Values: []string{ent.PermissionsBoundary}})
		}
	}
	if r.policyARN {
		if v, _ := b.str("PolicyArn"); v != "" {
			main.Keys = append(main.Keys, Key{Name: "iam:PolicyARN", Values: []string{v}})
		}
	}
	for _, kf := range r.keys {
		if vs, ok := b.list(kf[1]); ok {
			main.Keys = append(main.Keys, Key{Name: kf[0], Values: vs, Multi: true})
		} else if v, ok := b.str(kf[1]); ok && v != "" {
			main.Keys = append(main.Keys, Key{Name: kf[0], Values: []string{v}})
		}
	}
	p := Plan{Disposition: r.disp, Checks: []Check{main}}

	if r.rename != [2]string{} {
		if c, ok, err := b.renamed(r, main); err != nil {
			return Plan{}, err
		} else if ok {
			p.Checks = append(p.Checks, c)
		}
	}
	if r.tagAction != "" && len(tags) > 0 {
		p.Checks = append(p.Checks, Check{Action: r.tagAction, Resource: main.Resource, Keys: requestTagKeys(tags)})
	}
	if r.passRole != "" {
		name, _ := b.str(r.passRole)
		e, err := b.lookup(EntityRole, name, func() string { return iam.RoleARN(self.AccountID, "/", name) })
		if err != nil {
			return Plan{}, err
		}
		// AWS keeps the role's tags out of the PassRole context
		// (evaluation.md §7): only the service the role is passed to.
		p.Checks = append(p.Checks, Check{Action: "iam:PassRole", Resource: e.ARN,
			Keys: []Key{{Name: "iam:PassedToService", Values: []string{r.passedTo}}}})
	}
	return p, nil
}

type planner struct {
	ctx  context.Context
	res  Resolver
	self Self
	in   reflect.Value // the input struct (not a pointer); invalid when absent
}

func inputValue(in any) reflect.Value {
	v := reflect.ValueOf(in)
	for v.IsValid() && v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v
}

func (b *planner) field(name string) reflect.Value {
	if !b.in.IsValid() || name == "" {
		return reflect.Value{}
	}
	f := b.in.FieldByName(name)
	for f.IsValid() && f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return reflect.Value{}
		}
		f = f.Elem()
	}
	return f
}

// str reads a string (or *string, or integer, or a struct with an Arn such
// as sts:PolicyDescriptorType) field; ok is false when absent.
func (b *planner) str(name string) (string, bool) {
	f := b.field(name)
	if !f.IsValid() {
		return "", false
	}
	switch f.Kind() {
	case reflect.String:
		return f.String(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(f.Int(), 10), true
	case reflect.Bool:
		return strconv.FormatBool(f.Bool()), true
	case reflect.Struct:
		if a := f.FieldByName("Arn"); a.IsValid() {
			for a.Kind() == reflect.Pointer {
				if a.IsNil() {
					return "", false
				}
				a = a.Elem()
			}
			if a.Kind() == reflect.String {
				return a.String(), true
			}
		}
	}
	return "", false
}

// list reads a []string field; ok is false when absent or not a list.
func (b *planner) list(name string) ([]string, bool) {
	f := b.field(name)
	if !f.IsValid() || f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.String || f.Len() == 0 {
		return nil, false
	}
	out := make([]string, f.Len())
	for i := range out {
		out[i] = f.Index(i).String()
	}
	return out, true
}

// tags reads a list of {Key, Value} structs (iamshape.Tag, stsshape.Tag).
func (b *planner) tags(name string) []policy.Tag {
	f := b.field(name)
	if !f.IsValid() || f.Kind() != reflect.Slice {
		return nil
	}
	var out []policy.Tag
	for i := 0; i < f.Len(); i++ {
		e := f.Index(i)
		for e.Kind() == reflect.Pointer && !e.IsNil() {
			e = e.Elem()
		}
		if e.Kind() != reflect.Struct {
			continue
		}
		k, v := e.FieldByName("Key"), e.FieldByName("Value")
		if k.Kind() == reflect.String && v.Kind() == reflect.String {
			out = append(out, policy.Tag{Key: k.String(), Value: v.String()})
		}
	}
	return out
}

// lookup resolves an existing entity, falling back to the ARN it would have
// at path "/" when there is no resolver or no such entity.
func (b *planner) lookup(kind EntityKind, key string, fallback func() string) (*Entity, error) {
	if b.res != nil && key != "" {
		e, ok, err := b.res.Entity(b.ctx, b.self.AccountID, kind, key)
		if err != nil {
			return nil, fmt.Errorf("authz: resolve %s %q: %w", kind, key, err)
		}
		if ok {
			if e.Kind == "" && kind != EntityAccessKeyOwner {
				e.Kind = kind
			}
			return &e, nil
		}
	}
	return &Entity{ARN: fallback(), Kind: kind}, nil
}

func (b *planner) path() string {
	p, _ := b.str("Path")
	if p == "" {
		p = "/"
	}
	return p
}

// resource sets c.Resource and returns the existing entity it names, if any.
func (b *planner) resource(r rule, c *Check) (*Entity, error) {
	acct := b.self.AccountID
	name, _ := b.str(r.field)
	if r.self && name == "" {
		// The caller's own user; the root and role sessions have none (the
		// operation answers that), their own ARN stands in.
		if b.self.UserName == "" {
			c.Resource = b.self.ARN
			return nil, nil
		}
		name = b.self.UserName
	}
	named := func(kind EntityKind, build func(acct, path, name string) string) (*Entity, error) {
		if r.create {
			c.Resource = build(acct, b.path(), name)
			return nil, nil
		}
		e, err := b.lookup(kind, name, func() string { return build(acct, "/", name) })
		if err != nil {
			return nil, err
		}
		c.Resource = e.ARN
		return e, nil
	}
	byARN := func(kind EntityKind, build func() string) (*Entity, error) {
		if r.create {
			c.Resource = build()
			return nil, nil
		}
		e, err := b.lookup(kind, name, func() string { return name })
		if err != nil {
			return nil, err
		}
		c.Resource = e.ARN
		return e, nil
	}
	switch r.res {
	case resNone:
		c.Resource = "*"
		return nil, nil
	case resUser:
		return named(EntityUser, iam.UserARN)
	case resGroup:
		return named(EntityGroup, iam.GroupARN)
	case resRole:
		return named(EntityRole, iam.RoleARN)
	case resInstanceProfile:
		return named(EntityInstanceProfile, iam.InstanceProfileARN)
	case resServerCert:
		return named(EntityServerCertificate, iam.ServerCertificateARN)
	case resPolicy:
		return byARN(EntityPolicy, func() string { return iam.PolicyARN(acct, b.path(), name) })
	case resMFA:
		return byARN(EntityMFADevice, func() string { return iam.MFAARN(acct, b.path(), name) })
	case resOIDC:
		return byARN(EntityOIDCProvider, func() string { return iam.OIDCProviderARN(acct, name) })
	case resSAML:
		return byARN(EntitySAMLProvider, func() string { return iam.SAMLProviderARN(acct, name) })
	case resARN:
		c.Resource = name
		if c.Resource == "" {
			c.Resource = "*"
		}
		if kind, key, ok := arnEntity(name, acct); ok {
			e, err := b.lookup(kind, key, func() string { return name })
			if err != nil {
				return nil, err
			}
			// Keep the ARN as requested (a role ARN given without its
			// path names no role; the operation says so).
			return e, nil
		}
		return nil, nil
	case resDelegation:
		c.Resource = "arn:" + iam.Partition + ":iam::" + acct + ":delegation-request/" + name
	case resAccessReport:
		c.Resource = "arn:" + iam.Partition + ":iam::" + acct + ":access-report/" + name
	case resFederatedUser:
		c.Resource = iam.FederatedUserARN(acct, name)
	case resRootUser:
		c.Resource = iam.RootARN(name)
	case resAccessKeyOwner:
		if b.res != nil && name != "" {
			e, ok, err := b.res.Entity(b.ctx, acct, EntityAccessKeyOwner, name)
			if err != nil {
				return nil, fmt.Errorf("authz: resolve access key %q: %w", name, err)
			}
			if ok {
				c.Resource = e.ARN
				if e.Kind == EntityUser {
					return &e, nil
				}
				return nil, nil
			}
		}
		// A key of another principal or none at all: the operation
		// answers NoSuchEntity; authorize on the caller's own user.
		if b.self.UserName != "" {
			c.Resource = iam.UserARN(acct, "/", b.self.UserName)
			e, err := b.lookup(EntityUser, b.self.UserName, func() string { return c.Resource })
			if err != nil {
				return nil, err
			}
			c.Resource = e.ARN
			return e, nil
		}
		c.Resource = b.self.ARN
	case resSLRCreate:
		// The role name is chosen by the operation; the path is
		// /aws-service-role/<service>/, which is what policies scope on.
		c.Resource = iam.RoleARN(acct, "/aws-service-role/"+name+"/", "*")
	case resSLRTask:
		// task/aws-service-role/<service>/<role>/<uuid>
		c.Resource = "*"
		if rest, ok := strings.CutPrefix(name, "task/"); ok {
			if i := strings.LastIndexByte(rest, '/'); i > 0 {
				rp := rest[:i]
				j := strings.LastIndexByte(rp, '/')
				c.Resource = iam.RoleARN(acct, "/"+rp[:j+1], rp[j+1:])
			}
		}
	default:
		return nil, fmt.Errorf("authz: resource kind %d not handled", r.res)
	}
	return nil, nil
}

// arnEntity tells which IAM entity of the account an ARN names and the
// Resolver key to look it up with (the name of a user, group or role; the
// ARN of a policy), for the operations whose resource is "any ARN"
// (simulation, access advisor, sts:AssumeRole). An entity of another
// account is not looked up.
func arnEntity(arn, acct string) (EntityKind, string, bool) {
	a, err := iam.ParseARN(arn)
	if err != nil || a.Service != "iam" || a.Account != acct {
		return "", "", false
	}
	typ, _, name, ok := a.PathName()
	if !ok {
		return "", "", false
	}
	switch EntityKind(typ) {
	case EntityUser, EntityGroup, EntityRole:
		return EntityKind(typ), name, true
	case EntityPolicy:
		return EntityPolicy, arn, true
	}
	return "", "", false
}

// renamed builds the check on the new ARN of a rename or move. ok is false
// when neither a new name nor a new path is given.
func (b *planner) renamed(r rule, main Check) (Check, bool, error) {
	newPath, hasPath := b.str(r.rename[0])
	newName, hasName := b.str(r.rename[1])
	if !hasPath && !hasName {
		return Check{}, false, nil
	}
	a, err := iam.ParseARN(main.Resource)
	if err != nil {
		return Check{}, false, nil
	}
	typ, path, name, ok := a.PathName()
	if !ok {
		return Check{}, false, nil
	}
	if hasPath {
		path = newPath
	}
	if hasName {
		name = newName
	}
	a.Resource = typ + path + name
	return Check{Action: main.Action, Resource: a.String()}, true, nil
}

func requestTagKeys(tags []policy.Tag) []Key {
	out := make([]Key, 0, len(tags)+1)
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, Key{Name: "aws:RequestTag/" + t.Key, Values: []string{t.Value}})
		keys = append(keys, t.Key)
	}
	return append(out, Key{Name: "aws:TagKeys", Values: keys, Multi: true})
}

// resourceTagKeys are the tags of the target: aws:ResourceTag/* for every
// taggable entity, iam:ResourceTag/* as well for users and roles.
func resourceTagKeys(e *Entity) []Key {
	if len(e.Tags) == 0 {
		return nil
	}
	withIAM := e.Kind == EntityUser || e.Kind == EntityRole
	out := make([]Key, 0, 2*len(e.Tags))
	for _, t := range e.Tags {
		out = append(out, Key{Name: "aws:ResourceTag/" + t.Key, Values: []string{t.Value}})
		if withIAM {
			out = append(out, Key{Name: "iam:ResourceTag/" + t.Key, Values: []string{t.Value}})
		}
	}
	return out
}
