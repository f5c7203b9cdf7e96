package worker

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/wire"
)

// syncBuffer is a log that a test reads while the node writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Messages from the coordinator that do not decode are ignored, but
// counted by what failed and logged (the 1st, 2nd, 4th... of each), and the
// exit summary totals them; a command of another run is not a failure.
func TestUndecodableCommandsAreCountedAndLogged(t *testing.T) {
	var log syncBuffer
	n := &workerNode{cfg: NodeConfig{Cluster: cluster.Config{Name: "w1"}, Log: &log}, runID: "r", undecodable: newUndecodable(&log)}
	n.coord.Store("coord")
	n.courier = newCourier(newOutbox(1, 1), nil, nil, &log)
	frame := func(k wire.Kind, body string) []byte { return append([]byte{wire.Version, byte(k)}, body...) }
	for _, b := range [][]byte{
		{wire.Version - 1, byte(wire.KindPhase), '{', '}'}, // an older coordinator
		nil,
		{wire.Version, 99},
		frame(wire.KindPhase, `{"run_id":"r","name":"detonate"}`),
		frame(wire.KindTakeover, `{"run_id":"r"}`),
		frame(wire.KindDismiss, `{`),
		frame(wire.KindPhase, `{"run_id":"other","name":"drain"}`),
	} {
		if end, err := n.handle(cluster.Message{From: "coord", Data: b}); end || err != nil {
			t.Fatalf("%q ended the node (%v): an undecodable message must be ignored", b, err)
		}
	}
	n.exitSummary()
	for _, want := range []string{
		fmt.Sprintf("undecodable frame message from coord (1 so far): wire: protocol version %d, this build speaks %d", wire.Version-1, wire.Version),
		"undecodable frame message from coord (2 so far)",
		"undecodable phase message from coord (1 so far)",
		"undecodable takeover message from coord (1 so far)",
		"undecodable dismiss message from coord (1 so far)",
		"worker w1: ignored undecodable messages: 6 (dismiss 1, frame 3, phase 1, takeover 1)",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if strings.Contains(log.String(), "(3 so far)") {
		t.Errorf("the 3rd failure of a kind was logged (only the 1st, 2nd, 4th...):\n%s", log.String())
	}
}

// A user running `mqherd worker` next to a coordinator of another version
// sees why its messages are ignored, and the total when the worker exits.
func TestWorkerReportsUndecodableMessagesAtExit(t *testing.T) {
	key := make([]byte, cluster.KeySize)
	_, _ = rand.Read(key)
	ccfg := cluster.DefaultConfig()
	ccfg.Name, ccfg.BindAddr, ccfg.Key = "coord", "127.0.0.1:0", key
	ccfg.Meta = cluster.Meta{Role: cluster.RoleCoordinator, Version: wire.Version}
	coord, err := cluster.Start(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = coord.Shutdown() }()
	wcfg := cluster.DefaultConfig()
	wcfg.Name, wcfg.BindAddr, wcfg.Key, wcfg.Join = "w-old-coord", "127.0.0.1:0", key, []string{coord.Addr()}
	var log syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- RunNode(ctx, NodeConfig{Cluster: wcfg, Capacity: 10, Log: &log}) }()
	old := []byte{wire.Version - 1, byte(wire.KindAssign), '{', '}'}
	eventually(t, 10*time.Second, "the worker never joined", func() bool { return coord.Send(wcfg.Name, old) == nil })
	eventually(t, 10*time.Second, "the undecodable message was not logged", func() bool {
		return strings.Contains(log.String(), "undecodable frame message from coord (1 so far): wire: protocol version")
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("RunNode: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("RunNode did not return after cancel")
	}
	if want := "worker w-old-coord: ignored undecodable messages: 1 (frame 1)"; !strings.Contains(log.String(), want) {
		t.Errorf("exit log lacks %q:\n%s", want, log.String())
	}
}
