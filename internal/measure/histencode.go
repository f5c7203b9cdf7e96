package measure

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"math"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// HistogramEncoder writes HdrHistogram's V2 compressed encoding, the text
// hdr.Histogram.Encode(hdr.V2CompressedEncodingCookieBase) writes and
// hdr.Decode, hdr.DecodePacked and HdrHistogram's own tools read, reusing
// its buffers and zlib writer. hdrhistogram-go builds a new
// best-compression zlib writer for every Encode: ~0.8 MB allocated and
// ~0.8 ms of CPU per histogram, once per metric per second in every worker
// and again in the coordinator's .hlog files, which at a few metrics a
// second was most of an idle worker's allocation (and so of its GC's work).
// An encoder is not safe for concurrent use.
type HistogramEncoder struct {
	raw  bytes.Buffer // the uncompressed V2 encoding
	comp bytes.Buffer // cookie, length, zlib stream
	z    *zlib.Writer
	leb  [binary.MaxVarintLen64]byte
}

// V2 encoding cookies with the word size (8) in bits 4-7, as hdrhistogram
// writes them.
const (
	v2Cookie           = hdr.V2EncodingCookieBase | 0x10
	v2CompressedCookie = hdr.V2CompressedEncodingCookieBase | 0x10
)

// Encode returns h's V2 compressed encoding, base64 as in a .hlog line; the
// bytes are the caller's.
func (e *HistogramEncoder) Encode(h *hdr.Histogram) (HistogramText, error) {
	counts := h.Export().Counts
	limit := 1 // the library writes at least the first count
	for i := len(counts) - 1; i >= 0; i-- {
		if counts[i] != 0 {
			limit = i + 1
			break
		}
	}
	e.raw.Reset()
	var head [40]byte
	binary.BigEndian.PutUint32(head[0:], uint32(v2Cookie))
	// head[4:8], the payload length, is filled in below.
	binary.BigEndian.PutUint32(head[8:], 0) // normalizing index offset
	binary.BigEndian.PutUint32(head[12:], uint32(h.SignificantFigures()))
	binary.BigEndian.PutUint64(head[16:], uint64(h.LowestTrackableValue()))
	binary.BigEndian.PutUint64(head[24:], uint64(h.HighestTrackableValue()))
	binary.BigEndian.PutUint64(head[32:], math.Float64bits(1))
	e.raw.Write(head[:])
	for i := 0; i < limit; {
		c := counts[i]
		i++
		if c == 0 {
			zeros := int64(1)
			for i < limit && counts[i] == 0 {
				zeros++
				i++
			}
			if zeros > 1 {
				c = -zeros // a run of zero counts
			}
		}
		e.writeZigZag(c)
	}
	raw := e.raw.Bytes()
	binary.BigEndian.PutUint32(raw[4:], uint32(len(raw)-len(head)))

	e.comp.Reset()
	e.comp.Write([]byte{0, 0, 0, 0, 0, 0, 0, 0}) // cookie and length, below
	if e.z == nil {
		e.z = zlib.NewWriter(&e.comp)
	} else {
		e.z.Reset(&e.comp)
	}
	if _, err := e.z.Write(raw); err != nil {
		return nil, err
	}
	if err := e.z.Close(); err != nil {
		return nil, err
	}
	comp := e.comp.Bytes()
	binary.BigEndian.PutUint32(comp[0:], uint32(v2CompressedCookie))
	binary.BigEndian.PutUint32(comp[4:], uint32(len(comp)-8))
	out := make([]byte, base64.StdEncoding.EncodedLen(len(comp)))
	base64.StdEncoding.Encode(out, comp)
	return out, nil
}

// writeZigZag appends v as HdrHistogram's ZigZag LEB128-64b9B: 7 bits a byte
// for eight bytes, all 8 bits in a ninth.
func (e *HistogramEncoder) writeZigZag(v int64) {
	u := uint64((v << 1) ^ (v >> 63))
	n := 0
	for ; n < 8 && u>>7 != 0; n++ {
		e.leb[n] = byte(u) | 0x80
		u >>= 7
	}
	e.leb[n] = byte(u)
	e.raw.Write(e.leb[:n+1])
}
