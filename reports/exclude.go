package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// Exclusion is a window of the run removed from a report's figures, and
// why: the study's "normalization" (a reconnect burst taken out of the
// chart), done in the open. From and To are offsets on the report's clock
// (t=0 is the whole second in which the run started, as on the charts);
// the seconds of the run whose interval lies inside [From, To] are removed.
type Exclusion struct {
	measure.Span
	Why string `json:"why"`
}

// ParseExclusion reads a window written FROM-TO, each side a Go duration
// ("2m30s") or a number of seconds ("150"), measured from the run's start.
func ParseExclusion(text, why string) (Exclusion, error) {
	fromText, toText, ok := strings.Cut(text, "-")
	if !ok {
		return Exclusion{}, fmt.Errorf("--exclude %q: want FROM-TO, offsets from the run's start such as 120-270 or 2m-4m30s", text)
	}
	from, err1 := parseOffset(fromText)
	to, err2 := parseOffset(toText)
	switch {
	case err1 != nil:
		return Exclusion{}, fmt.Errorf("--exclude %q: FROM: %w", text, err1)
	case err2 != nil:
		return Exclusion{}, fmt.Errorf("--exclude %q: TO: %w", text, err2)
	case to <= from:
		return Exclusion{}, fmt.Errorf("--exclude %q: TO must be after FROM", text)
	case strings.TrimSpace(why) == "":
		return Exclusion{}, fmt.Errorf("--exclude %q: say why with --why TEXT (the report prints it)", text)
	}
	return Exclusion{Span: measure.Span{From: from, To: to}, Why: why}, nil
}

func parseOffset(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is neither seconds nor a duration such as 2m30s", s)
	}
	return d, nil
}

// String is the window as written on the command line.
func (e Exclusion) String() string { return fmt.Sprintf("%s-%s", e.From, e.To) }

// spans are the exclusions' windows.
func spans(ex []Exclusion) []measure.Span {
	out := make([]measure.Span, len(ex))
	for i, e := range ex {
		out[i] = e.Span
	}
	return out
}
