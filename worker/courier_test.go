package worker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// noIdentities serves a worker that never connects.
type noIdentities struct{}

func (noIdentities) Agent(int) (tls.Certificate, error) {
	return tls.Certificate{}, errors.New("no identities")
}

func (noIdentities) Service(string) (tls.Certificate, error) {
	return tls.Certificate{}, errors.New("no identities")
}

func (noIdentities) Roots() *x509.CertPool { return x509.NewCertPool() }

// stuckCoordinator is a send that blocks, as to a coordinator that stopped
// reading, until released; it records the sequence numbers delivered.
type stuckCoordinator struct {
	release chan struct{}
	mu      sync.Mutex
	seqs    []uint64
}

func (c *stuckCoordinator) send(b []byte) error {
	<-c.release
	_, body, err := wire.Decode(b)
	if err != nil {
		return err
	}
	_, l, err := wire.SplitSnapshot(body)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.seqs = append(c.seqs, l.Seq)
	c.mu.Unlock()
	return nil
}

func (c *stuckCoordinator) delivered() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.seqs)
}

// A coordinator that stops reading does not slow the worker's snapshot
// timer: over ten seconds it takes ten snapshots, one in the blocked send
// and nine queued behind it, all delivered in order once the coordinator
// reads again.
func TestBlockedSendDoesNotStallTheSnapshotTimer(t *testing.T) {
	// A snapshot timer waiting on a mutex is not durably blocked: the
	// bubble's clock would stop and the test hang. The watchdog (real
	// time) turns that into a failure.
	watchdog := time.AfterFunc(2*time.Minute, func() {
		panic("the snapshot timer stalled behind a blocked send: the fake clock stopped")
	})
	defer watchdog.Stop()
	synctest.Test(t, func(t *testing.T) {
		coord := &stuckCoordinator{release: make(chan struct{})}
		c := newCourier(newOutbox(100, 1<<20), coord.send, func() bool { return true }, io.Discard)
		ctx, stopFlusher := context.WithCancel(context.Background())
		flusherDone := make(chan struct{})
		go func() { defer close(flusherDone); c.run(ctx) }()
		w, err := New(Config{Name: "w0", RunID: "r", Target: "127.0.0.1:1", Scenario: testScenario(t, 4, 600),
			Agents: wire.Range{First: 0, Count: 4}, Identities: noIdentities{}})
		if err != nil {
			t.Fatal(err)
		}
		var taken atomic.Int64
		w.Start(func(s *measure.Snapshot, l *wire.Ledger) { c.enqueue(s, l); taken.Add(1) })

		time.Sleep(10*time.Second + 500*time.Millisecond)
		synctest.Wait()
		if queued, _ := c.out.stats(); taken.Load() != 10 || queued != 9 {
			t.Errorf("over 10 s with the coordinator not reading: %d snapshots taken, %d queued; want 10 and 9 (one in the send)", taken.Load(), queued)
		}
		close(coord.release)
		w.Stop() // the 11th, last snapshot
		synctest.Wait()
		if got, want := coord.delivered(), []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; !slices.Equal(got, want) {
			t.Errorf("delivered %v, want %v", got, want)
		}
		stopFlusher()
		<-flusherDone
	})
}
