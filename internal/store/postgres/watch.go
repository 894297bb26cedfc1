package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/iamd/iamd/internal/store"
)

// Watch implements store.Watcher. Changes committed through this Store
// are delivered before Tx returns; changes committed by other nodes arrive
// through LISTEN on a connection of its own, started by the first call and
// kept (reconnecting) until Close. After every (re)connection the watcher
// sends a resync (store.Change{}): notifications sent while it was not
// listening are lost.
func (s *Store) Watch(ctx context.Context, fn func(store.Change)) {
	s.hub.Watch(ctx, fn)
	s.listenOnce.Do(func() {
		lctx, cancel := context.WithCancel(context.Background())
		s.stop, s.done = cancel, make(chan struct{})
		go s.listen(lctx)
	})
}

// Channel is the NOTIFY channel of this store's schema: iamd_changes_<schema>,
// payload "<account id> <revision>".
func (s *Store) Channel() string { return s.channel }

// listen keeps a LISTEN connection open until ctx is done.
func (s *Store) listen(ctx context.Context) {
	defer close(s.done)
	retry := 100 * time.Millisecond
	for ctx.Err() == nil {
		connected, err := s.listenConn(ctx)
		if ctx.Err() != nil {
			return
		}
		s.opts.Logger.Warn("postgres: change listener lost its connection; reconnecting", "err", err)
		if connected {
			retry = 100 * time.Millisecond
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		retry = min(retry*2, s.opts.CheckInterval)
	}
}

// listenConn listens on one connection until it fails; connected reports
// whether LISTEN succeeded.
func (s *Store) listenConn(ctx context.Context) (connected bool, err error) {
	c, err := pgx.ConnectConfig(ctx, s.cfg)
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c.Close(cctx)
	}()
	if _, err := c.Exec(ctx, `LISTEN `+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return false, err
	}
	// Whatever was committed while nobody listened is unknown.
	s.hub.Publish(store.Change{})
	for {
		wctx, cancel := context.WithTimeout(ctx, s.opts.CheckInterval)
		n, err := c.WaitForNotification(wctx)
		cancel()
		if n != nil {
			s.publishPayload(n.Payload)
		}
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			// Quiet for a while: make sure the connection still works, a
			// dead one would stay silent forever.
			pctx, cancel := context.WithTimeout(ctx, s.opts.CheckInterval)
			err = c.Ping(pctx)
			cancel()
			if err != nil {
				return true, err
			}
			continue
		}
		if err != nil {
			return true, err
		}
		s.drain(c)
	}
}

// drain publishes the notifications pgx has already queued (several can
// arrive in one read). With a context that is already done,
// WaitForNotification returns queued ones without touching the socket.
func (s *Store) drain(c *pgx.Conn) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for {
		n, err := c.WaitForNotification(done)
		if err != nil || n == nil {
			return
		}
		s.publishPayload(n.Payload)
	}
}

func (s *Store) publishPayload(payload string) {
	if ch, ok := parseChange(payload); ok {
		s.hub.Publish(ch)
		return
	}
	s.hub.Publish(store.Change{})
}

// parseChange reads the payload "<account id> <revision>" that Tx sends.
func parseChange(payload string) (store.Change, bool) {
	acct, rev, ok := strings.Cut(payload, " ")
	if !ok || acct == "" {
		return store.Change{}, false
	}
	n, err := strconv.ParseInt(rev, 10, 64)
	if err != nil {
		return store.Change{}, false
	}
	return store.Change{AccountID: acct, Revision: n}, true
}
