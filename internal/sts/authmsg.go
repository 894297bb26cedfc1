package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/iamd/iamd/internal/iam"
)

// CodeInvalidAuthorizationMessage is DecodeAuthorizationMessage's error for
// a message that does not decode (the STS model's shape).
const CodeInvalidAuthorizationMessage = "InvalidAuthorizationMessageException"

// MaxEncodedMessage is the model's limit on EncodedMessage: an encoded
// message is kept below it so that it can always be decoded.
const MaxEncodedMessage = 10240

// AuthorizationMessage is the decoded form of an encoded authorization
// message, in AWS's JSON shape (DecodedMessage): lists are {"items": […]}.
type AuthorizationMessage struct {
	Allowed           bool                    `json:"allowed"`
	ExplicitDeny      bool                    `json:"explicitDeny"`
	MatchedStatements Items[MatchedStatement] `json:"matchedStatements"`
	Failures          Items[string]           `json:"failures"`
	Context           MessageContext          `json:"context"`
}

// Items is AWS's list wrapper in decoded messages.
type Items[T any] struct {
	Items []T `json:"items"`
}

// MatchedStatement is one statement that decided. StatementID and Effect
// ("ALLOW"/"DENY") are AWS's fields; Policy, PolicyType and Index locate
// the statement in iamd (the policy's name or ARN, identity / boundary /
// session / resource, its 0-based position).
type MatchedStatement struct {
	StatementID string `json:"statementId"`
	Effect      string `json:"effect"`
	Policy      string `json:"policy,omitempty"`
	PolicyType  string `json:"policyType,omitempty"`
	Index       int    `json:"index"`
}

// MessageContext is the request that was decided.
type MessageContext struct {
	Principal  MessagePrincipal        `json:"principal"`
	Action     string                  `json:"action"`
	Resource   string                  `json:"resource"`
	Conditions Items[MessageCondition] `json:"conditions"`
}

// MessagePrincipal is the principal of the decided request: id is
// aws:userid, name the user's (or session's) name.
type MessagePrincipal struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	ARN  string `json:"arn"`
}

// MessageCondition is one condition key of the request and its values.
type MessageCondition struct {
	Key    string              `json:"key"`
	Values Items[MessageValue] `json:"values"`
}

// MessageValue is one value of a condition key.
type MessageValue struct {
	Value string `json:"value"`
}

// messageBinding is the associated data of an encoded message: it decodes
// only for callers of the account it was issued in, and never as a session
// or instance token.
func messageBinding(account string) string { return "iamd/authorization-message/" + account }

// EncodeAuthorizationMessage seals msg for account with the session-token
// keyring (keys under the master key, rotated; a message decodes while the
// key that sealed it is kept, at least the rotation interval plus 37 hours).
// Conditions are dropped from the end until the message fits
// MaxEncodedMessage.
func (s *Service) EncodeAuthorizationMessage(ctx context.Context, account string, msg AuthorizationMessage) (string, error) {
	for {
		plain, err := json.Marshal(msg)
		if err != nil {
			return "", fmt.Errorf("sts: encode authorization message: %w", err)
		}
		tok, err := s.keys.sealBlob(ctx, plain, messageBinding(account))
		if err != nil {
			return "", err
		}
		if len(tok) <= MaxEncodedMessage {
			return tok, nil
		}
		n := len(msg.Context.Conditions.Items)
		if n == 0 {
			return "", errors.New("sts: authorization message too long")
		}
		msg.Context.Conditions.Items = msg.Context.Conditions.Items[:n/2]
	}
}

// DecodeAuthorizationMessage opens an encoded authorization message of the
// caller's account and returns it as AWS's JSON DecodedMessage. The
// authorizer has checked sts:DecodeAuthorizationMessage.
func (s *Service) DecodeAuthorizationMessage(ctx context.Context, caller *iam.Identity, encoded string) (string, error) {
	plain, err := s.keys.openBlob(ctx, encoded, messageBinding(caller.AccountID))
	if errors.Is(err, ErrInvalidToken) {
		return "", &iam.Error{Code: CodeInvalidAuthorizationMessage, Message: "The encoded authorization message is invalid, was issued in another account, or has expired."}
	}
	if err != nil {
		return "", serviceFailure(err)
	}
	var msg AuthorizationMessage
	if err := json.Unmarshal(plain, &msg); err != nil {
		return "", serviceFailure(fmt.Errorf("sts: authentic authorization message does not decode: %w", err))
	}
	out, err := json.Marshal(msg)
	if err != nil {
		return "", serviceFailure(err)
	}
	return string(out), nil
}
