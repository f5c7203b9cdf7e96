package scenarios

import (
	"strings"
	"testing"
	"time"
)

func TestValidateInCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Scenario)
		want   string // "" for valid
	}{
		{"default with a name", func(s *Scenario) {}, ""},
		{"no name", func(s *Scenario) { s.Name = "" }, "name: missing"},
		{"name with space", func(s *Scenario) { s.Name = "a b" }, `name: "a b" is not a name`},
		{"too many agents", func(s *Scenario) { s.Agents = MaxAgents + 1 }, "agents: 10000001 out of range, must be 1..10000000"},
		{"basis", func(s *Scenario) { s.Basis = "both" }, `basis: "both" is not one of mix, study`},
		{"study figure", func(s *Scenario) { s.StudyJobsPerWeek.BusyHour = 0 }, "study_jobs_per_week.busy_hour: 0 out of range, must be > 0"},
		{"no segments", func(s *Scenario) { s.Segments = nil }, "segments: missing"},
		{"shares", func(s *Scenario) { s.Segments[0].Share = 0.6 }, "segments: shares sum to 1.1, must sum to 1"},
		{"shares within 1e-9", func(s *Scenario) { s.Segments[0].Share += 5e-10 }, ""},
		{"idle segment", func(s *Scenario) { s.Segments[0].JobsPerWeek = JobsRange{} }, ""},
		{"negative jobs", func(s *Scenario) { s.Segments[0].JobsPerWeek.Min = -1 }, "segments[0].jobs_per_week.min: -1 out of range, must be >= 0"},
		{"messages", func(s *Scenario) { s.MessagesPerJob = 0 }, "messages_per_job: 0 out of range, must be >= 1"},
		{"no busy days", func(s *Scenario) { s.Calendar.BusyDays = nil }, "calendar.busy_days: missing"},
		{"no busy hours", func(s *Scenario) { s.Calendar.BusyHours = nil }, "calendar.busy_hours: missing"},
		{"busy share", func(s *Scenario) { s.Calendar.BusyShare = 1.5 }, "calendar.busy_share: 1.5 out of range, must be 0..1"},
		{"phase", func(s *Scenario) { s.Phase = "peak" }, `phase: "peak" is not one of busy-hour, stability, week`},
		{"speedup", func(s *Scenario) { s.Speedup = 0.5 }, "speedup: 0.5 out of range, must be >= 1"},
		{"duration", func(s *Scenario) { s.Duration = 0 }, "duration: 0s out of range, must be > 0"},
		{"keepalive", func(s *Scenario) { s.Run.Keepalive = 70000 * time.Second }, "run.keepalive: 19h26m40s out of range, must be 1s..65535s"},
		{"session expiry", func(s *Scenario) { s.Run.SessionExpiry = 0 }, "run.session_expiry: 0s out of range"},
		{"in flight", func(s *Scenario) { s.Run.ConnectInFlight = 0 }, "run.connect_in_flight: 0 out of range, must be >= 1"},
		{"drain may be 0", func(s *Scenario) { s.Run.Drain = 0 }, ""},
		{"late dispatch", func(s *Scenario) { s.Run.LateDispatch = 0 }, "run.late_dispatch: 0s out of range, must be > 0"},
		{"job timeout", func(s *Scenario) { s.Run.JobTimeout = -time.Second }, "run.job_timeout: -1s out of range, must be > 0"},
		{"qos 0", func(s *Scenario) { s.QoS = 0 }, ""},
		{"max packet below the payload", func(s *Scenario) { s.PayloadBytes, s.Run.MaxPacketBytes = 4096, 5000 },
			"run.max_packet_bytes: 5000 out of range, must be 5120..268435455 (payload_bytes 4096 plus 1024 bytes"},
		{"max packet beyond MQTT", func(s *Scenario) { s.Run.MaxPacketBytes = MaxMQTTPacket + 1 }, "run.max_packet_bytes: 268435456 out of range, must be 1280..268435455"},
		{"max packet unset", func(s *Scenario) { s.Run.MaxPacketBytes = 0 }, "run.max_packet_bytes: 0 out of range"},
		{"default max packet fits the largest payload", func(s *Scenario) { s.PayloadBytes = maxPayloadBytes }, ""},
		{"bad payload reported once", func(s *Scenario) { s.PayloadBytes = 1 << 30 }, "payload_bytes: 1073741824 out of range, must be 64..262144"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Default()
			s.Name = "code"
			tt.change(s)
			ps := s.Validate()
			switch {
			case tt.want == "" && len(ps) > 0:
				t.Errorf("Validate = %v, want none", ps)
			case tt.want != "" && (len(ps) != 1 || !strings.HasPrefix(ps[0].String(), tt.want)):
				t.Errorf("Validate = %v, want one problem starting %q", ps, tt.want)
			case len(ps) == 1 && (ps[0].File != "" || ps[0].Line != 0):
				t.Errorf("problem built in code has a position: %+v", ps[0])
			}
		})
	}
}

func TestEnumsUnmarshalText(t *testing.T) {
	t.Parallel()
	var b Basis
	if err := b.UnmarshalText([]byte("study")); err != nil || b != BasisStudy || b.String() != "study" {
		t.Errorf("Basis.UnmarshalText(study) = %v, %v", b, err)
	}
	if err := b.UnmarshalText([]byte("median")); err == nil || err.Error() != `"median" is not one of mix, study` || b != BasisStudy {
		t.Errorf("Basis.UnmarshalText(median) = %v, %v; want error and unchanged", b, err)
	}
	var p Phase
	if err := p.UnmarshalText([]byte("week")); err != nil || p != PhaseWeek {
		t.Errorf("Phase.UnmarshalText(week) = %v, %v", p, err)
	}
	if err := p.UnmarshalText([]byte("peak")); err == nil || !strings.Contains(err.Error(), "busy-hour, stability, week") {
		t.Errorf("Phase.UnmarshalText(peak) error = %v", err)
	}
}

func TestProblemString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.yaml", Line: 3, Column: 7, Field: "qos", Message: "bad"}, "a.yaml:3:7: qos: bad"},
		{Problem{File: "a.yaml", Line: 1, Column: 2, Message: "syntax"}, "a.yaml:1:2: syntax"},
		{Problem{Field: "qos", Message: "bad"}, "qos: bad"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}
