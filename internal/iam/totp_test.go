package iam

import (
	"bytes"
	"crypto/rand"
	"errors"
	"image/png"
	"testing"
	"testing/iotest"
	"time"
)

// rfcSeed is the SHA-1 key of RFC 4226 appendix D and RFC 6238 appendix B.
var rfcSeed = []byte("12345678901234567890")

func TestHOTPRFC4226Vectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := hotp(rfcSeed, uint64(i), 6); got != w {
			t.Errorf("HOTP(counter %d) = %s, want %s", i, got, w)
		}
	}
}

func TestTOTPRFC6238Vectors(t *testing.T) {
	tests := []struct {
		unix  int64
		eight string // as published (8 digits)
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, tc := range tests {
		at := time.Unix(tc.unix, 0).UTC()
		if got := hotp(rfcSeed, uint64(TOTPStep(at)), 8); got != tc.eight {
			t.Errorf("8-digit TOTP at %d = %s, want %s", tc.unix, got, tc.eight)
		}
		// Six digits are the same value modulo 10^6: the last six digits.
		if got := TOTPCode(rfcSeed, at); got != tc.eight[2:] {
			t.Errorf("TOTPCode at %d = %s, want %s", tc.unix, got, tc.eight[2:])
		}
	}
}

func TestNewTOTPSeedAndBase32(t *testing.T) {
	seed, err := NewTOTPSeed(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(seed) != 20 {
		t.Fatalf("seed is %d bytes, want 20", len(seed))
	}
	b32 := Base32Seed(seed)
	if len(b32) != 32 || !isBase32(b32) {
		t.Errorf("Base32Seed = %q: want 32 characters of A-Z2-7", b32)
	}
	back, err := ParseBase32Seed(b32)
	if err != nil || !bytes.Equal(back, seed) {
		t.Errorf("ParseBase32Seed round trip = %x, %v", back, err)
	}
	if got := Base32Seed(rfcSeed); got != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Errorf("Base32Seed(rfc) = %s", got)
	}
	if back, err := ParseBase32Seed("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"); err != nil || !bytes.Equal(back, rfcSeed) {
		t.Errorf("ParseBase32Seed(spaced lower case) = %q, %v", back, err)
	}
	if _, err := ParseBase32Seed("not base32!"); err == nil {
		t.Error("ParseBase32Seed accepted garbage")
	}
	if _, err := NewTOTPSeed(iotest.ErrReader(errors.New("x"))); err == nil {
		t.Error("NewTOTPSeed ignored a failing reader")
	}
}

func TestVerifyCode(t *testing.T) {
	now := time.Unix(1111111111, 0) // step 37037037
	step := TOTPStep(now)
	code := func(s int64) string { return codeAt(rfcSeed, s) }
	tests := []struct {
		name     string
		code     string
		lastUsed int64
		wantStep int64
		ok       bool
	}{
		{"current", code(step), -1, step, true},
		{"one step behind", code(step - 1), -1, step - 1, true},
		{"one step ahead", code(step + 1), -1, step + 1, true},
		{"two steps behind", code(step - 2), -1, 0, false},
		{"two steps ahead", code(step + 2), -1, 0, false},
		{"replay of current", code(step), step, 0, false},
		{"next after previous use", code(step), step - 1, step, true},
		{"older than last use", code(step - 1), step - 1, 0, false},
		{"wrong", "000000", -1, 0, false},
		{"five digits", code(step)[:5], -1, 0, false},
		{"seven digits", code(step) + "0", -1, 0, false},
		{"letters", "12345a", -1, 0, false},
	}
	for _, tc := range tests {
		got, ok := VerifyCode(rfcSeed, tc.code, now, tc.lastUsed)
		if ok != tc.ok || (ok && got != tc.wantStep) {
			t.Errorf("%s: VerifyCode = %d, %v; want %d, %v", tc.name, got, ok, tc.wantStep, tc.ok)
		}
	}
	// The step returned as last used makes the same code fail next time.
	s, ok := VerifyCode(rfcSeed, code(step), now, -1)
	if !ok {
		t.Fatal("first use refused")
	}
	if _, ok := VerifyCode(rfcSeed, code(step), now.Add(10*time.Second), s); ok {
		t.Error("replayed code accepted")
	}
}

func TestVerifyTwoConsecutive(t *testing.T) {
	now := time.Unix(2000000000, 0)
	step := TOTPStep(now)
	code := func(s int64) string { return codeAt(rfcSeed, s) }
	tests := []struct {
		name     string
		c1, c2   string
		lastUsed int64
		wantStep int64
		ok       bool
	}{
		{"previous and current", code(step - 1), code(step), -1, step, true},
		{"current and next", code(step), code(step + 1), -1, step + 1, true},
		{"drifted 4 minutes behind", code(step - 9), code(step - 8), -1, step - 8, true},
		{"drifted 5 minutes ahead", code(step + 9), code(step + 10), -1, step + 10, true},
		{"too far behind", code(step - 11), code(step - 10), -1, 0, false},
		{"too far ahead", code(step + 10), code(step + 11), -1, 0, false},
		{"swapped", code(step), code(step - 1), -1, 0, false},
		{"not consecutive", code(step - 2), code(step), -1, 0, false},
		{"same code twice", code(step), code(step), -1, 0, false},
		{"malformed", "12345", code(step), -1, 0, false},
	}
	for _, tc := range tests {
		var got int64
		var ok bool
		if tc.lastUsed < 0 {
			got, ok = VerifyTwoConsecutive(rfcSeed, tc.c1, tc.c2, now)
		} else {
			got, ok = VerifyTwoConsecutiveAfter(rfcSeed, tc.c1, tc.c2, now, tc.lastUsed)
		}
		if ok != tc.ok || (ok && got != tc.wantStep) {
			t.Errorf("%s: got %d, %v; want %d, %v", tc.name, got, ok, tc.wantStep, tc.ok)
		}
	}
	// Resync after a sign-in at step: codes at or before it are refused.
	if _, ok := VerifyTwoConsecutiveAfter(rfcSeed, code(step-1), code(step), now, step); ok {
		t.Error("resync reused codes already spent")
	}
	if _, ok := VerifyTwoConsecutiveAfter(rfcSeed, code(step-1), code(step), now, step-1); ok {
		t.Error("resync reused code1 already spent")
	}
	if s, ok := VerifyTwoConsecutiveAfter(rfcSeed, code(step+1), code(step+2), now, step); !ok || s != step+2 {
		t.Errorf("resync with fresh codes = %d, %v", s, ok)
	}
}

func TestNearestFirst(t *testing.T) {
	got := nearestFirst(10, 8, 13)
	want := []int64{10, 9, 11, 8, 12, 13}
	if len(got) != len(want) {
		t.Fatalf("nearestFirst = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("nearestFirst = %v, want %v", got, want)
		}
	}
	if got := nearestFirst(10, 12, 11); len(got) != 0 {
		t.Errorf("empty range gave %v", got)
	}
}

func TestOTPAuthURI(t *testing.T) {
	got := OTPAuthURI(MFAIssuer, "alice@123456789012", rfcSeed)
	want := "otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Amazon%20Web%20Services"
	if got != want {
		t.Errorf("OTPAuthURI =\n %s\nwant\n %s", got, want)
	}
	if got := OTPAuthURI("iamd", "a/b?c", rfcSeed); got != "otpauth://totp/iamd:a%2Fb%3Fc?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=iamd" {
		t.Errorf("OTPAuthURI escaping = %s", got)
	}
}

func TestQRCodePNG(t *testing.T) {
	uri := OTPAuthURI(MFAIssuer, "alice@123456789012", rfcSeed)
	b, err := QRCodePNG(uri)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("QRCodePNG is not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() != qrSize || r.Dy() != qrSize {
		t.Errorf("PNG is %v, want %dx%d", r, qrSize, qrSize)
	}
	again, _ := QRCodePNG(uri)
	if !bytes.Equal(b, again) {
		t.Error("QRCodePNG is not deterministic")
	}
	other, _ := QRCodePNG(OTPAuthURI(MFAIssuer, "bob@123456789012", rfcSeed))
	if bytes.Equal(b, other) {
		t.Error("different URIs gave the same PNG")
	}
}
