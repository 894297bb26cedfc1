package iam

import (
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// Unique-ID prefixes AWS uses for each kind of entity. The prefix is what
// lets a reader of a policy or a log tell a user ID from a role ID, so iamd
// keeps them exactly.
const (
	PrefixUser                      = "AIDA"
	PrefixGroup                     = "AGPA"
	PrefixRole                      = "AROA"
	PrefixPolicy                    = "ANPA" // customer and AWS managed policies alike
	PrefixPolicyVersion             = "ANVA" // never shown by the API
	PrefixInstanceProfile           = "AIPA"
	PrefixServerCertificate         = "ASCA"
	PrefixSSHPublicKey              = "APKA"
	PrefixServiceSpecificCredential = "ACCA"
	PrefixBearerToken               = "ABIA"
	PrefixAccessKey                 = "AKIA" // long-term access key ID
	PrefixSessionKey                = "ASIA" // temporary (STS) access key ID
)

const (
	// IDLength is the length of a unique ID: a 4-character prefix and 17
	// characters of the base32 alphabet (AIDAJQABLZS4A3QDU576Q).
	IDLength = 21
	// AccessKeyIDLength is the length of an access key ID (AKIA + 16).
	AccessKeyIDLength = 20
	// SecretAccessKeyLength is the length of a secret access key.
	SecretAccessKeyLength = 40
	// AccountIDLength is the number of digits of an account ID.
	AccountIDLength = 12
)

// idAlphabet is RFC 4648 base32: AWS IDs are drawn from upper-case letters
// and the digits 2-7.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// accessKeyEncoding is the base32 encoding AWS uses for the account part of
// an access key ID. Ten bytes encode to exactly sixteen characters, so no
// padding ever appears.
var accessKeyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func validPrefix(prefix string) bool {
	if len(prefix) != 4 {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// NewID returns a new unique ID made of prefix (one of the Prefix
// constants) and 17 random base32 characters, read from r.
func NewID(r io.Reader, prefix string) (string, error) {
	if !validPrefix(prefix) {
		return "", fmt.Errorf("iam: invalid unique-ID prefix %q: want 4 upper-case letters", prefix)
	}
	buf := make([]byte, IDLength-len(prefix))
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", fmt.Errorf("iam: reading randomness for a unique ID: %w", err)
	}
	var b strings.Builder
	b.Grow(IDLength)
	b.WriteString(prefix)
	for _, c := range buf {
		// 256 is a multiple of 32, so the low five bits are uniform.
		b.WriteByte(idAlphabet[c&31])
	}
	return b.String(), nil
}

// maxAccountID is the largest 12-digit account ID; it fits in 40 bits,
// which is the room AWS gives the account in an access key ID.
const maxAccountID = 999_999_999_999

// NewAccessKeyID returns a new access key ID for the given account, with
// prefix PrefixAccessKey or PrefixSessionKey. As AWS has done since 2019, the
// 16 characters after the prefix are the base32 form of 80 bits: a leading 1
// bit, the 40-bit account number, then 39 random bits. This is what
// AccountFromAccessKeyID (sts:GetAccessKeyInfo) reverses.
func NewAccessKeyID(r io.Reader, prefix, accountID string) (string, error) {
	if !validPrefix(prefix) {
		return "", fmt.Errorf("iam: invalid access-key prefix %q: want 4 upper-case letters", prefix)
	}
	acct, err := parseAccountID(accountID)
	if err != nil {
		return "", err
	}
	var raw [10]byte
	if _, err := io.ReadFull(r, raw[5:]); err != nil {
		return "", fmt.Errorf("iam: reading randomness for an access key ID: %w", err)
	}
	// Bits 79..0 of raw: bit 79 = 1, bits 78..39 = account, bits 38..0 random.
	hi := uint64(1)<<47 | acct<<7 | uint64(raw[5]&0x7f)
	for i := 0; i < 6; i++ {
		raw[i] = byte(hi >> (8 * (5 - i)))
	}
	return prefix + accessKeyEncoding.EncodeToString(raw[:]), nil
}

// AccountFromAccessKeyID returns the account ID encoded in an access key ID
// made by NewAccessKeyID (or by AWS since 2019). The error is an *Error with
// code InvalidInput when id is not such a key.
func AccountFromAccessKeyID(id string) (string, error) {
	bad := func() error {
		return InvalidInput("The specified access key ID %s is not valid.", id)
	}
	if len(id) != AccessKeyIDLength || !validPrefix(id[:4]) {
		return "", bad()
	}
	raw, err := accessKeyEncoding.DecodeString(id[4:])
	if err != nil || len(raw) != 10 {
		return "", bad()
	}
	var hi uint64
	for i := 0; i < 6; i++ {
		hi = hi<<8 | uint64(raw[i])
	}
	acct := (hi & 0x7fff_ffff_ff80) >> 7
	if acct > maxAccountID {
		return "", bad()
	}
	return fmt.Sprintf("%012d", acct), nil
}

func parseAccountID(s string) (uint64, error) {
	if !ValidAccountID(s) {
		return 0, fmt.Errorf("iam: invalid account ID %q: want 12 digits", s)
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return n, nil
}

// ValidAccountID reports whether s is a 12-digit account ID.
func ValidAccountID(s string) bool {
	if len(s) != AccountIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NewSecretAccessKey returns a new 40-character secret access key over the
// alphabet [A-Za-z0-9/+]: the standard base64 form of 30 random bytes.
func NewSecretAccessKey(r io.Reader) (string, error) {
	var raw [30]byte
	if _, err := io.ReadFull(r, raw[:]); err != nil {
		return "", fmt.Errorf("iam: reading randomness for a secret access key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(raw[:]), nil
}

// NewAccountID returns a random 12-digit account ID whose first digit is
// not 0 (so it survives being treated as a number).
func NewAccountID(r io.Reader) (string, error) {
	var b strings.Builder
	b.Grow(AccountIDLength)
	var buf [32]byte
	for b.Len() < AccountIDLength {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return "", fmt.Errorf("iam: reading randomness for an account ID: %w", err)
		}
		for _, c := range buf {
			if b.Len() == AccountIDLength {
				break
			}
			// Rejection sampling keeps each digit uniform.
			if b.Len() == 0 {
				if c < 252 { // 252 = 28*9
					b.WriteByte('1' + c%9)
				}
				continue
			}
			if c < 250 { // 250 = 25*10
				b.WriteByte('0' + c%10)
			}
		}
	}
	return b.String(), nil
}
