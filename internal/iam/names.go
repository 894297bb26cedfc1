package iam

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length limits of names and other strings, from the IAM API model.
const (
	MaxUserNameLen          = 64  // userNameType (CreateUser, UpdateUser's NewUserName)
	MaxExistingUserNameLen  = 128 // existingUserNameType (lookups of users created long ago)
	MaxGroupNameLen         = 128
	MaxRoleNameLen          = 64
	MaxPolicyNameLen        = 128 // managed and inline
	MaxInstanceProfileLen   = 128
	MaxServerCertNameLen    = 128
	MaxPathLen              = 512
	MaxDescriptionLen       = 1000
	MaxTagsPerEntity        = 50
	MaxTagKeyLen            = 128
	MaxTagValueLen          = 256
	MinMaxSessionDuration   = 3600
	MaxMaxSessionDuration   = 43200
	DefaultMaxSessionLength = 3600
	MinRoleSessionNameLen   = 2
	MaxRoleSessionNameLen   = 64
)

// Patterns as AWS prints them in "Member must satisfy regular expression
// pattern: ..." messages (verbatim from the API model).
const (
	PatternName        = `[\w+=,.@-]+`
	PatternPath        = `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
	PatternPolicyPath  = `((/[A-Za-z0-9\.,\+@=_-]+)*)/`
	PatternPathPrefix  = `\u002F[\u0021-\u007F]*`
	PatternDescription = `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`
	PatternTagKey      = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	PatternTagValue    = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
	PatternSessionName = `[\w+=,.@-]*`
)

// Validation collects the constraint violations of one request and renders
// them the way AWS's front end does: "1 validation error detected: Value 'x'
// at 'userName' failed to satisfy constraint: Member must ..." with further
// violations joined by "; " and the count adjusted ("2 validation errors
// detected: ..."). The zero value is ready to use.
type Validation struct {
	msgs []string
}

// Fail records that value (at field, AWS's lower-camel member name such as
// "userName" or "tags.1.member.key") violates constraint, the text after
// "Member must ".
func (v *Validation) Fail(field, value, constraint string) {
	v.msgs = append(v.msgs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must %s", value, field, constraint))
}

// FailSensitive is Fail for members AWS never echoes (passwords): the value
// is left out of the message.
func (v *Validation) FailSensitive(field, constraint string) {
	v.msgs = append(v.msgs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must %s", field, constraint))
}

// Length checks min <= length(value) <= max, counting characters (code
// points) as AWS does. max < 0 means no upper bound.
func (v *Validation) Length(field, value string, min, max int) {
	n := utf8.RuneCountInString(value)
	if n < min {
		v.Fail(field, value, fmt.Sprintf("have length greater than or equal to %d", min))
	}
	if max >= 0 && n > max {
		v.Fail(field, value, fmt.Sprintf("have length less than or equal to %d", max))
	}
}

// Pattern records a pattern violation when ok is false.
func (v *Validation) Pattern(field, value, pattern string, ok bool) {
	if !ok {
		v.Fail(field, value, "satisfy regular expression pattern: "+pattern)
	}
}

// Range checks min <= value <= max for numeric members.
func (v *Validation) Range(field string, value, min, max int64) {
	s := strconv.FormatInt(value, 10)
	if value < min {
		v.Fail(field, s, fmt.Sprintf("have value greater than or equal to %d", min))
	}
	if value > max {
		v.Fail(field, s, fmt.Sprintf("have value less than or equal to %d", max))
	}
}

// Err returns nil when nothing failed, else a ValidationError *Error.
func (v *Validation) Err() *Error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return ValidationError("1 validation error detected: %s", v.msgs[0])
	default:
		return ValidationError("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; "))
	}
}

// isWordChar is Java's \w: ASCII letters, digits and underscore (AWS's
// validators run with ASCII \w, so "é" is not a valid name character).
func isWordChar(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

func allRunes(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

func isNameChar(r rune) bool { return isWordChar(r) || strings.ContainsRune("+=,.@-", r) }

// MatchesNamePattern reports whether s matches [\w+=,.@-]* (the caller
// checks emptiness through the length constraint).
func MatchesNamePattern(s string) bool { return allRunes(s, isNameChar) }

func validateName(field, name string, max int) *Error {
	var v Validation
	v.Length(field, name, 1, max)
	if name != "" {
		v.Pattern(field, name, PatternName, MatchesNamePattern(name))
	}
	return v.Err()
}

// ValidateUserName checks a new user name (CreateUser, UpdateUser's
// NewUserName): 1-64 characters of [\w+=,.@-].
func ValidateUserName(name string) *Error { return validateName("userName", name, MaxUserNameLen) }

// ValidateExistingUserName checks a user name used for lookup (GetUser,
// DeleteUser, ...), which AWS allows up to 128 characters.
func ValidateExistingUserName(name string) *Error {
	return validateName("userName", name, MaxExistingUserNameLen)
}

// ValidateGroupName checks a group name: 1-128 characters of [\w+=,.@-].
func ValidateGroupName(name string) *Error { return validateName("groupName", name, MaxGroupNameLen) }

// ValidateRoleName checks a role name: 1-64 characters of [\w+=,.@-].
func ValidateRoleName(name string) *Error { return validateName("roleName", name, MaxRoleNameLen) }

// ValidatePolicyName checks a managed or inline policy name: 1-128
// characters of [\w+=,.@-].
func ValidatePolicyName(name string) *Error {
	return validateName("policyName", name, MaxPolicyNameLen)
}

// ValidateInstanceProfileName checks an instance profile name: 1-128
// characters of [\w+=,.@-].
func ValidateInstanceProfileName(name string) *Error {
	return validateName("instanceProfileName", name, MaxInstanceProfileLen)
}

// ValidateServerCertificateName checks a server certificate name.
func ValidateServerCertificateName(name string) *Error {
	return validateName("serverCertificateName", name, MaxServerCertNameLen)
}

// ValidateMFADeviceName checks a virtual MFA device name: at least one
// character of [\w+=,.@-] (the model sets no maximum; the serial number
// built from it is checked by ValidateSerialNumber).
func ValidateMFADeviceName(name string) *Error {
	return validateName("virtualMFADeviceName", name, -1)
}

// PatternSerialNumber is the model's pattern for MFA serial numbers (a
// virtual device's mfa ARN or a hardware serial).
const PatternSerialNumber = `[\w+=/:,.@-]+`

// ValidateSerialNumber checks an MFA SerialNumber parameter, and the serial
// CreateVirtualMFADevice would build (MFAARN): 9-256 characters of
// [\w+=/:,.@-].
func ValidateSerialNumber(serial string) *Error {
	var v Validation
	v.Length("serialNumber", serial, 9, 256)
	if serial != "" {
		v.Pattern("serialNumber", serial, PatternSerialNumber, allRunes(serial, func(r rune) bool {
			return isWordChar(r) || strings.ContainsRune("+=/:,.@-", r)
		}))
	}
	return v.Err()
}

// ValidateAuthenticationCode checks a TOTP code parameter
// (authenticationCode1/2, tokenCode): exactly six digits.
func ValidateAuthenticationCode(field, code string) *Error {
	var v Validation
	v.Length(field, code, 6, 6)
	if code != "" {
		v.Pattern(field, code, `[\d]+`, allRunes(code, func(r rune) bool { return r >= '0' && r <= '9' }))
	}
	return v.Err()
}

// pathInvalidMessage is AWS's own message for a path that is not "/" or
// "/.../" (it is sent instead of the pattern text).
const pathInvalidMessage = "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."

// ValidatePath checks the path of a user, group, role, instance profile,
// server certificate or MFA device: "/" or "/" + printable ASCII + "/",
// at most 512 characters. An empty path is the caller's default "/" and is
// not checked here.
func ValidatePath(path string) *Error {
	if path == "" {
		return nil
	}
	if utf8.RuneCountInString(path) > MaxPathLen {
		var v Validation
		v.Length("path", path, 1, MaxPathLen)
		return v.Err()
	}
	if !validEntityPath(path) {
		return ValidationError("%s", pathInvalidMessage)
	}
	return nil
}

func validEntityPath(path string) bool {
	if path == "/" {
		return true
	}
	if len(path) < 3 || path[0] != '/' || path[len(path)-1] != '/' {
		return false
	}
	// AWS also refuses empty segments ("/a//b/") although the model pattern
	// would allow them.
	if strings.Contains(path, "//") {
		return false
	}
	return allRunes(path, func(r rune) bool { return r >= 0x21 && r <= 0x7e })
}

// ValidatePolicyPath checks the path of a managed policy, which is
// narrower than an entity path: ((/[A-Za-z0-9\.,\+@=_-]+)*)/.
func ValidatePolicyPath(path string) *Error {
	if path == "" {
		return nil
	}
	var v Validation
	v.Length("path", path, 1, MaxPathLen)
	v.Pattern("path", path, PatternPolicyPath, validPolicyPath(path))
	return v.Err()
}

func validPolicyPath(path string) bool {
	if path == "/" {
		return true
	}
	if len(path) < 3 || path[0] != '/' || path[len(path)-1] != '/' {
		return false
	}
	for _, seg := range strings.Split(path[1:len(path)-1], "/") {
		if seg == "" || !allRunes(seg, func(r rune) bool {
			return isWordChar(r) || strings.ContainsRune(".,+@=-", r)
		}) {
			return false
		}
	}
	return true
}

// ValidatePathPrefix checks the PathPrefix of a List call: "/" followed by
// characters in \x21-\x7F, at most 512 characters. Empty means "/".
func ValidatePathPrefix(prefix string) *Error {
	if prefix == "" {
		return nil
	}
	var v Validation
	v.Length("pathPrefix", prefix, 1, MaxPathLen)
	ok := prefix[0] == '/' && allRunes(prefix[1:], func(r rune) bool { return r >= 0x21 && r <= 0x7f })
	v.Pattern("pathPrefix", prefix, PatternPathPrefix, ok)
	return v.Err()
}

func isDescriptionChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7e) || (r >= 0xa1 && r <= 0xff)
}

// ValidateRoleDescription checks a role description: at most 1000
// characters of printable Latin-1.
func ValidateRoleDescription(desc string) *Error {
	var v Validation
	v.Length("description", desc, 0, MaxDescriptionLen)
	v.Pattern("description", desc, PatternDescription, allRunes(desc, isDescriptionChar))
	return v.Err()
}

// ValidatePolicyDescription checks a managed policy description: at most
// 1000 characters, any content (the model sets no pattern).
func ValidatePolicyDescription(desc string) *Error {
	var v Validation
	v.Length("description", desc, 0, MaxDescriptionLen)
	return v.Err()
}

// ValidateMaxSessionDuration checks a role's MaxSessionDuration in seconds
// (3600..43200).
func ValidateMaxSessionDuration(seconds int64) *Error {
	var v Validation
	v.Range("maxSessionDuration", seconds, MinMaxSessionDuration, MaxMaxSessionDuration)
	return v.Err()
}

// ValidateRoleSessionName checks an AssumeRole* RoleSessionName: 2-64
// characters of [\w+=,.@-].
func ValidateRoleSessionName(name string) *Error {
	var v Validation
	v.Length("roleSessionName", name, MinRoleSessionNameLen, MaxRoleSessionNameLen)
	v.Pattern("roleSessionName", name, PatternSessionName, MatchesNamePattern(name))
	return v.Err()
}

// Tag is a key/value label on an IAM entity. Keys are unique per entity
// case-insensitively; the case given is kept.
type Tag struct {
	Key   string
	Value string
}

func isTagChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.In(r, unicode.Z) || unicode.IsNumber(r) || strings.ContainsRune("_.:/=+-@", r)
}

// reservedTagPrefix starts keys that only AWS may set.
const reservedTagPrefix = "aws:"

// ValidateTags checks the Tags of a Create* or Tag* call: at most 50 tags,
// keys 1-128 and values 0-256 characters of [\p{L}\p{Z}\p{N}_.:/=+\-@],
// no key starting with "aws:" (any case) and no two keys equal ignoring
// case. Constraint violations are ValidationError (all of them in one
// message, with AWS's 1-based "tags.N.member.key" locations); the reserved
// prefix and duplicates are InvalidInput, which AWS checks after the
// model constraints pass.
func ValidateTags(tags []Tag) *Error {
	var v Validation
	if len(tags) > MaxTagsPerEntity {
		v.Fail("tags", formatTags(tags), fmt.Sprintf("have length less than or equal to %d", MaxTagsPerEntity))
	}
	for i, t := range tags {
		kf := fmt.Sprintf("tags.%d.member.key", i+1)
		vf := fmt.Sprintf("tags.%d.member.value", i+1)
		v.Length(kf, t.Key, 1, MaxTagKeyLen)
		if t.Key != "" {
			v.Pattern(kf, t.Key, PatternTagKey, allRunes(t.Key, isTagChar))
		}
		v.Length(vf, t.Value, 0, MaxTagValueLen)
		v.Pattern(vf, t.Value, PatternTagValue, allRunes(t.Value, isTagChar))
	}
	if err := v.Err(); err != nil {
		return err
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if hasReservedPrefix(t.Key) {
			return reservedTagKey(t.Key)
		}
		k := strings.ToLower(t.Key)
		if seen[k] {
			return InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

// ValidateTagKeys checks the TagKeys of an Untag* call: at most 50 keys,
// each 1-128 characters of the tag alphabet.
func ValidateTagKeys(keys []string) *Error {
	var v Validation
	if len(keys) > MaxTagsPerEntity {
		v.Fail("tagKeys", "["+strings.Join(keys, ", ")+"]", fmt.Sprintf("have length less than or equal to %d", MaxTagsPerEntity))
	}
	for i, k := range keys {
		f := fmt.Sprintf("tagKeys.%d.member", i+1)
		v.Length(f, k, 1, MaxTagKeyLen)
		if k != "" {
			v.Pattern(f, k, PatternTagKey, allRunes(k, isTagChar))
		}
	}
	return v.Err()
}

// MergeTags applies a Tag* call to an entity's tags. A new tag whose key
// equals an existing one ignoring case replaces it in place, key spelling
// included (keys are unique case-insensitively, so the two cannot coexist);
// other tags are appended in order. The result must still hold at most 50
// tags, else LimitExceeded (message iamd's own; AWS's wording is unverified).
func MergeTags(existing, add []Tag) ([]Tag, *Error) {
	out := make([]Tag, 0, len(existing)+len(add))
	index := make(map[string]int, len(existing)+len(add))
	for _, t := range existing {
		index[strings.ToLower(t.Key)] = len(out)
		out = append(out, t)
	}
	for _, t := range add {
		k := strings.ToLower(t.Key)
		if i, ok := index[k]; ok {
			out[i] = t
			continue
		}
		index[k] = len(out)
		out = append(out, t)
	}
	if len(out) > MaxTagsPerEntity {
		return nil, LimitExceeded("The number of tags has reached the maximum limit.")
	}
	return out, nil
}

// RemoveTags applies an Untag* call: keys match case-insensitively; keys
// not present are ignored, as AWS does.
func RemoveTags(existing []Tag, keys []string) []Tag {
	drop := make(map[string]bool, len(keys))
	for _, k := range keys {
		drop[strings.ToLower(k)] = true
	}
	out := make([]Tag, 0, len(existing))
	for _, t := range existing {
		if !drop[strings.ToLower(t.Key)] {
			out = append(out, t)
		}
	}
	return out
}

func hasReservedPrefix(key string) bool {
	return len(key) >= len(reservedTagPrefix) && strings.EqualFold(key[:len(reservedTagPrefix)], reservedTagPrefix)
}

func reservedTagKey(key string) *Error {
	return InvalidInput("Tag key '%s' is not valid: tag keys starting with 'aws:' are reserved for AWS use.", key)
}

// formatTags renders a tag list the way it appears as the Value of a
// "tags" violation.
func formatTags(tags []Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = fmt.Sprintf("{Key: %s, Value: %s}", t.Key, t.Value)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// ValidateExternalID checks an AssumeRole ExternalId: 2-1224 characters of
// [\w+=,.@:/-].
func ValidateExternalID(id string) *Error {
	var v Validation
	v.Length("externalId", id, 2, 1224)
	v.Pattern("externalId", id, `[\w+=,.@:\/-]*`, allRunes(id, func(r rune) bool {
		return isWordChar(r) || strings.ContainsRune("+=,.@:/-", r)
	}))
	return v.Err()
}

// ValidateSourceIdentity checks an AssumeRole* SourceIdentity: 2-64
// characters of [\w+=,.@-].
func ValidateSourceIdentity(id string) *Error {
	var v Validation
	v.Length("sourceIdentity", id, 2, 64)
	v.Pattern("sourceIdentity", id, PatternSessionName, MatchesNamePattern(id))
	return v.Err()
}

// ValidateFederatedUserName checks GetFederationToken's Name: 2-32
// characters of [\w+=,.@-].
func ValidateFederatedUserName(name string) *Error {
	var v Validation
	v.Length("name", name, 2, 32)
	v.Pattern("name", name, PatternSessionName, MatchesNamePattern(name))
	return v.Err()
}

// PatternAccountAlias is the model's pattern for account aliases.
const PatternAccountAlias = `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`

// ValidateAccountAlias checks CreateAccountAlias's AccountAlias: 3-63
// characters of lower-case letters, digits and single hyphens, starting
// and ending with a letter or digit. An all-digit alias would read as an
// account ID, which AWS forbids; iamd reports it as InvalidInput in its own
// words.
func ValidateAccountAlias(alias string) *Error {
	var v Validation
	v.Length("accountAlias", alias, 3, 63)
	v.Pattern("accountAlias", alias, PatternAccountAlias, validAliasChars(alias))
	if err := v.Err(); err != nil {
		return err
	}
	if ValidAccountID(alias) {
		return InvalidInput("The account alias %s must not be a 12-digit number.", alias)
	}
	return nil
}

func validAliasChars(s string) bool {
	if len(s) < 3 {
		return false
	}
	isAlnum := func(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') }
	if !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		if c == '-' {
			if s[i+1] == '-' {
				return false
			}
			continue
		}
		if !isAlnum(c) {
			return false
		}
	}
	return true
}

// ValidateSAMLProviderName checks a SAML provider Name: 1-128 characters
// of [\w._-].
func ValidateSAMLProviderName(name string) *Error {
	var v Validation
	v.Length("name", name, 1, 128)
	if name != "" {
		v.Pattern("name", name, `[\w._-]+`, allRunes(name, func(r rune) bool {
			return isWordChar(r) || r == '.' || r == '-'
		}))
	}
	return v.Err()
}

// ValidateMaxItems checks a List* MaxItems (1-1000); 0 means "not given"
// and is the caller's default of 100.
func ValidateMaxItems(n int64) *Error {
	if n == 0 {
		return nil
	}
	var v Validation
	v.Range("maxItems", n, 1, 1000)
	return v.Err()
}
