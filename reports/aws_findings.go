package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mqherd/mqherd/internal/rundir"
)

// awsThrottles are the throttle metrics, what each throttles, and the
// group of mqherd's errors a client would count for it ("": none).
var awsThrottles = []struct{ metric, what, group string }{
	{"Connect.Throttle", "CONNECTs", "connect"},
	{"Connect.ClientIDThrottle", "CONNECTs of a client ID", "connect"},
	{"PublishIn.Throttle", "publishes", "publish"},
	{"Subscribe.Throttle", "SUBSCRIBEs", "subscribe"},
	{"PublishOut.Throttle", "deliveries to clients", ""},
}

// awsRefusals are the metrics of connects AWS refused for a cause other
// than throttling.
var awsRefusals = []string{"Connect.AuthError", "Connect.ClientError", "Connect.ServerError", "Connection.AuthNError"}

// awsFindings calls out, period by period, where AWS's counts and
// mqherd's differ in ways a reader must know: throttling (mostly silent
// to clients), publishes AWS did not accept, connect errors on one side
// only, and AWS activity outside the run.
func awsFindings(s *AWSSection, m *rundir.AWSMetrics) []string {
	if !hasData(m) {
		return []string{fmt.Sprintf("CloudWatch returned no %s datapoint for this window: check the region (%s), "+
			"that the run's target was AWS IoT Core, and that the data had arrived (fetched %s after the window ended).",
			s.Namespace, s.Region, s.Fetched.Sub(s.To).Round(time.Second))}
	}
	var out []string
	for _, p := range s.Periods {
		if !p.InRun {
			continue
		}
		at := s.periodLabel(p)
		out = append(out, throttleFindings(at, p)...)
		out = append(out, publishFindings(at, p, m)...)
		out = append(out, connectErrorFindings(at, p, m)...)
	}
	out = append(out, outsideFindings(s)...)
	if len(out) == 0 {
		out = append(out, "AWS's counts agree with mqherd's in every period of the run: no throttling, "+
			"no publish AWS did not accept, no connect error on one side only.")
	}
	return out
}

func hasData(m *rundir.AWSMetrics) bool {
	for _, s := range m.Metrics {
		if len(s.Values) > 0 {
			return true
		}
	}
	return false
}

func asked(m *rundir.AWSMetrics, metric string) bool {
	_, ok := m.Metrics[metric]
	return ok
}

// periodLabel names a period by its UTC time and its span of the run:
// "11:54 UTC (4-50 s)".
func (s *AWSSection) periodLabel(p AWSPeriod) string {
	return fmt.Sprintf("%s (%s)", s.periodName(p.Start), s.runSpan(p))
}

// periodName is "11:54 UTC" for a minute, "11:50-11:55 UTC" for longer.
func (s *AWSSection) periodName(t time.Time) string {
	if s.PeriodS == 60 {
		return t.UTC().Format("15:04") + " UTC"
	}
	return t.UTC().Format("15:04") + "-" + t.Add(time.Duration(s.PeriodS)*time.Second).UTC().Format("15:04") + " UTC"
}

// runSpan is the stretch of the run's clock a period covers: "4-50 s",
// or "before the run", "after the run".
func (s *AWSSection) runSpan(p AWSPeriod) string {
	switch {
	case p.ToS <= 0:
		return "before the run"
	case p.FromS >= s.Run.ToS:
		return "after the run"
	}
	return fmtF(max(0, p.FromS), 0) + "-" + fmtF(min(s.Run.ToS, p.ToS), 0) + " s"
}

func throttleFindings(at string, p AWSPeriod) []string {
	var out []string
	for _, th := range awsThrottles {
		v := p.AWS[th.metric]
		if v <= 0 {
			continue
		}
		errs := p.Mqherd.errors(th.group)
		switch {
		case errs == nil:
			out = append(out, fmt.Sprintf("%s: AWS throttled %s %s (%s): no client sees an error for a delivery held back; "+
				"only fewer messages received show it (mqherd received %d, AWS delivered %s).",
				at, awsValue(v), th.what, th.metric, p.Mqherd.MessagesReceived, awsValue(p.AWS["PublishOut.Success"])))
		case sum(*errs) == 0:
			out = append(out, fmt.Sprintf("%s: AWS throttled %s %s (%s) while mqherd counted no %s error: the throttling was silent to the clients.",
				at, awsValue(v), th.what, th.metric, th.group))
		default:
			out = append(out, fmt.Sprintf("%s: AWS throttled %s %s (%s); mqherd counted %d %s errors (%s).",
				at, awsValue(v), th.what, th.metric, sum(*errs), th.group, byKind(*errs)))
		}
	}
	return out
}

