package sigv4

import (
	"errors"
	"net/http"
	"strings"
)

// AWS error codes returned by the verifier (protocol.md §5.4). All of them
// are client errors: the error envelope's <Type> is Sender.
const (
	CodeMissingAuthenticationToken  = "MissingAuthenticationToken"
	CodeIncompleteSignature         = "IncompleteSignature"
	CodeInvalidClientTokenID        = "InvalidClientTokenId"
	CodeSignatureDoesNotMatch       = "SignatureDoesNotMatch"
	CodeExpiredToken                = "ExpiredToken"
	CodeAccessDenied                = "AccessDenied"
	CodeInvalidParameterValue       = "InvalidParameterValue"
	CodeInvalidParameterCombination = "InvalidParameterCombination"
	CodeXAmzContentSHA256Mismatch   = "XAmzContentSHA256Mismatch"
)

// AWS's own message texts for the errors whose wording clients and people
// recognise.
const (
	msgMissingAuthenticationToken = "Request is missing Authentication Token"
	msgInvalidClientTokenID       = "The security token included in the request is invalid."
	msgExpiredToken               = "The security token included in the request is expired"
	msgSignatureDoesNotMatch      = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgRequestExpired = "Request has expired"
)

// Error is an authentication failure in AWS's terms: the code, the message
// AWS returns for it and the HTTP status. The API layer renders it in the
// service's error envelope.
type Error struct {
	code    string
	message string
	status  int

	// For SignatureDoesNotMatch only: what the server computed, with any
	// session token redacted, so an operator can compare it with the
	// client's. Never part of the message sent to the client.
	canonicalRequest string
	stringToSign     string
}

func newError(code string, status int, message string) *Error {
	return &Error{code: code, message: message, status: status}
}

// Error implements error.
func (e *Error) Error() string { return e.code + ": " + e.message }

// Code is the AWS error code, e.g. "SignatureDoesNotMatch".
func (e *Error) Code() string { return e.code }

// Message is AWS's message text for the error.
func (e *Error) Message() string { return e.message }

// HTTPStatus is the status AWS answers with for this error.
func (e *Error) HTTPStatus() int { return e.status }

// AWSErrorCode and AWSMessage let the API layer recognise the error without
// knowing its concrete type (the same methods as iam.Error).
func (e *Error) AWSErrorCode() string { return e.code }

// AWSMessage returns the same as Message.
func (e *Error) AWSMessage() string { return e.message }

// CanonicalRequest is, for SignatureDoesNotMatch, the canonical request the
// server computed (session token redacted); for logs at debug level only.
func (e *Error) CanonicalRequest() string { return e.canonicalRequest }

// StringToSign is, for SignatureDoesNotMatch, the string to sign the server
// computed; for logs at debug level only.
func (e *Error) StringToSign() string { return e.stringToSign }

func errMissingAuth() *Error {
	return newError(CodeMissingAuthenticationToken, http.StatusForbidden, msgMissingAuthenticationToken)
}

// IncompleteSignature is 400 in AWS's common-errors table.
func errIncomplete(message string) *Error {
	return newError(CodeIncompleteSignature, http.StatusBadRequest, message)
}

func errInvalidClientTokenID() *Error {
	return newError(CodeInvalidClientTokenID, http.StatusForbidden, msgInvalidClientTokenID)
}

func errExpiredToken() *Error {
	return newError(CodeExpiredToken, http.StatusForbidden, msgExpiredToken)
}

func errSignature(message string) *Error {
	return newError(CodeSignatureDoesNotMatch, http.StatusForbidden, message)
}

func errMismatch(canonicalRequest, stringToSign, token string) *Error {
	e := errSignature(msgSignatureDoesNotMatch)
	if token != "" {
		// The token is a secret: keep it out of anything that may be logged,
		// in both its raw and its query-encoded form.
		canonicalRequest = strings.ReplaceAll(canonicalRequest, token, "<redacted>")
		canonicalRequest = strings.ReplaceAll(canonicalRequest, uriEncode(token, false), "<redacted>")
	}
	e.canonicalRequest = canonicalRequest
	e.stringToSign = stringToSign
	return e
}

func errRequestExpired() *Error {
	return newError(CodeAccessDenied, http.StatusForbidden, msgRequestExpired)
}

func errInvalidParameter(message string) *Error {
	return newError(CodeInvalidParameterValue, http.StatusBadRequest, message)
}

// Errors a credential lookup returns to say why a key cannot be used. The
// verifier maps them to AWS's codes; any other error from a lookup is an
// internal failure and is returned unchanged (wrapped) for the caller to log
// and answer with a 5xx.
var (
	// ErrUnknownAccessKey: no such access key ID.
	ErrUnknownAccessKey = errors.New("sigv4: unknown access key")
	// ErrInactiveAccessKey: the key exists but is Inactive.
	ErrInactiveAccessKey = errors.New("sigv4: inactive access key")
	// ErrInvalidSessionToken: the session token is unknown or forged, is
	// missing for a temporary key, or was sent with a long-term key.
	ErrInvalidSessionToken = errors.New("sigv4: invalid session token")
	// ErrExpiredSessionToken: temporary credentials past their expiration.
	ErrExpiredSessionToken = errors.New("sigv4: expired session token")
)

// lookupError turns a lookup failure into the AWS error, or returns the
// lookup's own error when it is not one of the sentinels above.
func lookupError(err error) error {
	var ae *Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, ErrExpiredSessionToken):
		return errExpiredToken()
	case errors.Is(err, ErrUnknownAccessKey), errors.Is(err, ErrInactiveAccessKey),
		errors.Is(err, ErrInvalidSessionToken):
		return errInvalidClientTokenID()
	default:
		return err
	}
}
