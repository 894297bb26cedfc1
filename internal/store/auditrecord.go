package store

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The audit table keeps in columns only what its queries select by (the
// ID, which orders the trail and carries the time, account, principal,
// access key, service and action); the rest of an event is packed into one
// column by AppendAuditRecord. Inserting an event thus binds 7 values
// instead of 16, and the row is a third smaller, which is most of what an
// audit write costs SQLite.
//
// Record format, version 1 (all integers unsigned varints unless noted,
// strings a varint length then the bytes):
//
//	0x01, time (signed varint, Unix microseconds), request ID, source IP,
//	user agent, region, decision, error code, status, resource count,
//	resources, statement count, then per statement: policy, sid, index
//	(signed varint), effect, type.
//
// Rows migrated from the earlier wide table hold a JSON object instead
// (their first byte is '{'); DecodeAuditRecord reads both.

const auditRecordV1 = 0x01

// AppendAuditRecord appends e's packed fields to dst.
func AppendAuditRecord(dst []byte, e *AuditEvent) []byte {
	dst = append(dst, auditRecordV1)
	dst = binary.AppendVarint(dst, UTC(e.Time).UnixMicro())
	dst = appendString(dst, e.RequestID)
	dst = appendString(dst, e.SourceIP)
	dst = appendString(dst, e.UserAgent)
	dst = appendString(dst, e.Region)
	dst = appendString(dst, e.Decision)
	dst = appendString(dst, e.ErrorCode)
	dst = binary.AppendUvarint(dst, uint64(max(e.Status, 0)))
	dst = binary.AppendUvarint(dst, uint64(len(e.Resources)))
	for _, r := range e.Resources {
		dst = appendString(dst, r)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Statements)))
	for i := range e.Statements {
		s := &e.Statements[i]
		dst = appendString(dst, s.Policy)
		dst = appendString(dst, s.Sid)
		dst = binary.AppendVarint(dst, int64(s.Index))
		dst = appendString(dst, s.Effect)
		dst = appendString(dst, s.Type)
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

var errAuditRecord = errors.New("store: malformed audit record")

// DecodeAuditRecord fills the packed fields of e (everything but ID,
// AccountID, PrincipalARN, AccessKeyID, Service and Action) from data.
// Resources and Statements are never nil.
func DecodeAuditRecord(data []byte, e *AuditEvent) error {
	if len(data) > 0 && data[0] == '{' {
		return decodeLegacyAuditRecord(data, e)
	}
	if len(data) == 0 || data[0] != auditRecordV1 {
		return errAuditRecord
	}
	d := recordReader{b: data[1:]}
	e.Time = time.UnixMicro(d.varint()).UTC()
	e.RequestID = d.string()
	e.SourceIP = d.string()
	e.UserAgent = d.string()
	e.Region = d.string()
	e.Decision = d.string()
	e.ErrorCode = d.string()
	e.Status = int(d.uvarint())
	n := d.count()
	e.Resources = make([]string, 0, n)
	for range n {
		e.Resources = append(e.Resources, d.string())
	}
	n = d.count()
	e.Statements = make([]AuditStatement, 0, n)
	for range n {
		var s AuditStatement
		s.Policy = d.string()
		s.Sid = d.string()
		s.Index = int(d.varint())
		s.Effect = d.string()
		s.Type = d.string()
		e.Statements = append(e.Statements, s)
	}
	if d.bad || len(d.b) != 0 {
		return errAuditRecord
	}
	return nil
}

// recordReader reads a record; a read past the end sets bad and returns
// zero values.
type recordReader struct {
	b   []byte
	bad bool
}

func (d *recordReader) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *recordReader) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a list length, bounded by the bytes left (each element takes
// at least one), so a corrupt record cannot make a huge allocation.
func (d *recordReader) count() int {
	v := d.uvarint()
	if v > uint64(len(d.b)) {
		d.bad, d.b = true, nil
		return 0
	}
	return int(v)
}

func (d *recordReader) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.bad, d.b = true, nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// legacyAuditRecord is the JSON object that migration 0061 builds from the
// columns of the earlier table.
type legacyAuditRecord struct {
	Time       string           `json:"time"`
	RequestID  string           `json:"requestId"`
	SourceIP   *string          `json:"sourceIp"`
	UserAgent  *string          `json:"userAgent"`
	Region     *string          `json:"region"`
	Decision   *string          `json:"decision"`
	ErrorCode  *string          `json:"errorCode"`
	Status     int              `json:"status"`
	Resources  []string         `json:"resources"`
	Statements []AuditStatement `json:"statements"`
}

func decodeLegacyAuditRecord(data []byte, e *AuditEvent) error {
	var r legacyAuditRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("%w: %w", errAuditRecord, err)
	}
	t, err := time.Parse(time.RFC3339Nano, r.Time)
	if err != nil {
		return fmt.Errorf("%w: time: %w", errAuditRecord, err)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	e.Time = UTC(t)
	e.RequestID, e.SourceIP, e.UserAgent, e.Region = r.RequestID, str(r.SourceIP), str(r.UserAgent), str(r.Region)
	e.Decision, e.ErrorCode, e.Status = str(r.Decision), str(r.ErrorCode), r.Status
	e.Resources, e.Statements = r.Resources, r.Statements
	if e.Resources == nil {
		e.Resources = []string{}
	}
	if e.Statements == nil {
		e.Statements = []AuditStatement{}
	}
	return nil
}

// AuditIDBound is the smallest event ID whose time part is at or after t:
// IDs start with the event time in Unix microseconds as 16 lower-case hex
// digits (AuditEvent.ID), so "Time >= t" is "ID >= AuditIDBound(t)" and
// "Time < t" is "ID < AuditIDBound(t)" — the ID's index serves time ranges.
func AuditIDBound(t time.Time) string {
	us := t.UnixMicro()
	if t.Sub(time.UnixMicro(us)) > 0 {
		us++ // t has a fraction of a microsecond: round up
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(max(us, 0)))
	return hex.EncodeToString(b[:])
}

// ListAuditPages pages through an ID-ordered listing whose backend could
// select only part of f (fetch(after, limit) returns up to limit events
// after the ID after, in the listing's order; limit 0 means all), keeping
// the events keep accepts, until page p is full. It returns the page and
// whether more events follow.
func ListAuditPages(p Page, keep func(*AuditEvent) bool, fetch func(after string, limit int) ([]AuditEvent, error)) ([]AuditEvent, bool, error) {
	want := p.FetchLimit()
	if keep == nil {
		evs, err := fetch(p.After, want)
		if err != nil {
			return nil, false, err
		}
		evs, more := Truncate(evs, p)
		return evs, more, nil
	}
	chunk := 0
	if want > 0 {
		chunk = max(want, 256)
	}
	var out []AuditEvent
	after := p.After
	for {
		evs, err := fetch(after, chunk)
		if err != nil {
			return nil, false, err
		}
		for i := range evs {
			if keep(&evs[i]) {
				out = append(out, evs[i])
			}
		}
		if chunk == 0 || len(evs) < chunk || len(out) >= want {
			break
		}
		after = evs[len(evs)-1].ID
	}
	if out == nil {
		out = []AuditEvent{}
	}
	out, more := Truncate(out, p)
	return out, more, nil
}

// AuditPackedFilter is the part of f that concerns packed fields (decision,
// request ID), as a predicate; nil when f has none.
func AuditPackedFilter(f AuditFilter) func(*AuditEvent) bool {
	if f.Decision == "" && f.RequestID == "" {
		return nil
	}
	return func(e *AuditEvent) bool {
		return (f.Decision == "" || e.Decision == f.Decision) && (f.RequestID == "" || e.RequestID == f.RequestID)
	}
}