// publishFindings: AWS accepted fewer publishes than mqherd sent.
func publishFindings(at string, p AWSPeriod, m *rundir.AWSMetrics) []string {
	if !asked(m, "PublishIn.Success") {
		return nil
	}
	v, ok := p.AWS["PublishIn.Success"]
	sent := p.Mqherd.MessagesSent
	if short := sent - int64(v); short > 0 {
		accepted := "PublishIn.Success " + awsValue(v)
		if !ok {
			accepted = "no PublishIn.Success datapoint"
		}
		return []string{fmt.Sprintf("%s: AWS accepted %d fewer publishes than mqherd sent (%s, mqherd %d).", at, short, accepted, sent)}
	}
	return nil
}

// connectErrorFindings: connects refused on one side only (throttles
// are called out on their own).
func connectErrorFindings(at string, p AWSPeriod, m *rundir.AWSMetrics) []string {
	var refused float64
	var parts, names []string
	for _, name := range awsRefusals {
		if !asked(m, name) {
			continue
		}
		names = append(names, name)
		if v := p.AWS[name]; v > 0 {
			refused += v
			parts = append(parts, name+" "+awsValue(v))
		}
	}
	mq := sum(p.Mqherd.ConnectErrors)
	if len(names) == 0 || int64(refused) == mq {
		return nil
	}
	awsSide := "no refused CONNECT (" + strings.Join(names, ", ") + ")"
	if refused > 0 {
		awsSide = awsValue(refused) + " refused CONNECTs (" + strings.Join(parts, ", ") + ")"
	}
	if mq > int64(refused) {
		return []string{fmt.Sprintf("%s: mqherd counted %s where AWS counted %s: "+
			"failures before AWS's broker (network, TLS) and drops AWS does not classify are not in its counts.", at, connectErrors(p.Mqherd.ConnectErrors), awsSide)}
	}
	return []string{fmt.Sprintf("%s: AWS counted %s where mqherd counted %s.", at, awsSide, connectErrors(p.Mqherd.ConnectErrors))}
}

// connectErrors is "14 connect errors (dial_failed 13, tls_handshake 1)"
// or "no connect error".
func connectErrors(m map[string]int64) string {
	if n := sum(m); n > 0 {
		return fmt.Sprintf("%d connect errors (%s)", n, byKind(m))
	}
	return "no connect error"
}

// outsideFindings: AWS activity in the padding periods.
func outsideFindings(s *AWSSection) []string {
	var out []string
	for _, p := range s.Periods {
		if p.InRun {
			continue
		}
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(p.AWS)) {
			if v := p.AWS[name]; v > 0 {
				parts = append(parts, name+" "+awsValue(v))
			}
		}
		if len(parts) > 0 {
			out = append(out, fmt.Sprintf("%s (%s): AWS counted %s: other clients of the account, or stragglers of this run.",
				s.periodName(p.Start), s.runSpan(p), strings.Join(parts, ", ")))
		}
	}
	return out
}

// awsNotes say how to read AWS's figures: how late they were fetched, the
// periods' granularity, whose traffic they count, and anything CloudWatch
// flagged.
func awsNotes(s *AWSSection, m *rundir.AWSMetrics) []string {
	late := s.Fetched.Sub(s.To).Round(time.Second)
	var notes []string
	if late < 5*time.Minute {
		notes = append(notes, fmt.Sprintf("Fetched only %s after the window ended: CloudWatch publishes AWS/IoT data minutes late, "+
			"so the last periods may be incomplete; mqherd aws metrics RUN_DIR fetches them again.", late))
	} else {
		notes = append(notes, fmt.Sprintf("Fetched %s after the window ended: CloudWatch publishes AWS/IoT data minutes late; "+
			"by then the window's data had had time to arrive.", late))
	}
	notes = append(notes, fmt.Sprintf("AWS counts per %d-s period on UTC boundaries; mqherd's per-second rows are summed into the period "+
		"their second began in, excluded seconds included (AWS knows nothing of exclusions). The first and last periods hold only part of the run, "+
		"and an event near a boundary can fall on different sides (mqherd's worker clocks, AWS's own).", s.PeriodS))
	scope := s.Region
	if len(s.Dimensions) > 0 {
		scope += " (" + dimensionList(s.Dimensions) + ")"
	}
	notes = append(notes, fmt.Sprintf("%s metrics count every client of the account in %s, not only this run's.", s.Namespace, scope))
	for _, name := range slices.Sorted(maps.Keys(m.Metrics)) {
		if st := m.Metrics[name].Status; st != "" && st != "Complete" {
			notes = append(notes, fmt.Sprintf("CloudWatch marked %s %s: its figures may be incomplete.", name, st))
		}
	}
	for _, msg := range m.Messages {
		notes = append(notes, "CloudWatch said: "+msg)
	}
	return notes
}

func dimensionList(d map[string]string) string {
	parts := make([]string, 0, len(d))
	for _, k := range slices.Sorted(maps.Keys(d)) {
		parts = append(parts, k+"="+d[k])
	}
	return strings.Join(parts, ", ")
}
