package measure

import (
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// What the encoder writes is what hdrhistogram's decoders and tools read:
// every histogram decodes to one equal to what was encoded, through the
// dense and the packed decoder, as the library's own encoding does.
func TestHistogramEncoderRoundTrips(t *testing.T) {
	t.Parallel()
	cases := map[string]func(h *hdr.Histogram){
		"one sample":        func(h *hdr.Histogram) { _ = h.RecordValue(1500) },
		"lowest and top":    func(h *hdr.Histogram) { _ = h.RecordValue(LowestMicros); _ = h.RecordValue(HighestMicros) },
		"a spread":          func(h *hdr.Histogram) { spread(h, 5000) },
		"a count past 2^56": func(h *hdr.Histogram) { _ = h.RecordValues(42, 1<<60); _ = h.RecordValue(7_000_000) },
		"long zero runs": func(h *hdr.Histogram) {
			_ = h.RecordValue(3)
			_ = h.RecordValue(90_000_000)
			_ = h.RecordValue(91_000_000)
		},
	}
	var e HistogramEncoder // one encoder for all: its reused state must not leak between histograms
	for name, fill := range cases {
		h := NewHistogram()
		fill(h)
		got, err := e.Encode(h)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dense, err := hdr.Decode(got)
		if err != nil {
			t.Fatalf("%s: hdr.Decode: %v", name, err)
		}
		if !dense.Equals(h) {
			t.Errorf("%s: decoded total %d max %d p99 %d, want %d %d %d", name, dense.TotalCount(), dense.Max(), dense.ValueAtQuantile(99), h.TotalCount(), h.Max(), h.ValueAtQuantile(99))
		}
		packed, err := hdr.DecodePacked(got)
		if err != nil {
			t.Fatalf("%s: hdr.DecodePacked: %v", name, err)
		}
		if packed.TotalCount() != h.TotalCount() || packed.ValueAtPercentile(99.9) != h.ValueAtQuantile(99.9) {
			t.Errorf("%s: packed decode total %d p99.9 %d, want %d %d", name, packed.TotalCount(), packed.ValueAtPercentile(99.9), h.TotalCount(), h.ValueAtQuantile(99.9))
		}
		lib, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
		if err != nil {
			t.Fatal(err)
		}
		if theirs, _ := hdr.Decode(lib); !theirs.Equals(dense) {
			t.Errorf("%s: the library's encoding decodes to another histogram", name)
		}
	}
}

func spread(h *hdr.Histogram, n int) {
	for i := range n {
		_ = h.RecordValue(int64(100 + i*i%3_000_000))
	}
}

// The allocation the encoder exists to avoid: hdrhistogram's Encode builds
// a best-compression zlib writer every time (~0.8 MB).
func BenchmarkHistogramEncode(b *testing.B) {
	h := NewHistogram()
	spread(h, 500)
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.Encode(hdr.V2CompressedEncodingCookieBase); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoder", func(b *testing.B) {
		var e HistogramEncoder
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.Encode(h); err != nil {
				b.Fatal(err)
			}
		}
	})
}
