package broker

import (
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
)

// CONNACK announces MaxPacketBytes; a message within it is accepted, and a
// packet declaring more ends the client's connection before the broker
// reserves memory for it.
func TestPacketLargerThanTheMaximumEndsTheConnection(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.MaxPacketBytes = 4096 })
	id := pki.AgentID(1)
	c, ack, err := e.connect(id, id, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if p := ack.Properties; p == nil || p.MaximumPacketSize == nil || *p.MaximumPacketSize != 4096 {
		t.Fatalf("CONNACK properties %+v: want Maximum Packet Size 4096", p)
	}
	if code := c.publish(t, "agents/"+id+"/status", strings.Repeat("s", 3000)); code >= 0x80 {
		t.Fatalf("a 3000-byte status within the maximum: PUBACK 0x%02x", code)
	}
	if _, err := c.conn.Write([]byte{0x30, 0xff, 0xff, 0xff, 0x7f}); err != nil { // PUBLISH claiming 256 MiB
		t.Fatal(err)
	}
	select {
	case <-c.pc.Done():
	case <-time.After(testTimeout):
		t.Fatal("the broker kept the connection of a client whose packet declared 256 MiB")
	}
}

func TestDefaultMaxPacketFitsTheLargestScenarioMessage(t *testing.T) {
	if got := DefaultConfig().MaxPacketBytes; got != 512<<10 {
		t.Fatalf("default MaxPacketBytes %d, want 512 KiB (the scenario's default run.max_packet_bytes)", got)
	}
}
