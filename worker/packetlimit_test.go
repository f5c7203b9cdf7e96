package worker

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
)

// pipeConn feeds fixed bytes, in the chunks given, as a connection would.
type pipeConn struct {
	net.Conn
	chunks [][]byte
}

func (p *pipeConn) Read(b []byte) (int, error) {
	if len(p.chunks) == 0 {
		return 0, net.ErrClosed
	}
	n := copy(b, p.chunks[0])
	p.chunks[0] = p.chunks[0][n:]
	if len(p.chunks[0]) == 0 {
		p.chunks = p.chunks[1:]
	}
	return n, nil
}

func (p *pipeConn) SetReadDeadline(time.Time) error { return nil }

// Good packets pass byte for byte, however the stream is cut; a declared
// length past the maximum, or a length field that never ends, is refused
// before the client reads that length.
func TestLimitedConnRefusesHostileLengths(t *testing.T) {
	t.Parallel()
	var good bytes.Buffer
	pub := packets.NewControlPacket(packets.PUBLISH)
	pub.Content.(*packets.Publish).Topic = "agents/agent-000001/jobs"
	pub.Content.(*packets.Publish).Payload = bytes.Repeat([]byte("j"), 300)
	if _, err := pub.WriteTo(&good); err != nil {
		t.Fatal(err)
	}
	good.Write([]byte{0xd0, 0x00}) // PINGRESP: empty body
	cases := map[string]struct {
		stream []byte
		reason byte
	}{
		"two good packets":            {good.Bytes(), 0},
		"CONNACK claiming 256 MiB":    {[]byte{0x20, 0x80, 0x80, 0x80, 0x80, 0x01}, reasonMalformed},
		"PUBLISH claiming 200 MB":     {[]byte{0x30, 0xff, 0xff, 0xff, 0x7f}, reasonPacketTooLarge},
		"a length field never ending": {append([]byte{0x30}, bytes.Repeat([]byte{0xff}, 100)...), reasonMalformed},
		"reserved packet type 0":      {[]byte{0x00, 0x00}, reasonMalformed},
		"exactly the maximum":         {append([]byte{0x30, 0xfc, 0xff, 0x03}, make([]byte, 65532)...), 0}, // 65,532 + 4 header bytes
		"one byte over the maximum":   {[]byte{0x30, 0xfd, 0xff, 0x03}, reasonPacketTooLarge},              // 65,533 + 4 header bytes: 65,537
	}
	for name, c := range cases {
		for _, cut := range []int{1, 2, 7, 1 << 20} {
			var chunks [][]byte
			for s := c.stream; len(s) > 0; s = s[min(cut, len(s)):] {
				chunks = append(chunks, s[:min(cut, len(s))])
			}
			lc := newLimitedConn(&pipeConn{chunks: chunks}, 64<<10, time.Second)
			var got bytes.Buffer
			_, err := got.ReadFrom(lc)
			pe, isProto := asProtocolError(err)
			switch {
			case c.reason == 0 && (!errors.Is(err, net.ErrClosed) || !bytes.Equal(got.Bytes(), c.stream)):
				t.Errorf("%s (chunks of %d): %v, got %d of %d bytes", name, cut, err, got.Len(), len(c.stream))
			case c.reason != 0 && (!isProto || pe.Reason != c.reason || got.Len() > 5):
				t.Errorf("%s (chunks of %d): %v after %d bytes, want reason 0x%02x before the length is complete", name, cut, err, got.Len(), c.reason)
			}
		}
	}
}

// A first packet the client could not take, read whole from a healthy
// stream, is the broker's fault: a CONNACK that does not decode is
// malformed (0x81), another packet where CONNACK was due a protocol error
// (0x82). A stream that broke off explains itself: no verdict.
func TestLimitedConnVerdictOnTheFirstPacket(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		stream []byte
		reason byte // 0: no verdict
	}{
		"CONNACK with no body":   {[]byte{0x20, 0x00}, reasonMalformed},
		"CONNACK with bad props": {[]byte{0x20, 0x03, 0x00, 0x00, 0x09}, reasonMalformed},
		"SUBACK instead":         {[]byte{0x90, 0x03, 0x00, 0x01, 0x00}, reasonProtocol},
		"CONNACK cut off":        {[]byte{0x20, 0x03, 0x00}, 0},
		"nothing":                {nil, 0},
	}
	for name, c := range cases {
		lc := newLimitedConn(&pipeConn{chunks: [][]byte{c.stream}}, 1<<10, time.Second)
		_, _ = packets.ReadPacket(lc)
		pe := lc.verdict()
		switch {
		case c.reason == 0 && pe != nil:
			t.Errorf("%s: verdict %v, want none", name, pe)
		case c.reason != 0 && (pe == nil || pe.Reason != c.reason):
			t.Errorf("%s: verdict %v, want reason 0x%02x", name, pe, c.reason)
		}
	}
}
