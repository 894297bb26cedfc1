package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamd/iamd/internal/store"
)

// DefaultMaxBatch bounds the events of one commit.
const DefaultMaxBatch = 1024

// ErrClosed is returned by Record after the recorder stopped.
var ErrClosed = errors.New("audit: recorder closed")

// Sink receives every committed batch after the store has it (the JSON-lines
// file). An error fails the batch's requests.
type Sink interface {
	WriteEvents(events []store.AuditEvent) error
}

// Config configures a Recorder.
type Config struct {
	Store store.Store // required
	// Sink, optional, gets each batch after the store committed it.
	Sink Sink
	// Rand makes the node part of event IDs; default crypto/rand.
	Rand   io.Reader
	Logger *slog.Logger
	// MaxBatch bounds the events of one commit (0: DefaultMaxBatch).
	MaxBatch int
	// Linger bounds how long the writer waits, after a commit shared by
	// several callers, for as many callers to gather before the next one
	// (0: DefaultLinger; negative: never waits). A lone caller never
	// waits.
	Linger time.Duration
}

// DefaultLinger is Config.Linger's default: short next to a commit (an
// fsync), long enough for the callers just answered to come back.
const DefaultLinger = 2 * time.Millisecond

// KeyUse is the use of a long-term access key that a request's events
// record: the same commit sets the key's last use (GetAccessKeyLastUsed,
// the credential report).
type KeyUse struct {
	AccessKeyID string
	At          time.Time
	Service     string
	Region      string
}

// pending is one Record call waiting for its commit.
type pending struct {
	events []store.AuditEvent
	use    KeyUse
	done   chan error
}

// Recorder commits audit events in groups: one writer goroutine takes
// everything queued since its last commit and commits it in one store
// transaction, so that concurrent requests share commits instead of
// queueing for the store's write lock one by one. At low load a batch is one
// request and costs no added wait; under load batches grow.
type Recorder struct {
	st       store.Store
	sink     Sink
	log      *slog.Logger
	maxBatch int
	linger   time.Duration
	node     string
	seq      atomic.Uint32

	queue chan *pending
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once

	mu     sync.RWMutex // guards closed against Record racing Close
	closed bool
}

// New starts a Recorder; Close stops it.
func New(cfg Config) (*Recorder, error) {
	if cfg.Store == nil {
		return nil, errors.New("audit: Config.Store is required")
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.Linger == 0 {
		cfg.Linger = DefaultLinger
	}
	var node [6]byte
	if _, err := io.ReadFull(cfg.Rand, node[:]); err != nil {
		return nil, fmt.Errorf("audit: node ID: %w", err)
	}
	r := &Recorder{
		st: cfg.Store, sink: cfg.Sink, log: cfg.Logger, maxBatch: cfg.MaxBatch, linger: cfg.Linger,
		node:  hex.EncodeToString(node[:]),
		queue: make(chan *pending, 4*cfg.MaxBatch),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go r.run()
	return r, nil
}

// NewID returns a new event ID for an event at t: the time in microseconds
// (16 hex digits, so that ID order is time order), a per-recorder sequence
// number (order within a microsecond) and the recorder's random node part
// (unique across processes sharing a store).
func (r *Recorder) NewID(t time.Time) string {
	return fmt.Sprintf("%016x%08x%s", store.UTC(t).UnixMicro(), r.seq.Add(1), r.node)
}

// Record commits events (IDs filled in where empty) and, when use names a
// key, the key's last use; it returns once they are committed (and written
// to the sink), or with the error that prevented it. Events of one call
// are committed together.
func (r *Recorder) Record(ctx context.Context, events []store.AuditEvent, use KeyUse) error {
	for i := range events {
		if events[i].ID == "" {
			events[i].ID = r.NewID(events[i].Time)
		}
	}
	p := &pending{events: events, use: use, done: make(chan error, 1)}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return ErrClosed
	}
	select {
	case r.queue <- p:
		r.mu.RUnlock()
	case <-ctx.Done():
		r.mu.RUnlock()
		return fmt.Errorf("audit: %w", ctx.Err())
	}
	// Once queued, the event is committed whatever happens to ctx: wait
	// for the outcome so that the caller does not answer before it.
	return <-p.done
}

// Close commits what is queued and stops the writer. Record fails with
// ErrClosed afterwards.
func (r *Recorder) Close() error {
	r.once.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		close(r.stop)
	})
	<-r.done
	return nil
}

