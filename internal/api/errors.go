package api

import (
	"errors"
	"net/http"

	"github.com/iamd/iamd/internal/api/iamshape"
	"github.com/iamd/iamd/internal/api/query"
	"github.com/iamd/iamd/internal/api/stsshape"
)

// AWSError is how the API recognises an error meant for the client: the
// domain's *iam.Error and the Authenticator's and Authorizer's errors
// implement it. Any other error becomes ServiceFailure (500), its text logged
// and never shown.
type AWSError interface {
	error
	AWSErrorCode() string
	AWSMessage() string
}

// Error is an AWS error raised by this package (routing, decoding,
// pagination) and usable by callers that have no domain error type at hand.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string        { return e.Code + ": " + e.Message }
func (e *Error) AWSErrorCode() string { return e.Code }
func (e *Error) AWSMessage() string   { return e.Message }

// newError builds the errors this package raises.
func newError(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// Codes this package emits itself, and common AWS codes without a model shape.
const (
	CodeAccessDenied               = "AccessDenied"
	CodeValidationError            = "ValidationError"
	CodeInvalidAction              = "InvalidAction"
	CodeMissingAction              = "MissingAction"
	CodeInvalidParameterValue      = "InvalidParameterValue"
	CodeMalformedQueryString       = "MalformedQueryString"
	CodeNotImplemented             = "NotImplemented"
	CodeServiceFailure             = "ServiceFailure"
	CodeRequestEntityTooLarge      = "RequestEntityTooLarge"
	CodeMethodNotAllowed           = "MethodNotAllowed"
	CodeInvalidInput               = "InvalidInput"
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
)

type errorClass struct {
	status int
	sender bool
}

// errorTable is the one table mapping an AWS error code to its HTTP status
// and fault type: the modeled error shapes of IAM and STS, then the codes
// AWS returns without a model shape (common errors and SigV4 failures,
// protocol.md §5.4 and §6).
func errorTable() map[string]errorClass {
	t := map[string]errorClass{}
	for _, specs := range [][]query.ErrorSpec{iamshape.Errors(), stsshape.Errors()} {
		for _, e := range specs {
			t[e.Code] = errorClass{e.HTTPStatus, e.Sender}
		}
	}
	for code, status := range map[string]int{
		CodeAccessDenied:               http.StatusForbidden,
		CodeValidationError:            http.StatusBadRequest,
		CodeInvalidAction:              http.StatusBadRequest,
		CodeMissingAction:              http.StatusBadRequest,
		CodeInvalidParameterValue:      http.StatusBadRequest,
		"MissingParameter":             http.StatusBadRequest,
		CodeMalformedQueryString:       http.StatusBadRequest,
		CodeNotImplemented:             http.StatusNotImplemented,
		CodeRequestEntityTooLarge:      http.StatusRequestEntityTooLarge,
		CodeMethodNotAllowed:           http.StatusMethodNotAllowed,
		CodeMissingAuthenticationToken: http.StatusForbidden,
		"IncompleteSignature":          http.StatusBadRequest,
		"InvalidClientTokenId":         http.StatusForbidden,
		"ExpiredToken":                 http.StatusForbidden,
		"SignatureDoesNotMatch":        http.StatusForbidden,
		"InvalidAccessKeyId":           http.StatusForbidden,
		"Throttling":                   http.StatusBadRequest,
		"InternalFailure":              http.StatusInternalServerError,
		"ServiceUnavailable":           http.StatusServiceUnavailable,
	} {
		t[code] = errorClass{status, status < 500}
	}
	return t
}

// classify returns the HTTP status and fault of a code; codes nobody listed
// are client faults (400), which is what AWS's Query services default to.
func (s *Server) classify(code string) errorClass {
	if c, ok := s.errors[code]; ok {
		return c
	}
	return errorClass{http.StatusBadRequest, true}
}

// ErrorStatus reports the HTTP status the server sends for an AWS error code.
func (s *Server) ErrorStatus(code string) int { return s.classify(code).status }

// asAWSError extracts the client-facing error, if any, from err's chain.
func asAWSError(err error) (AWSError, bool) {
	var ae AWSError
	if errors.As(err, &ae) {
		return ae, true
	}
	return nil, false
}
