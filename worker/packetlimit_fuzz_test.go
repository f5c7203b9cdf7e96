package worker

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"

	"github.com/mqherd/mqherd/internal/hostileinput"
)

// chunkedConn hands out a byte stream in chunks of a fixed size, as a
// broker's TCP segments would, then fails as a closed connection.
type chunkedConn struct {
	net.Conn
	rest []byte
	cut  int
}

func (c *chunkedConn) Read(b []byte) (int, error) {
	if len(c.rest) == 0 {
		return 0, net.ErrClosed
	}
	n := copy(b, c.rest[:min(c.cut, len(c.rest))])
	c.rest = c.rest[n:]
	return n, nil
}

func (c *chunkedConn) SetReadDeadline(time.Time) error { return nil }

// streamConn reads stream through a limitedConn of maxPacket, cut in
// chunks of 1..256 bytes.
func streamConn(stream []byte, cut uint16, maxPacket int) *limitedConn {
	return newLimitedConn(&chunkedConn{rest: stream, cut: 1 + int(cut)%256}, maxPacket, time.Second)
}

// Issue 13's hostile brokers, as bytes on the wire.
var (
	connackClaiming256MiB = []byte{0x20, 0xff, 0xff, 0xff, 0x7f}                               // 268,435,455 bytes declared
	fiveByteLength        = []byte{0x20, 0xff, 0xff, 0xff, 0xff, 0x0f}                         // paho reads it as ~4 GiB
	endlessLength         = append([]byte{0x20}, bytes.Repeat([]byte{0xff}, 4096)...)          // a VBI that never ends
	publishAfterConnack   = []byte{0x20, 0x03, 0x00, 0x00, 0x00, 0x30, 0xff, 0xff, 0xff, 0x7f} // good CONNACK, then 256 MiB declared
)

// FuzzLimitedConn cuts any byte stream into chunks and reads it through
// limitedConn: what passes is a prefix of the stream in which no packet has
// the reserved type 0, and every complete packet is at most the maximum
// with a length field of at most 4 bytes;
// a stream without such a violation passes whole; a refusal is a protocol
// error and comes only for a violation, before its last length byte.
func FuzzLimitedConn(f *testing.F) {
	f.Add([]byte{0x20, 0x03, 0x00, 0x00, 0x00, 0xd0, 0x00}, uint16(0), uint32(64<<10))
	f.Add(connackClaiming256MiB, uint16(1), uint32(64<<10))
	f.Add(fiveByteLength, uint16(3), uint32(1<<30))
	f.Add(publishAfterConnack, uint16(255), uint32(3))
	f.Fuzz(func(t *testing.T, stream []byte, cut uint16, maxPacket uint32) {
		limit := int(maxPacket % (1 << 29))
		lc := streamConn(stream, cut, limit)
		var passed bytes.Buffer
		_, err := passed.ReadFrom(lc)
		if !bytes.HasPrefix(stream, passed.Bytes()) {
			t.Fatalf("passed %x, not a prefix of %x", passed.Bytes(), stream)
		}
		if at, why := firstViolation(passed.Bytes(), limit); at >= 0 {
			t.Fatalf("passed a packet that %s (byte %d, max %d)", why, at, limit)
		}
		at, why := firstViolation(stream, limit)
		pe, refused := asProtocolError(err)
		switch {
		case at < 0 && (refused || passed.Len() != len(stream)):
			t.Fatalf("a stream within max %d: %v after %d of %d bytes", limit, err, passed.Len(), len(stream))
		case at >= 0 && (!refused || passed.Len() > at):
			t.Fatalf("a packet that %s at byte %d: %v after %d bytes", why, at, err, passed.Len())
		case refused && pe.Reason != reasonMalformed && pe.Reason != reasonPacketTooLarge:
			t.Fatalf("refused with reason 0x%02x", pe.Reason)
		}
		if n, again := lc.Read(make([]byte, 8)); refused && (n != 0 || !errors.Is(again, err)) {
			t.Fatalf("after a refusal, a read gave %d bytes and %v", n, again)
		}
	})
}

