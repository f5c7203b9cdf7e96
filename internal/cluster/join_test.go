package cluster

import (
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// freeAddr is a loopback address nothing listens on (yet).
func freeAddr(t *testing.T, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// A worker started before its coordinator waits for it, saying what it
// waits for, and joins once it listens.
func TestJoinRetriesUntilTheCoordinatorListens(t *testing.T) {
	key := newKey(t)
	addr := freeAddr(t, "127.0.0.1")
	cfg := testConfig(t, "early", "127.0.0.5", key, worker, addr)
	cfg.JoinTimeout = 30 * time.Second
	var mu sync.Mutex
	var waits []string
	cfg.OnJoinRetry = func(err error, _ time.Duration) {
		mu.Lock()
		waits = append(waits, err.Error())
		mu.Unlock()
	}
	joined := make(chan error, 1)
	go func() {
		n, err := Start(cfg)
		if err == nil {
			t.Cleanup(func() { _ = n.Shutdown() })
		}
		joined <- err
	}()
	time.Sleep(2500 * time.Millisecond) // the worker's first attempts find nobody
	coordCfg := testConfig(t, "coord", "127.0.0.1", key, coordinator)
	coordCfg.BindAddr = addr
	startNode(t, coordCfg)
	select {
	case err := <-joined:
		if err != nil {
			t.Fatalf("the early worker did not join: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the early worker never joined")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waits) == 0 || !strings.Contains(waits[0], "nothing listens there yet") || strings.Contains(waits[0], "another cluster key") {
		t.Errorf("retries said %q: want the real cause (nobody listening), not a key hint", waits)
	}
}

// Past JoinTimeout the worker gives up with the cause.
func TestJoinGivesUpAfterItsTimeout(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "late", "127.0.0.6", newKey(t), worker, freeAddr(t, "127.0.0.1"))
	cfg.JoinTimeout = 3 * time.Second
	start := time.Now()
	_, err := Start(cfg)
	if !errors.Is(err, ErrJoin) || !strings.Contains(err.Error(), "nothing listens there yet") {
		t.Fatalf("err = %v, want ErrJoin naming that nothing listens", err)
	}
	if took := time.Since(start); took < 2*time.Second || took > 15*time.Second {
		t.Errorf("gave up after %s, want about the 3 s timeout", took)
	}
}
