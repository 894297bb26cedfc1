package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// JSONEvent is an event's JSON form: a line of the audit file and the
// output of `iamd audit query --json`.
type JSONEvent struct {
	ID           string                 `json:"id"`
	Time         time.Time              `json:"time"`
	RequestID    string                 `json:"requestId"`
	AccountID    string                 `json:"accountId,omitempty"`
	PrincipalARN string                 `json:"principalArn,omitempty"`
	AccessKeyID  string                 `json:"accessKeyId,omitempty"`
	SourceIP     string                 `json:"sourceIp,omitempty"`
	UserAgent    string                 `json:"userAgent,omitempty"`
	Service      string                 `json:"service"`
	Region       string                 `json:"region,omitempty"`
	Action       string                 `json:"action"`
	Resources    []string               `json:"resources"`
	Decision     string                 `json:"decision,omitempty"`
	Statements   []store.AuditStatement `json:"statements"`
	ErrorCode    string                 `json:"errorCode,omitempty"`
	Status       int                    `json:"status"`
}

// ToJSON is e's JSON form (empty lists as [], not null).
func ToJSON(e store.AuditEvent) JSONEvent {
	j := JSONEvent{
		ID: e.ID, Time: e.Time.UTC(), RequestID: e.RequestID, AccountID: e.AccountID, PrincipalARN: e.PrincipalARN,
		AccessKeyID: e.AccessKeyID, SourceIP: e.SourceIP, UserAgent: e.UserAgent, Service: e.Service, Region: e.Region,
		Action: e.Action, Resources: e.Resources, Decision: e.Decision, Statements: e.Statements,
		ErrorCode: e.ErrorCode, Status: e.Status,
	}
	if j.Resources == nil {
		j.Resources = []string{}
	}
	if j.Statements == nil {
		j.Statements = []store.AuditStatement{}
	}
	return j
}

// FileSink appends events as JSON lines to a file and syncs it after every
// batch, so that a committed batch is on disk before its responses go out.
type FileSink struct {
	mu sync.Mutex
	f  *os.File
	w  *bufio.Writer
}

// OpenFile opens (creating, mode 0600) path for appending.
func OpenFile(path string) (*FileSink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	return &FileSink{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// WriteEvents implements Sink.
func (s *FileSink) WriteEvents(events []store.AuditEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	enc := json.NewEncoder(s.w)
	for _, e := range events {
		if err := enc.Encode(ToJSON(e)); err != nil {
			return fmt.Errorf("audit: write %s: %w", s.f.Name(), err)
		}
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("audit: write %s: %w", s.f.Name(), err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("audit: sync %s: %w", s.f.Name(), err)
	}
	return nil
}

// Close closes the file.
func (s *FileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}
