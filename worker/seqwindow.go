package worker

// order is what a sequence window makes of a newly seen sequence number.
type order uint8

const (
	inOrder    order = iota // the next one, or later (a gap may be filled later)
	outOfOrder              // earlier than one already seen, and not seen before
	duplicate               // seen before
)

// seqWindow tracks the sequence numbers seen for one agent: the highest, and
// a bitmap of the 64 below it. Numbers older than the window count as
// duplicates. 16 bytes per agent.
type seqWindow struct {
	last uint32
	seen uint64 // bit i set: last-1-i was seen
}

// observe records seq (>= 1) and classifies it.
func (w *seqWindow) observe(seq uint32) order {
	switch {
	case seq > w.last:
		shift := seq - w.last
		if shift >= 64 {
			w.seen = 0
		} else {
			w.seen = w.seen<<shift | 1<<(shift-1)
		}
		if w.last == 0 {
			w.seen = 0
		}
		w.last = seq
		return inOrder
	case seq == w.last:
		return duplicate
	}
	back := w.last - seq - 1
	if back >= 64 || w.seen&(1<<back) != 0 {
		return duplicate
	}
	w.seen |= 1 << back
	return outOfOrder
}
