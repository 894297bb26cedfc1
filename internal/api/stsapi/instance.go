package stsapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/iamd/iamd/internal/api"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/sts"
)

// Paths of the instance endpoints (not AWS APIs: iamd's own, used by
// `iamd exec`).
const (
	// PathInstances starts an instance: a SigV4-signed (service "sts")
	// POST with the form InstanceProfileName=…[&DurationSeconds=…]; the
	// answer is StartInstanceOutput as JSON.
	PathInstances = "/iamd/v1/instances"
	// PathInstanceCredentials answers a GET carrying the instance token as
	// its Authorization header with container credentials (the format of
	// AWS_CONTAINER_CREDENTIALS_FULL_URI endpoints).
	PathInstanceCredentials = "/iamd/v1/instance-credentials"
	// PathPrefix is the prefix of both, for routing.
	PathPrefix = "/iamd/v1/"
)

// StartInstanceOutput is PathInstances' answer.
type StartInstanceOutput struct {
	InstanceID         string    `json:"InstanceId"`
	InstanceProfileArn string    `json:"InstanceProfileArn"`
	InstanceProfileID  string    `json:"InstanceProfileId"`
	RoleArn            string    `json:"RoleArn"`
	AccountID          string    `json:"AccountId"`
	Token              string    `json:"Token"`
	Expiration         time.Time `json:"Expiration"`
}

// ContainerCredentials is the JSON of container credential endpoints
// (protocol.md §8.1), as PathInstanceCredentials answers it.
type ContainerCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"` // RFC 3339, whole seconds
	RoleArn         string `json:"RoleArn"`
	AccountID       string `json:"AccountId"`
	// For IMDS answers, carried along.
	InstanceID         string `json:"InstanceId,omitempty"`
	InstanceProfileArn string `json:"InstanceProfileArn,omitempty"`
	InstanceProfileID  string `json:"InstanceProfileId,omitempty"`
	LastUpdated        string `json:"LastUpdated,omitempty"`
}

// errorBody is how the instance endpoints report errors.
type errorBody struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// InstanceHandler serves PathInstances and PathInstanceCredentials.
// authn verifies the signature of instance starts.
func InstanceHandler(svc *sts.Service, authn api.Authenticator, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &instanceHandler{svc: svc, authn: authn, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathInstances, h.start)
	mux.HandleFunc("GET "+PathInstanceCredentials, h.credentials)
	return mux
}

type instanceHandler struct {
	svc   *sts.Service
	authn api.Authenticator
	log   *slog.Logger
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers an AWS error with its code and a status by kind; any
// other error is internal (logged, not shown).
func (h *instanceHandler) writeError(w http.ResponseWriter, err error) {
	var ae api.AWSError
	if !errors.As(err, &ae) {
		h.log.Error("instance endpoint failed", "error", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{Code: iam.CodeServiceFailure, Message: "The request processing has failed because of an unknown error, exception or failure."})
		return
	}
	status := http.StatusBadRequest
	switch ae.AWSErrorCode() {
	case iam.CodeAccessDenied, "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "MissingAuthenticationToken":
		status = http.StatusForbidden
	case iam.CodeNoSuchEntity:
		status = http.StatusNotFound
	case iam.CodeServiceFailure:
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, errorBody{Code: ae.AWSErrorCode(), Message: ae.AWSMessage()})
}

func (h *instanceHandler) start(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{Code: "RequestEntityTooLarge", Message: "The request body is too large."})
		return
	}
	caller, err := h.authn.Authenticate(r.Context(), api.AuthnRequest{HTTP: r, Body: body, Service: "sts", Operation: "StartInstance"})
	if err != nil {
		h.writeError(w, err)
		return
	}
	id, err := identity(caller)
	if err != nil {
		h.writeError(w, err)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Code: "MalformedQueryString", Message: "The request body is not a valid form encoding."})
		return
	}
	in := sts.StartInstanceInput{ProfileName: form.Get("InstanceProfileName")}
	if in.ProfileName == "" {
		writeJSON(w, http.StatusBadRequest, errorBody{Code: "MissingParameter", Message: "The request must contain the parameter InstanceProfileName."})
		return
	}
	if ds := form.Get("DurationSeconds"); ds != "" {
		n, err := strconv.ParseInt(ds, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{Code: "InvalidParameterValue", Message: "DurationSeconds must be a number of seconds."})
			return
		}
		in.Duration = time.Duration(n) * time.Second
	}
	inst, err := h.svc.StartInstance(r.Context(), id, in)
	if err != nil {
		h.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, StartInstanceOutput{
		InstanceID: inst.ID, InstanceProfileArn: inst.ProfileARN, InstanceProfileID: inst.ProfileID,
		RoleArn: inst.RoleARN, AccountID: inst.AccountID, Token: inst.Token, Expiration: inst.Expiration,
	})
}

func (h *instanceHandler) credentials(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.InstanceCredentials(r.Context(), r.Header.Get("Authorization"))
	switch {
	case errors.Is(err, sts.ErrInvalidInstanceToken):
		writeJSON(w, http.StatusUnauthorized, errorBody{Code: "InvalidToken", Message: "The authorization token is not a valid instance token."})
		return
	case errors.Is(err, sts.ErrInstanceEnded):
		writeJSON(w, http.StatusUnauthorized, errorBody{Code: "InstanceEnded", Message: "The instance has ended."})
		return
	case err != nil:
		h.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, containerCredentials(c))
}

func containerCredentials(c sts.InstanceCredentials) ContainerCredentials {
	return ContainerCredentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken,
		Expiration: c.Expiration.UTC().Format("2006-01-02T15:04:05Z"), RoleArn: c.RoleARN, AccountID: c.AccountID,
		InstanceID: c.InstanceID, InstanceProfileArn: c.ProfileARN, InstanceProfileID: c.ProfileID,
		LastUpdated: c.LastUpdated.UTC().Format("2006-01-02T15:04:05Z"),
	}
}
