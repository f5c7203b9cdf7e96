package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Limits that validation enforces beyond the obvious ones.
const (
	minPayloadBytes = 64
	maxPayloadBytes = 262144
	minWall         = time.Millisecond // shortest wall-clock phase worth running
)

// checker collects problems without positions.
type checker struct{ problems []Problem }

func (c *checker) add(field, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Validate returns every problem of the scenario, each naming its field and
// the allowed values or range; nil means the scenario is usable. Problems
// carry no file position; Parse adds them.
func (s *Scenario) Validate() []Problem {
	var c checker
	s.validateFleet(&c)
	s.validateSegments(&c)
	s.Calendar.validate(&c)
	s.validateTiming(&c)
	s.validateRun(&c)
	return c.problems
}

// validName reports whether name has 1..64 bytes, each a lower-case
// letter, a digit, '-' or one of extra.
func validName(name, extra string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || strings.ContainsRune(extra, r)
		if !ok {
			return false
		}
	}
	return true
}

const scenarioNameExtra = "ABCDEFGHIJKLMNOPQRSTUVWXYZ._"

func (s *Scenario) validateFleet(c *checker) {
	if s.Name == "" {
		c.add("name", "missing, must be a name of 1..64 characters A-Z a-z 0-9 . _ -")
	} else if !validName(s.Name, scenarioNameExtra) {
		c.add("name", "%q is not a name of 1..64 characters A-Z a-z 0-9 . _ -", s.Name)
	}
	c.intRange("agents", s.Agents, 1, MaxAgents)
	if !s.Basis.valid() {
		c.add("basis", "%q is not one of mix, study", s.Basis)
	}
	c.positive("study_jobs_per_week.average", s.StudyJobsPerWeek.Average)
	c.positive("study_jobs_per_week.busy_hour", s.StudyJobsPerWeek.BusyHour)
	if s.MessagesPerJob < 1 {
		c.add("messages_per_job", "%d out of range, must be >= 1", s.MessagesPerJob)
	}
	if s.QoS < 0 || s.QoS > 2 {
		c.add("qos", "%d is not one of 0, 1, 2", s.QoS)
	}
	c.intRange("payload_bytes", s.PayloadBytes, minPayloadBytes, maxPayloadBytes)
}

func (s *Scenario) validateSegments(c *checker) {
	if len(s.Segments) == 0 {
		c.add("segments", "missing, must list at least one segment")
		return
	}
	sum := 0.0
	for i, seg := range s.Segments {
		field := fmt.Sprintf("segments[%d]", i)
		seg.validate(c, field)
		if slices.ContainsFunc(s.Segments[:i], func(o Segment) bool { return o.Name == seg.Name }) && seg.Name != "" {
			c.add(field+".name", "%q repeats an earlier segment, names must be unique", seg.Name)
		}
		sum += seg.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		c.add("segments", "shares sum to %v, must sum to 1", roundFloat(sum))
	}
}

func (seg Segment) validate(c *checker, field string) {
	switch {
	case seg.Name == "":
		c.add(field+".name", "missing, must be a name of a-z 0-9 -")
	case !validName(seg.Name, ""):
		c.add(field+".name", "%q is not a name of 1..64 characters a-z 0-9 -", seg.Name)
	}
	if !(seg.Share > 0 && seg.Share <= 1) {
		c.add(field+".share", "%v out of range, must be in (0, 1]", seg.Share)
	}
	r := seg.JobsPerWeek
	if !(r.Min >= 0) || math.IsInf(r.Min, 0) {
		c.add(field+".jobs_per_week.min", "%v out of range, must be >= 0", r.Min)
	}
	if !(r.Max >= r.Min) || math.IsInf(r.Max, 0) {
		c.add(field+".jobs_per_week.max", "%v out of range, must be >= min (%v)", r.Max, r.Min)
	}
}

func (cal Calendar) validate(c *checker) {
	if len(cal.BusyDays) == 0 {
		c.add("calendar.busy_days", "missing, must list days of mon, tue, wed, thu, fri, sat, sun")
	}
	for i, day := range cal.BusyDays {
		field := fmt.Sprintf("calendar.busy_days[%d]", i)
		if dayIndex(day) < 0 {
			c.add(field, "%q is not one of mon, tue, wed, thu, fri, sat, sun", day)
		} else if slices.Contains(cal.BusyDays[:i], day) {
			c.add(field, "%q repeats an earlier day", day)
		}
	}
	cal.validateHours(c)
	if !(cal.BusyShare >= 0 && cal.BusyShare <= 1) {
		c.add("calendar.busy_share", "%v out of range, must be 0..1", cal.BusyShare)
	}
	if cal.BusySecondsPerWeek() >= SecondsPerWeek && cal.BusyShare < 1 {
		c.add("calendar.busy_share", "%v leaves jobs for off-peak time but the busy hours cover the whole week, must be 1", cal.BusyShare)
	}
}

