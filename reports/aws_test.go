package reports

import (
	"bytes"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/rundir"
)

// awsSynthetic is a hand-written aws-metrics.json for the fixture run
// (see testdata/run-aws-synthetic/README.md): its own counts per minute,
// with a silent connect throttle, throttled publishes, connect errors AWS
// never saw and connects after the run.
var awsSynthetic = filepath.Join("testdata", "run-aws-synthetic", rundir.AWSMetricsFile)

// awsFixture is a copy of the fixture run with the synthetic AWS metrics.
func awsFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(fixtureRun)
	if err != nil {
		t.Fatal(err)
	}
	copyFile := func(from, to string) {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range entries {
		copyFile(filepath.Join(fixtureRun, e.Name()), filepath.Join(dir, e.Name()))
	}
	copyFile(awsSynthetic, filepath.Join(dir, rundir.AWSMetricsFile))
	return dir
}

func buildAWSFixture(t *testing.T) *Report {
	t.Helper()
	rep, err := BuildFromDir(awsFixture(t), BuildRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.AWS == nil {
		t.Fatal("no AWS section though the run directory has aws-metrics.json")
	}
	return rep
}

// The section sets AWS's figures beside mqherd's for each UTC minute of
// the window: mqherd's counts of the seconds that began in it.
func TestAWSSectionFigures(t *testing.T) {
	s := buildAWSFixture(t).AWS
	if len(s.Periods) != 4 {
		t.Fatalf("%d periods, want 4 (11:52 to 11:55)", len(s.Periods))
	}
	type row struct {
		inRun                              bool
		connects, sent, received           int64
		connectErrors, publishErrors       map[string]int64
		success, throttle, publishIn, pOut float64
	}
	got := func(p AWSPeriod) row {
		return row{p.InRun, p.Mqherd.Connects, p.Mqherd.MessagesSent, p.Mqherd.MessagesReceived,
			p.Mqherd.ConnectErrors, p.Mqherd.PublishErrors,
			p.AWS["Connect.Success"], p.AWS["Connect.Throttle"], p.AWS["PublishIn.Success"], p.AWS["PublishOut.Success"]}
	}
	want := []row{
		{false, 0, 0, 0, nil, nil, 0, 0, 0, 0},
		{true, 306, 131, 131, nil, nil, 306, 12, 131, 131},
		{true, 390, 721, 694, map[string]int64{"dial_failed": 13, "tls_handshake": 1}, map[string]int64{"publish_timeout": 15}, 390, 0, 691, 694},
		{false, 0, 0, 0, nil, nil, 2, 0, 0, 0},
	}
	for i, p := range s.Periods {
		if !reflect.DeepEqual(got(p), want[i]) {
			t.Errorf("period %s: %+v, want %+v", p.Start.Format("15:04"), got(p), want[i])
		}
	}
	// The seconds of the run all land in its two minutes: the sums are the run's figures.
	f := buildFixture(t, Options{}).Figures
	if r := s.Run.Mqherd; r.Connects != f.Connects || r.MessagesSent != f.MessagesSent || r.MessagesReceived != f.MessagesReceived {
		t.Errorf("run total %+v, want the run's figures: connects %d, sent %d, received %d", r, f.Connects, f.MessagesSent, f.MessagesReceived)
	}
	if s.Run.AWS["Connect.Success"] != 696 || s.Run.AWS["PublishIn.Throttle"] != 30 || s.Run.AWS["Subscribe.Success"] != 590 {
		t.Errorf("run total of AWS's figures %v: want the in-run minutes only (Connect.Success 696)", s.Run.AWS)
	}
	if s.Periods[1].FromS != -56 || s.Periods[1].ToS != 4 || s.Run.ToS != 49.695 {
		t.Errorf("11:53 at %v-%v s, run to %v s: want -56-4 and 49.695 on the report's clock", s.Periods[1].FromS, s.Periods[1].ToS, s.Run.ToS)
	}
}

// The differences are called out in words, each minute's in order, then
// what AWS saw outside the run; the notes say how late and how coarse.
func TestAWSSectionCallsOutTheDifferences(t *testing.T) {
	s := buildAWSFixture(t).AWS
	want := []string{
		"11:53 UTC (0-4 s): AWS throttled 12 CONNECTs (Connect.Throttle) while mqherd counted no connect error: the throttling was silent to the clients.",
		"11:54 UTC (4-50 s): AWS throttled 30 publishes (PublishIn.Throttle); mqherd counted 15 publish errors (publish_timeout 15).",
		"11:54 UTC (4-50 s): AWS accepted 30 fewer publishes than mqherd sent (PublishIn.Success 691, mqherd 721).",
		"11:54 UTC (4-50 s): mqherd counted 14 connect errors (dial_failed 13, tls_handshake 1) where AWS counted no refused CONNECT " +
			"(Connect.AuthError, Connect.ClientError, Connect.ServerError, Connection.AuthNError): failures before AWS's broker (network, TLS) " +
			"and drops AWS does not classify are not in its counts.",
		"11:55 UTC (after the run): AWS counted Connect.Success 2: other clients of the account, or stragglers of this run.",
	}
	if !reflect.DeepEqual(s.Findings, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(s.Findings, "\n"), strings.Join(want, "\n"))
	}
	for i, w := range []string{"Fetched 34m0s after the window ended", "per 60-s period on UTC boundaries", "every client of the account in us-east-1 (Protocol=MQTT)"} {
		if len(s.Notes) <= i || !strings.Contains(s.Notes[i], w) {
			t.Errorf("notes %q: want %q", s.Notes, w)
		}
	}
}

