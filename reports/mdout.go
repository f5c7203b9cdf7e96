package reports

import (
	"fmt"
	"io"
	"strings"
)

// mdCell makes s safe for one Markdown table cell: one line, pipes escaped.
func mdCell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}

// mdOut writes formatted text and keeps the first write error.
type mdOut struct {
	w   io.Writer
	err error
}

// printf writes unless an earlier write failed.
func (o *mdOut) printf(format string, args ...any) {
	if o.err == nil {
		_, o.err = fmt.Fprintf(o.w, format, args...)
	}
}
