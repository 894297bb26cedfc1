package iam

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

// Virtual MFA devices use RFC 6238 TOTP exactly as authenticator apps
// expect by default: HMAC-SHA1, 6 digits, 30-second steps from the Unix
// epoch.
const (
	TOTPSeedBytes = 20
	TOTPDigits    = 6
	TOTPPeriod    = 30 * time.Second

	// totpSkew is how many steps either side of now VerifyCode accepts, to
	// absorb clock drift between the device and the server.
	totpSkew = 1
	// totpSyncWindow is how far from now (in steps, 10 = 5 minutes) a pair
	// of consecutive codes may lie for EnableMFADevice/ResyncMFADevice;
	// resynchronising is how a drifted device is brought back, so it looks
	// further than a sign-in does.
	totpSyncWindow = 10
)

// seedEncoding is how the seed is shown to the user (Base32StringSeed) and
// put in the otpauth URI: RFC 4648 base32 without padding.
var seedEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSeed returns a fresh 20-byte seed (the HMAC-SHA1 block-size
// recommendation of RFC 4226) read from r.
func NewTOTPSeed(r io.Reader) ([]byte, error) {
	seed := make([]byte, TOTPSeedBytes)
	if _, err := io.ReadFull(r, seed); err != nil {
		return nil, fmt.Errorf("iam: reading randomness for a TOTP seed: %w", err)
	}
	return seed, nil
}

// Base32Seed is the seed as CreateVirtualMFADevice returns it in
// Base32StringSeed (before the wire layer base64-encodes the blob).
func Base32Seed(seed []byte) string { return seedEncoding.EncodeToString(seed) }

// ParseBase32Seed reverses Base32Seed, tolerating padding, spaces and
// lower case as users type them.
func ParseBase32Seed(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	s = strings.TrimRight(s, "=")
	seed, err := seedEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("iam: invalid base32 TOTP seed: %w", err)
	}
	return seed, nil
}

// TOTPStep is the RFC 6238 time step (counter) containing t.
func TOTPStep(t time.Time) int64 {
	return t.Unix() / int64(TOTPPeriod/time.Second)
}

// hotp is RFC 4226's HOTP value for counter, as a zero-padded decimal
// string of the given number of digits.
func hotp(seed []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, seed)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for i := 0; i < digits; i++ {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

func codeAt(seed []byte, step int64) string {
	if step < 0 {
		return ""
	}
	return hotp(seed, uint64(step), TOTPDigits)
}

// TOTPCode is the 6-digit code a device shows at t.
func TOTPCode(seed []byte, t time.Time) string { return codeAt(seed, TOTPStep(t)) }

// wellFormedCode reports whether code is exactly six ASCII digits (the
// model's authenticationCodeType); anything else can never match.
func wellFormedCode(code string) bool {
	if len(code) != TOTPDigits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

func codeMatches(seed []byte, step int64, code string) bool {
	want := codeAt(seed, step)
	return want != "" && hmac.Equal([]byte(want), []byte(code))
}

// VerifyTwoConsecutive checks the two codes EnableMFADevice and
// ResyncMFADevice take: code1 and code2 must be the codes of two
// consecutive steps within five minutes of now. It returns the step of
// code2, which the caller stores as the device's last used step so that
// neither code can be replayed afterwards.
func VerifyTwoConsecutive(seed []byte, code1, code2 string, now time.Time) (int64, bool) {
	return VerifyTwoConsecutiveAfter(seed, code1, code2, now, -1)
}

// VerifyTwoConsecutiveAfter is VerifyTwoConsecutive for a device that has
// been used before (ResyncMFADevice): both codes must also be newer than
// lastUsedStep.
func VerifyTwoConsecutiveAfter(seed []byte, code1, code2 string, now time.Time, lastUsedStep int64) (int64, bool) {
	if !wellFormedCode(code1) || !wellFormedCode(code2) {
		return 0, false
	}
	cur := TOTPStep(now)
	// s2 is the step of code2. Try the steps nearest now first, so the most
	// plausible pair wins should two pairs ever match.
	lo := max(cur-totpSyncWindow+1, lastUsedStep+2)
	for _, s2 := range nearestFirst(cur, lo, cur+totpSyncWindow) {
		if codeMatches(seed, s2-1, code1) && codeMatches(seed, s2, code2) {
			return s2, true
		}
	}
	return 0, false
}

// nearestFirst lists the steps of [lo, hi] ordered by distance from cur
// (cur, cur-1, cur+1, cur-2, ...).
func nearestFirst(cur, lo, hi int64) []int64 {
	var out []int64
	for d := int64(0); cur-d >= lo || cur+d <= hi; d++ {
		if s := cur - d; s >= lo && s <= hi {
			out = append(out, s)
		}
		if s := cur + d; d > 0 && s >= lo && s <= hi {
			out = append(out, s)
		}
	}
	return out
}

// VerifyCode checks a sign-in or STS TokenCode: the code of the current
// step or one step either side, and newer than lastUsedStep (so a code is
// accepted once). It returns the step matched, for the caller to store as
// the new last used step. A device never used passes lastUsedStep -1.
func VerifyCode(seed []byte, code string, now time.Time, lastUsedStep int64) (int64, bool) {
	if !wellFormedCode(code) {
		return 0, false
	}
	cur := TOTPStep(now)
	for _, s := range nearestFirst(cur, max(cur-totpSkew, lastUsedStep+1), cur+totpSkew) {
		if codeMatches(seed, s, code) {
			return s, true
		}
	}
	return 0, false
}

// MFAIssuer is the issuer iamd puts in otpauth URIs, so an authenticator
// app lists the device the way it lists AWS's.
const MFAIssuer = "Amazon Web Services"

// OTPAuthURI is the Key Uri Format authenticator apps scan:
// otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>.
// account is the device's label, for AWS "<device name>@<account alias or
// ID>".
func OTPAuthURI(issuer, account string, seed []byte) string {
	label := url.PathEscape(issuer + ":" + account)
	// PathEscape keeps ':' and '@' which the format allows in labels.
	q := "secret=" + Base32Seed(seed) + "&issuer=" + url.QueryEscape(issuer)
	q = strings.ReplaceAll(q, "+", "%20")
	return "otpauth://totp/" + label + "?" + q
}

// qrSize is the edge of the PNG in pixels.
const qrSize = 256

// QRCodePNG renders uri (an OTPAuthURI) as the PNG CreateVirtualMFADevice
// returns in QRCodePNG.
func QRCodePNG(uri string) ([]byte, error) {
	png, err := qrcode.Encode(uri, qrcode.Medium, qrSize)
	if err != nil {
		return nil, fmt.Errorf("iam: rendering the MFA QR code: %w", err)
	}
	return png, nil
}
