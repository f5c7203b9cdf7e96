package measure

import "time"

// Span is a window of the run on the rollup's clock: t=0 is the whole
// second in which the run started, second n covers (n-1 s, n s].
type Span struct {
	From time.Duration
	To   time.Duration
}

// Covers reports whether second n lies inside the span.
func (s Span) Covers(n int) bool {
	start, end := time.Duration(n-1)*time.Second, time.Duration(n)*time.Second
	return start >= s.From && end <= s.To
}

// spanAt returns the index of the first span covering second n, or -1.
func spanAt(spans []Span, n int) int {
	for i, s := range spans {
		if s.Covers(n) {
			return i
		}
	}
	return -1
}
