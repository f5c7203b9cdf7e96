package scenarios

import (
	"fmt"
	"slices"
	"strconv"
)

const secondsPerDay = 86400

// Calendar says when the busy hours are and which share of the week's jobs
// they carry. The simulated week starts on Monday at 00:00.
type Calendar struct {
	BusyDays  []string `yaml:"busy_days"`  // subset of mon..sun, no repeats; default mon..fri
	BusyHours []string `yaml:"busy_hours"` // "HH:MM-HH:MM" windows within a day, non-overlapping; default 09-10, 14-15
	BusyShare float64  `yaml:"busy_share"` // share of the week's jobs in busy hours, 0..1; default 0.9
}

// DefaultCalendar returns the study's calendar: two busy hours a day, five
// days a week, carrying 90% of the jobs.
func DefaultCalendar() Calendar {
	return Calendar{
		BusyDays:  []string{"mon", "tue", "wed", "thu", "fri"},
		BusyHours: []string{"09:00-10:00", "14:00-15:00"},
		BusyShare: 0.9,
	}
}

// window is a busy window within a day, in seconds since midnight.
type window struct{ start, end int }

// span is a busy window within the week, in seconds since Monday 00:00.
type span struct{ start, end float64 }

// dayIndex returns 0 for mon through 6 for sun, or -1.
func dayIndex(day string) int {
	return slices.Index([]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, day)
}

// parseWindow parses "HH:MM-HH:MM"; the end may be 24:00.
func parseWindow(text string) (window, error) {
	bad := fmt.Errorf("%q is not a window HH:MM-HH:MM within a day (00:00..24:00), start before end", text)
	if len(text) != 11 || text[5] != '-' {
		return window{}, bad
	}
	start, okStart := parseClock(text[:5])
	end, okEnd := parseClock(text[6:])
	if !okStart || !okEnd || start >= end {
		return window{}, bad
	}
	return window{start, end}, nil
}

// parseClock parses "HH:MM" between 00:00 and 24:00 into seconds.
func parseClock(text string) (int, bool) {
	if len(text) != 5 || text[2] != ':' {
		return 0, false
	}
	h, errH := strconv.ParseUint(text[:2], 10, 8)
	m, errM := strconv.ParseUint(text[3:], 10, 8)
	if errH != nil || errM != nil || m > 59 || h*60+m > 24*60 {
		return 0, false
	}
	return int(h*3600 + m*60), true
}

// BusySecondsPerWeek returns the busy time of the simulated week in
// seconds: busy days x the total length of the busy hours. Invalid entries
// are ignored.
func (c Calendar) BusySecondsPerWeek() float64 {
	var total float64
	for _, s := range c.busySpans() {
		total += s.end - s.start
	}
	return total
}

// busySpans returns the busy windows of the week in time order. Invalid
// or repeated days and invalid windows are skipped and overlapping windows
// merged, so the result is usable even for an unvalidated calendar.
func (c Calendar) busySpans() []span {
	wins := mergeWindows(c.windows())
	var spans []span
	for day := range 7 {
		if !slices.ContainsFunc(c.BusyDays, func(d string) bool { return dayIndex(d) == day }) {
			continue
		}
		for _, w := range wins {
			base := float64(day * secondsPerDay)
			spans = append(spans, span{base + float64(w.start), base + float64(w.end)})
		}
	}
	return spans
}

// windows returns the valid busy hours sorted by start.
func (c Calendar) windows() []window {
	var wins []window
	for _, text := range c.BusyHours {
		if w, err := parseWindow(text); err == nil {
			wins = append(wins, w)
		}
	}
	slices.SortFunc(wins, func(a, b window) int { return a.start - b.start })
	return wins
}

// mergeWindows merges overlapping windows of a sorted list.
func mergeWindows(wins []window) []window {
	var out []window
	for _, w := range wins {
		if n := len(out); n > 0 && w.start < out[n-1].end {
			out[n-1].end = max(out[n-1].end, w.end)
			continue
		}
		out = append(out, w)
	}
	return out
}
