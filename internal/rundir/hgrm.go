package rundir

import (
	"bufio"
	"errors"
	"os"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// writeHgrm writes h as HdrHistogram's percentile distribution text, values
// in milliseconds (h holds microseconds), readable by HdrHistogram's own
// plotting tools.
func writeHgrm(path string, h *hdr.Histogram) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	_, err = h.PercentilesPrint(w, 5, 1000)
	return errors.Join(err, w.Flush(), f.Close())
}
