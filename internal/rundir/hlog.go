package rundir

import (
	"bufio"
	"errors"
	"fmt"
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
	f   *os.File
	b   *bufio.Writer
	w   *hdr.HistogramLogWriter // the header lines
	enc measure.HistogramEncoder
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
// The line is hdr.HistogramLogWriter's (OutputIntervalHistogram with
// absolute times): start and length in seconds, the maximum scaled by its
// default 1e6, then the encoding, made by a reused measure.HistogramEncoder
// rather than the library's allocating Encode.
func (l *hlogFile) interval(h *hdr.Histogram, start, end time.Time) error {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	text, err := l.enc.Encode(h)
	if err != nil {
		return err
	}
	startSec := float64(start.UnixMilli()) / 1000
	_, err = fmt.Fprintf(l.b, "%f,%f,%f,%s\n", startSec, float64(end.UnixMilli())/1000-startSec, float64(h.Max())/hdr.MsToNsRatio, text)
	return err
}

func (l *hlogFile) flush() error { return l.b.Flush() }

func (l *hlogFile) close() error { return errors.Join(l.b.Flush(), l.f.Close()) }