// group is one commit on its way to its callers.
type group struct {
	batch   []*pending
	events  []store.AuditEvent
	durable func() error // nil: durable when committed
	err     error
}

func (r *Recorder) run() {
	// The writer commits; the notifier waits for each commit to be
	// durable, writes it to the sink and answers its callers, in commit
	// order. With a store.DeferredSyncer the writer runs the next group's
	// transaction while the notifier waits for the previous one's sync.
	commits := make(chan *group, 64)
	go func() {
		defer close(r.done)
		for g := range commits {
			r.finish(g)
		}
	}()
	defer close(commits)
	prev := 0 // callers of the previous commit
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var batch []*pending
		select {
		case p := <-r.queue:
			batch = append(batch, p)
		case <-r.stop:
			// Record refuses new work now; commit what was queued.
			for {
				select {
				case p := <-r.queue:
					commits <- r.commit([]*pending{p})
				default:
					return
				}
			}
		}
		n := len(batch[0].events)
	fill:
		for n < r.maxBatch {
			select {
			case p := <-r.queue:
				batch = append(batch, p)
				n += len(p.events)
			default:
				break fill
			}
		}
		if r.linger > 0 && prev > 1 && len(batch) < prev {
			// Under load, the callers of the previous commit were all
			// answered at once and are coming back one by one: committing
			// the first alone would cost a whole commit for one request
			// and leave the others to queue behind it. Wait (briefly) for
			// as many as last time.
			timer.Reset(r.linger)
		gather:
			for len(batch) < prev && n < r.maxBatch {
				select {
				case p := <-r.queue:
					batch = append(batch, p)
					n += len(p.events)
				case <-timer.C:
					break gather
				}
			}
			timer.Stop()
		}
		prev = len(batch)
		commits <- r.commit(batch)
	}
}

// commit writes one batch; finish tells its callers the outcome.
func (r *Recorder) commit(batch []*pending) *group {
	g := &group{batch: batch}
	uses := map[string]KeyUse{}
	for _, p := range batch {
		g.events = append(g.events, p.events...)
		if u := p.use; u.AccessKeyID != "" {
			if prev, ok := uses[u.AccessKeyID]; !ok || !u.At.Before(prev.At) {
				uses[u.AccessKeyID] = u
			}
		}
	}
	// The audit trail must not depend on the requests' contexts: a client
	// that hung up still had its call executed.
	ctx := context.Background()
	write := func(tx store.Txn) error {
		if err := tx.AppendAuditEvents(ctx, g.events); err != nil {
			return err
		}
		for _, u := range uses {
			err := tx.RecordAccessKeyUse(ctx, u.AccessKeyID, u.At, u.Service, u.Region)
			if err != nil && !errors.Is(err, store.ErrNotFound) { // a key deleted meanwhile
				return err
			}
		}
		return nil
	}
	if ds, ok := r.st.(store.DeferredSyncer); ok {
		g.durable, g.err = ds.TxDeferSync(ctx, write)
	} else {
		g.err = r.st.Tx(ctx, write)
	}
	return g
}

// finish waits for g to be durable, writes it to the sink and answers its
// callers.
func (r *Recorder) finish(g *group) {
	err := g.err
	if err == nil && g.durable != nil {
		err = g.durable()
	}
	if err == nil && r.sink != nil {
		err = r.sink.WriteEvents(g.events)
	}
	if err != nil {
		err = fmt.Errorf("audit: commit of %d events: %w", len(g.events), err)
		r.log.Error("audit write failed; the requests fail", "events", len(g.events), "error", err)
	}
	for _, p := range g.batch {
		p.done <- err
	}
}

// ServiceOf is the service prefix of an action ("s3" of "s3:GetObject").
func ServiceOf(action string) string {
	svc, _, _ := strings.Cut(action, ":")
	return svc
}