func (cal Calendar) validateHours(c *checker) {
	if len(cal.BusyHours) == 0 {
		c.add("calendar.busy_hours", `missing, must list windows such as "09:00-10:00"`)
	}
	var wins []window
	for i, text := range cal.BusyHours {
		field := fmt.Sprintf("calendar.busy_hours[%d]", i)
		w, err := parseWindow(text)
		if err != nil {
			c.add(field, "%v", err)
			continue
		}
		for _, o := range wins {
			if w.start < o.end && o.start < w.end {
				c.add(field, "%q overlaps another busy window, windows must not overlap", text)
				break
			}
		}
		wins = append(wins, w)
	}
}

func (s *Scenario) validateTiming(c *checker) {
	if !s.Phase.valid() {
		c.add("phase", "%q is not one of busy-hour, stability, week", s.Phase)
	}
	if !(s.Speedup >= 1) || math.IsInf(s.Speedup, 0) {
		c.add("speedup", "%v out of range, must be >= 1", s.Speedup)
	}
	if s.Duration <= 0 {
		c.add("duration", "%v out of range, must be > 0", s.Duration)
	} else if s.Speedup >= 1 && s.WallDuration() < minWall {
		c.add("speedup", "%v turns duration %v into %v of wall-clock time, must leave at least %v", s.Speedup, s.Duration, s.WallDuration(), minWall)
	}
	if s.Execution.Min < 0 {
		c.add("execution.min", "%v out of range, must be >= 0", s.Execution.Min)
	}
	if s.Execution.Max < s.Execution.Min {
		c.add("execution.max", "%v out of range, must be >= min (%v)", s.Execution.Max, s.Execution.Min)
	}
}

func (s *Scenario) validateRun(c *checker) {
	r := s.Run
	if !(r.ConnectRate > 0) || math.IsInf(r.ConnectRate, 0) {
		c.add("run.connect_rate", "%v out of range, must be > 0", r.ConnectRate)
	}
	if r.ConnectInFlight < 1 {
		c.add("run.connect_in_flight", "%d out of range, must be >= 1", r.ConnectInFlight)
	}
	c.positiveDuration("run.ramp_timeout", r.RampTimeout)
	if need := r.rampTime(s.Agents); r.RampTimeout > 0 && r.RampTimeout < need && s.Agents <= MaxAgents {
		c.add("run.ramp_timeout", "%v is shorter than the %v that connecting %d agents at connect_rate %v/s takes, must be >= %v",
			r.RampTimeout, need, s.Agents, r.ConnectRate, need)
	}
	c.seconds("run.keepalive", r.Keepalive, 65535)
	c.seconds("run.session_expiry", r.SessionExpiry, math.MaxUint32-1)
	c.intRange("run.receive_maximum", r.ReceiveMaximum, 1, 65535)
	c.positiveDuration("run.job_timeout", r.JobTimeout)
	if r.Drain < 0 {
		c.add("run.drain", "%v out of range, must be >= 0", r.Drain)
	}
	c.positiveDuration("run.late_dispatch", r.LateDispatch)
	s.validatePacketSize(c)
}

// validatePacketSize checks run.max_packet_bytes against the largest
// message the scenario sends (payload_bytes, taken within its own range so
// a bad payload_bytes is reported once, there).
func (s *Scenario) validatePacketSize(c *checker) {
	payload := min(max(s.PayloadBytes, minPayloadBytes), maxPayloadBytes)
	lo := payload + MaxPacketHeadroom
	if v := s.Run.MaxPacketBytes; v < lo || v > MaxMQTTPacket {
		c.add("run.max_packet_bytes", "%d out of range, must be %d..%d (payload_bytes %d plus %d bytes of topic and headers, up to MQTT's largest packet)",
			v, lo, MaxMQTTPacket, payload, MaxPacketHeadroom)
	}
}

func (c *checker) intRange(field string, v, lo, hi int) {
	if v < lo || v > hi {
		c.add(field, "%d out of range, must be %d..%d", v, lo, hi)
	}
}

func (c *checker) positive(field string, v float64) {
	if !(v > 0) || math.IsInf(v, 0) {
		c.add(field, "%v out of range, must be > 0", v)
	}
}

func (c *checker) positiveDuration(field string, v time.Duration) {
	if v <= 0 {
		c.add(field, "%v out of range, must be > 0", v)
	}
}

// seconds checks a duration that MQTT carries in whole seconds, 1s..max s.
func (c *checker) seconds(field string, v time.Duration, max int64) {
	if v < time.Second || v > time.Duration(max)*time.Second {
		c.add(field, "%v out of range, must be 1s..%ds", v, max)
	} else if v%time.Second != 0 {
		c.add(field, "%v is not whole seconds, MQTT carries it in seconds", v)
	}
}

// roundFloat hides float noise such as 0.8999999999999999 in messages.
func roundFloat(v float64) float64 {
	return math.Round(v*1e9) / 1e9
}

// rampTime returns how long the connect-rate token bucket needs to connect
// the fleet, rounded up to the second; 0 if the rate is not positive.
func (r RunSettings) rampTime(agents int) time.Duration {
	if !(r.ConnectRate > 0) || agents <= 0 {
		return 0
	}
	secs := math.Ceil(float64(agents) / r.ConnectRate)
	if secs >= float64(math.MaxInt64/int64(time.Second)) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(secs) * time.Second
}
