package pki

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// progressEvery is the interval between progress lines.
const progressEvery = time.Second

// Progress prints throttled progress lines for a long count-up, such as
// minting certificates or ramping connections:
//
//	minting certificates: 12000/500000 (2.4%) 8,950/s ETA 54s
//
// at most once a second, and a final line from Done. Its methods are safe
// for concurrent use and never block on anything but the writer.
type Progress struct {
	w     io.Writer
	what  string
	total int
	start time.Time

	// mu guards the fields below and serializes writes to w.
	mu       sync.Mutex
	done     int
	last     time.Time
	finished bool
}

// NewProgress returns a reporter that writes to w lines labelled what,
// counting towards total (total <= 0: unknown, no percentage or ETA). The
// rate is measured from this call.
func NewProgress(w io.Writer, what string, total int) *Progress {
	now := time.Now()
	return &Progress{w: w, what: what, total: total, start: now, last: now}
}

// Add records n more completed items and prints a line if a second has
// passed since the previous one.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	now := time.Now()
	if p.finished || now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	fmt.Fprintln(p.w, p.line(now, false))
}

// Done prints the final line with the total elapsed time. Later calls do
// nothing.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	fmt.Fprintln(p.w, p.line(time.Now(), true))
}

// line formats the current state; final lines report elapsed time instead
// of an ETA.
func (p *Progress) line(now time.Time, final bool) string {
	elapsed := now.Sub(p.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done) / elapsed.Seconds()
	}
	s := p.what + ": " + strconv.Itoa(p.done)
	if p.total > 0 {
		s += fmt.Sprintf("/%d (%.1f%%)", p.total, 100*float64(p.done)/float64(p.total))
	}
	s += " " + thousands(int64(rate+0.5)) + "/s"
	switch {
	case final:
		s += " in " + elapsed.Round(time.Second).String()
	case p.total > 0 && rate > 0:
		eta := time.Duration(float64(max(p.total-p.done, 0)) / rate * float64(time.Second))
		s += " ETA " + eta.Round(time.Second).String()
	case p.total > 0:
		s += " ETA ?"
	}
	return s
}

// thousands formats n with comma separators: 8950 -> "8,950".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}