// firstViolation follows MQTT fixed headers through stream and returns the
// offset of the first byte that breaks the limits, and why: a header of the
// reserved type 0, a length field longer than 4 bytes, or a packet (fixed
// header included, as MQTT counts it) larger than limit; -1 if there is none.
func firstViolation(stream []byte, limit int) (int, string) {
	for i := 0; i < len(stream); {
		if stream[i]>>4 == 0 {
			return i, "has the reserved type 0"
		}
		length, mult := 0, 1
		j := i + 1 // past the header byte
		for ; j < len(stream); j++ {
			if j-i > 4 {
				return j, "field runs past 4 bytes"
			}
			length += int(stream[j]&0x7f) * mult
			mult *= 128
			if stream[j]&0x80 == 0 {
				break
			}
		}
		if j >= len(stream) {
			return -1, ""
		}
		if size := 1 + (j - i) + length; size > limit {
			return j, fmt.Sprintf("makes a packet of %d bytes", size)
		}
		i = j + 1 + length
	}
	return -1, ""
}

// FuzzReadPacket reads packets with paho's packets.ReadPacket, as the
// session does, from any byte stream through limitedConn: whatever lengths
// the stream declares, it allocates in proportion to the maximum packet
// size and the bytes it was sent, never to a declared length.
func FuzzReadPacket(f *testing.F) {
	var good bytes.Buffer
	pub := packets.NewControlPacket(packets.PUBLISH)
	pub.Content.(*packets.Publish).Topic = "agents/agent-000001/jobs"
	pub.Content.(*packets.Publish).Payload = bytes.Repeat([]byte("j"), 300)
	if _, err := pub.WriteTo(&good); err != nil {
		f.Fatal(err)
	}
	good.Write([]byte{0x20, 0x03, 0x00, 0x00, 0x00, 0xd0, 0x00})
	f.Add(good.Bytes(), uint16(7), uint32(64<<10))
	f.Fuzz(func(t *testing.T, stream []byte, cut uint16, maxPacket uint32) {
		limit := int(maxPacket % (1 << 20))
		lc := streamConn(stream, cut, limit)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range len(stream) + 1 {
			if _, err := packets.ReadPacket(lc); err != nil {
				break
			}
		}
		runtime.ReadMemStats(&after)
		if grew, bound := after.TotalAlloc-before.TotalAlloc, uint64(4*limit+2048*len(stream)+1<<20); grew > bound {
			t.Fatalf("%d bytes allocated reading %d bytes with max %d (bound %d)", grew, len(stream), limit, bound)
		}
	})
}

// Issue 13's hostile brokers, each a seed of FuzzReadPacket: read as the
// session reads them (paho's ReadPacket over limitedConn), each is refused
// as a protocol error naming the reason within a second, in well under
// 100 MB (paho alone reserved 256 MiB, 4 GiB, or a byte per byte forever).
func TestHostileBrokerStreamsAreRefused(t *testing.T) { // not parallel: it measures allocation
	for _, c := range []struct {
		seed   string
		stream []byte
		reason byte
		says   string
	}{
		{"connack-claiming-256MiB", connackClaiming256MiB, reasonPacketTooLarge, "a packet of 268435460 bytes; this client announced a maximum of 65536"},
		{"five-byte-length", fiveByteLength, reasonMalformed, "a packet length field longer than 4 bytes"},
		{"endless-length", endlessLength, reasonMalformed, "a packet length field longer than 4 bytes"},
		{"publish-after-connack", publishAfterConnack, reasonPacketTooLarge, "a packet of 268435460 bytes"},
	} {
		hostileinput.KeepSeed(t, "FuzzReadPacket", c.seed, c.stream, uint16(0), uint32(64<<10))
		lc := streamConn(c.stream, 0, 64<<10)
		var err error
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		for err == nil {
			_, err = packets.ReadPacket(lc)
		}
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if pe, ok := asProtocolError(err); !ok || pe.Reason != c.reason || !bytes.Contains([]byte(err.Error()), []byte(c.says)) {
			t.Errorf("%s: %v, want a protocol error 0x%02x saying %q", c.seed, err, c.reason, c.says)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; took > time.Second || grew > 100<<20 {
			t.Errorf("%s: refused after %s, %d MB allocated; want under 1 s and 100 MB", c.seed, took, grew>>20)
		}
	}
	if _, err := packets.ReadPacket(streamConn(nil, 0, 64<<10)); !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
		t.Errorf("an empty stream: %v", err)
	}
}