func TestAWSSectionMarkdownGolden(t *testing.T) {
	var with, without bytes.Buffer
	if err := buildAWSFixture(t).WriteMarkdown(&with); err != nil {
		t.Fatal(err)
	}
	rep, err := BuildFromDir(fixtureRun, BuildRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteMarkdown(&without); err != nil {
		t.Fatal(err)
	}
	md := with.String()
	start := strings.Index(md, "\n## AWS IoT's own figures\n")
	end := strings.Index(md, "\n## Workers\n")
	if start < 0 || end < start {
		t.Fatalf("no AWS section before the workers:\n%s", md)
	}
	golden(t, "report-aws-section.md", []byte(md[start:end]))
	if md[:start]+md[end:] != without.String() {
		t.Errorf("the report around the AWS section differs from the report without aws-metrics.json")
	}
	sec, err := json.MarshalIndent(buildAWSFixture(t).AWS, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report-aws-section.json", append(sec, '\n'))
}

// The HTML page gains the section, a link to it and its two charts, and
// still loads nothing.
func TestAWSSectionHTML(t *testing.T) {
	rep := buildAWSFixture(t)
	page := renderHTML(t, rep)
	for _, want := range []string{
		`<a href="#aws">AWS IoT</a>`, `<section id="aws">`, ">AWS IoT's own figures</h2>",
		"<li>11:53 UTC (0-4 s): AWS throttled 12 CONNECTs (Connect.Throttle) while mqherd counted no connect error: the throttling was silent to the clients.</li>",
		"<td>11:54</td><td class=\"n\">4-50 s</td><td class=\"n\">721</td><td class=\"n\">691</td><td class=\"n\">30</td>",
		"<td>run total</td><td class=\"n\">0-50 s</td><td class=\"n\">696</td><td class=\"n\">696</td>",
		"Other AWS/IoT metrics over the run&#39;s periods: Ping.Success 300, Subscribe.Success 590.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for id, names := range map[string][]string{
		"fig-aws-connects": {"connects (mqherd)", "Connect.Success", "connect errors (mqherd)", "Connect.Throttle + ClientIDThrottle"},
		"fig-aws-messages": {"sent (mqherd)", "PublishIn.Success", "received (mqherd)", "PublishOut.Success", "PublishIn.Throttle"},
	} {
		fig := figureSVG(t, page, id)
		for _, name := range names {
			if !strings.Contains(fig, ">"+html.EscapeString(name)+"<") {
				t.Errorf("%s: no line %q in its legend", id, name)
			}
		}
	}
	if got, want := strings.Count(page, "<svg"), len(expectedFigures(rep))+2; got != want {
		t.Errorf("%d charts, want %d (the report's and the AWS section's two)", got, want)
	}
	for _, bad := range []string{"http://", "https://", "<script"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

// Without a single datapoint the section says so and what to check; a
// fetch soon after the run warns that the last periods may be missing.
func TestAWSSectionWithoutData(t *testing.T) {
	origin := time.Date(2026, 11, 22, 11, 53, 56, 0, time.UTC)
	m := &rundir.AWSMetrics{Namespace: "AWS/IoT", Region: "eu-west-1", Statistic: "Sum", PeriodS: 60,
		From: origin.Truncate(time.Minute), To: origin.Truncate(time.Minute).Add(2 * time.Minute),
		Fetched: origin.Add(3 * time.Minute), Metrics: map[string]rundir.AWSSeries{"Connect.Success": {Status: "PartialData"}}}
	rows := []measure.Second{{Second: 1, Counters: map[string]int64{"connects": 5}}}
	s := awsSection(m, origin, origin, origin.Add(time.Second), rows)
	if len(s.Findings) != 1 || !strings.Contains(s.Findings[0], "no AWS/IoT datapoint") || !strings.Contains(s.Findings[0], "eu-west-1") {
		t.Errorf("findings %q: want one saying there is no data and naming the region", s.Findings)
	}
	joined := strings.Join(s.Notes, "\n")
	for _, w := range []string{"every client of the account in eu-west-1, not only", "Fetched only 1m56s after the window ended", "CloudWatch marked Connect.Success PartialData"} {
		if !strings.Contains(joined, w) {
			t.Errorf("notes %q: want %q", s.Notes, w)
		}
	}
	if s.Periods[0].Mqherd.Connects != 5 {
		t.Errorf("mqherd's connects in the first minute: %d, want 5", s.Periods[0].Mqherd.Connects)
	}
}
