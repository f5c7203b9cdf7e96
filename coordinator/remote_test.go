package coordinator

import "testing"

// The set of snapshot sequence numbers taken answers as a set would, out of
// order and with repeats, while holding only what is above its watermark.
func TestSeqSetIsBoundedAndExact(t *testing.T) {
	t.Parallel()
	var s seqSet
	order := []uint64{2, 1, 1, 5, 3, 4, 4, 7}
	want := []bool{true, true, false, true, true, true, false, true}
	for i, seq := range order {
		if got := s.add(seq); got != want[i] {
			t.Errorf("add(%d) = %v, want %v", seq, got, want[i])
		}
	}
	for seq := uint64(1); seq <= 8; seq++ {
		if got := s.has(seq); got != (seq != 6 && seq != 8) {
			t.Errorf("has(%d) = %v", seq, got)
		}
	}
	for seq := uint64(8); seq <= 100_000; seq++ {
		s.add(seq)
	}
	s.add(6)
	if len(s.above) != 0 || s.below != 100_001 {
		t.Errorf("after 100,000 in order: %d held above watermark %d, want 0 above 100001", len(s.above), s.below)
	}
}
