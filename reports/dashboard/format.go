package dashboard

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// ms formats a latency in milliseconds, unit included.
func ms(v float64) string {
	switch {
	case v <= 0:
		return "-"
	case v < 10:
		return fmt.Sprintf("%.2fms", v)
	case v < 100:
		return fmt.Sprintf("%.1fms", v)
	}
	return fmt.Sprintf("%.0fms", v)
}

// rate formats a per-second count, unit included.
func rate(v int64) string { return fmt.Sprintf("%d/s", v) }

// dur formats a duration to the second: 42s, 3m05s, 2h01m.
func dur(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// fit cuts s to width cells (ANSI-aware), marking the cut with "…".
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// pad fills s with spaces to width cells (ANSI-aware); longer is cut.
func pad(s string, width int) string {
	s = fit(s, width)
	if n := ansi.StringWidth(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// padLeft right-aligns s in width cells.
func padLeft(s string, width int) string {
	s = fit(s, width)
	if n := ansi.StringWidth(s); n < width {
		return strings.Repeat(" ", width-n) + s
	}
	return s
}

// spread puts left and right on one line of width cells, right-aligned.
func spread(left, right string, width int) string {
	room := width - ansi.StringWidth(right) - 1
	if room < 1 {
		return fit(left, width)
	}
	return pad(left, room) + " " + right
}
