package rundir

import (
	"bufio"
	"errors"
	"os"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/mqherd/mqherd/internal/measure"
)

// hlogFile is <metric>.hlog: HdrHistogram's interval log, one compressed
// histogram per second with samples, readable by HdrHistogram's own tools
// (HistogramLogProcessor, HistogramLogAnalyzer) and hdr.HistogramLogReader.
// Values are in microseconds, as recorded; timestamps are absolute seconds
// since the epoch. The Interval_Max column is in seconds: the writer scales
// the maximum by 1e6, its nanoseconds-to-milliseconds default.
type hlogFile struct {
	f *os.File
	b *bufio.Writer
	w *hdr.HistogramLogWriter
	// stamped is a reused copy of the interval's histogram carrying its start
	// and end time, so the aggregate's histogram is never written to.
	stamped *hdr.Histogram
}

// createHlog creates path and writes the log header: format version, the
// run's start time and the legend.
func createHlog(path string, started time.Time) (*hlogFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	b := bufio.NewWriter(f)
	l := &hlogFile{f: f, b: b, w: hdr.NewHistogramLogWriter(b)}
	err = errors.Join(l.w.OutputLogFormatVersion(), l.w.OutputStartTime(started.UnixMilli()), l.w.OutputLegend(), l.flush())
	if err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return l, nil
}

// interval appends h as the interval [start, end); an empty h writes nothing.
func (l *hlogFile) interval(h *hdr.Histogram, start, end time.Time) error {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	if l.stamped == nil {
		l.stamped = measure.NewHistogram()
	} else {
		l.stamped.Reset()
	}
	l.stamped.Merge(h)
	l.stamped.SetStartTimeMs(start.UnixMilli())
	l.stamped.SetEndTimeMs(end.UnixMilli())
	return l.w.OutputIntervalHistogram(l.stamped)
}

func (l *hlogFile) flush() error { return l.b.Flush() }

func (l *hlogFile) close() error { return errors.Join(l.b.Flush(), l.f.Close()) }
