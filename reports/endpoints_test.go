package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mqherd/mqherd/internal/measure"
)

// A run over several endpoints shows one row per endpoint, with its
// connects, the agents that came to it from another endpoint, its errors
// and its connect latency, in the text summary; a run without endpoints
// shows no such rows (the fixture tests hold the rest of the output).
func TestSummaryShowsEachEndpoint(t *testing.T) {
	s := testSummary()
	s.EndpointChanges = 41
	s.Endpoints = []measure.EndpointRow{
		{Endpoint: "127.0.0.1:18883", Connects: 700, Changes: 20, Errors: 2, ErrorsByKind: map[string]int64{"connection_lost": 2},
			ConnectMs: measure.Percentiles{Count: 700, P50: 4, P99: 12.5, Max: 30}},
		{Endpoint: "127.0.0.1:18884", Connects: 60, Errors: 120, ErrorsByKind: map[string]int64{"connection_lost": 60, "dial_failed": 60},
			ConnectMs: measure.Percentiles{Count: 60, P50: 5, P99: 9, Max: 9}},
	}
	var b bytes.Buffer
	WriteSummary(&b, s, "")
	out := strings.Join(strings.Fields(b.String()), " ")
	for _, want := range []string{
		"endpoints connects changes errors connect p50/p99/max ms errors by kind (41 endpoint changes)",
		"127.0.0.1:18883 700 20 2 4.00/12.50/30.00 connection_lost 2",
		"127.0.0.1:18884 60 0 120 5.00/9.00/9.00 connection_lost 60, dial_failed 60",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	WriteSummary(&b, testSummary(), "")
	if strings.Contains(b.String(), "endpoint") {
		t.Errorf("a run without endpoints shows endpoint rows:\n%s", b.String())
	}
}
