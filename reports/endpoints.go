package reports

import (
	"fmt"
	"io"

	"github.com/mqherd/mqherd/internal/measure"
)

// endpointTable is each broker endpoint's connects, endpoint changes
// (agents that came from another endpoint), connect errors and losses,
// and connect latency; nil for a run that recorded no endpoint.
func endpointTable(f *measure.Figures) *table {
	if len(f.Endpoints) == 0 {
		return nil
	}
	t := &table{Head: []string{"endpoint", "connects", "endpoint changes", "errors", "errors by kind",
		"connect p50 ms", "connect p99 ms", "connect max ms"}, Num: true}
	for _, e := range f.Endpoints {
		t.add(e.Endpoint, itoa(e.Connects), itoa(e.Changes), itoa(e.Errors), orNone(errorList(e.ErrorsByKind)),
			fmtMs(e.ConnectMs.P50), fmtMs(e.ConnectMs.P99), fmtMs(e.ConnectMs.Max))
	}
	return t
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s[2 : len(s)-1] // errorList's " (...)"
}

// writeEndpoints prints the endpoint rows of the text summary, if any.
func writeEndpoints(w io.Writer, f *measure.Figures) {
	if len(f.Endpoints) == 0 {
		return
	}
	fmt.Fprintf(w, "endpoints\tconnects\tchanges\terrors\tconnect p50/p99/max ms\terrors by kind (%d endpoint changes)\n", f.EndpointChanges)
	for _, e := range f.Endpoints {
		fmt.Fprintf(w, "  %s\t%d\t%d\t%d\t%s/%s/%s\t%s\n", e.Endpoint, e.Connects, e.Changes, e.Errors,
			fmtMs(e.ConnectMs.P50), fmtMs(e.ConnectMs.P99), fmtMs(e.ConnectMs.Max), orNone(errorList(e.ErrorsByKind)))
	}
}

// mdEndpoints is the markdown report's endpoint section, if any.
func (r *Report) mdEndpoints(w io.Writer) {
	t := endpointTable(&r.Figures)
	if t == nil {
		return
	}
	fmt.Fprintf(w, "\n## Endpoints\n\n%d endpoint changes (agents that reconnected to another endpoint than their previous session's).\n\n",
		r.Figures.EndpointChanges)
	t.writeMarkdown(w)
}
