package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// several is a scenario with many problems; the comments give line numbers.
const several = `name: bad                                     # 1
agents: 0                                     # 2
phase: peak                                   # 3
segments:                                     # 4
  - {name: consumer, share: 0.5, jobs_per_week: {min: 2, max: 3}}   # 5
  - name: SMB                                 # 6
    share: 0.4                                # 7
calendar:                                     # 8
  busy_days: [mon, mon, funday]               # 9
  busy_hours: ["09:00-10:00", "09:30-11:00"]  # 10
  colour: red                                 # 11
duration: 7d                                  # 12
run:                                          # 13
  connect_rate: 0                             # 14
  keepalive: 1.5s                             # 15
qos: 3                                        # 16
`

func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := Parse("several.yaml", []byte(several))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse error = %v, want *ValidationError", err)
	}
	want := []string{
		`several.yaml:2:9: agents: 0 out of range, must be 1..10000000`,
		`several.yaml:3:8: phase: "peak" is not one of busy-hour, stability, week`,
		`several.yaml:4:1: segments: shares sum to 0.9, must sum to 1`,
		`several.yaml:6:5: segments[1].jobs_per_week: missing, must be {min: N, max: M} jobs per agent per week`,
		`several.yaml:6:11: segments[1].name: "SMB" is not a name of 1..64 characters a-z 0-9 -`,
		`several.yaml:9:20: calendar.busy_days[1]: "mon" repeats an earlier day`,
		`several.yaml:9:25: calendar.busy_days[2]: "funday" is not one of mon, tue, wed, thu, fri, sat, sun`,
		`several.yaml:10:31: calendar.busy_hours[1]: "09:30-11:00" overlaps another busy window, windows must not overlap`,
		`several.yaml:11:3: calendar.colour: unknown field, must be one of busy_days, busy_hours, busy_share`,
		`several.yaml:12:11: duration: "7d" is not a duration, write it in Go syntax such as 500ms, 30s, 1h30m or 168h`,
		`several.yaml:14:17: run.connect_rate: 0 out of range, must be > 0`,
		`several.yaml:15:14: run.keepalive: 1.5s is not whole seconds, MQTT carries it in seconds`,
		`several.yaml:16:6: qos: 3 is not one of 0, 1, 2`,
	}
	got := strings.Split(err.Error(), "\n")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	if p := ve.Problems[0]; p.File != "several.yaml" || p.Line != 2 || p.Column != 9 || p.Field != "agents" {
		t.Errorf("first problem = %+v, want several.yaml 2:9 agents", p)
	}
}

func TestParseProblemsOneEach(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, want string
		problems        int
	}{
		{"unknown top-level field", "name: x\nagentz: 5\n", "t.yaml:2:1: agentz: unknown field, must be one of name, description, seed,", 1},
		{"unknown nested field", "name: x\nrun:\n  connect_rat: 5\n", "t.yaml:3:3: run.connect_rat: unknown field, must be one of connect_rate,", 1},
		{"unknown segment field", "name: x\nsegments:\n  - {name: a, share: 1, jobs: 3, jobs_per_week: {min: 1, max: 1}}\n", "t.yaml:3:25: segments[0].jobs: unknown field", 1},
		{"bad YAML", "name: x\n  bad: : indent\n", "t.yaml:2:", 1},
		{"unclosed flow", "name: x\nrun: {drain: 1s\n", "t.yaml:", 1},
		{"duplicate key", "name: a\nname: b\n", `t.yaml:2:1: mapping key "name" already defined`, 1},
		{"missing name points at root", "agents: 10\n", "t.yaml:1:1: name: missing", 1},
		{"empty file", "", "t.yaml:1:1: name: missing", 1},
		{"not a mapping", "- a\n- b\n", "t.yaml:1:1: a sequence is not a mapping", 1},
		{"two documents", "name: a\n---\nname: b\n", "t.yaml:3:1: a scenario file holds one YAML document", 1},
		{"integer type", "name: x\nagents: many\n", `t.yaml:2:9: agents: "many" is not an integer`, 1},
		{"float for integer", "name: x\nagents: 1.5\n", `t.yaml:2:9: agents: "1.5" is not an integer`, 1},
		{"number type", "name: x\nspeedup: fast\n", `t.yaml:2:10: speedup: "fast" is not a number`, 1},
		{"infinite speedup", "name: x\nspeedup: .inf\n", `t.yaml:2:10: speedup: ".inf" is not a finite number`, 1},
		{"sequence expected", "name: x\nsegments: {a: 1}\n", "t.yaml:2:12: segments: a mapping is not a sequence", 1},
		{"unquoted window is a mapping", "name: x\ncalendar: {busy_hours: [09:00-10:00]}\n", "calendar.busy_hours[0]: a mapping is not a string, quote the value", 1},
		{"bare number duration", "name: x\nduration: 3600\n", `t.yaml:2:11: duration: "3600" is not a duration`, 1},
		{"unknown alias", "name: x\nexecution: *e\n", "t.yaml:2:12: execution: alias *e does not name an earlier anchor", 1},
		{"missing segment field", "name: x\nsegments:\n  - {name: a, jobs_per_week: {min: 1, max: 2}}\n", "t.yaml:3:6: segments[0].share: missing, must be a share in (0, 1]", 2},
		{"missing range bound", "name: x\nsegments: [{name: a, share: 1, jobs_per_week: {min: 1}}]\n", "t.yaml:2:48: segments[0].jobs_per_week.max: missing, must be a number >= min", 1},
		{"basis", "name: x\nbasis: median\n", `t.yaml:2:8: basis: "median" is not one of mix, study`, 1},
		{"window", "name: x\ncalendar: {busy_hours: [\"10:00-09:00\"]}\n", `calendar.busy_hours[0]: "10:00-09:00" is not a window HH:MM-HH:MM`, 1},
		{"ramp too short", "name: x\nagents: 100000\n", "t.yaml:1:1: run.ramp_timeout: 2m0s is shorter than the 3m20s that connecting 100000 agents at connect_rate 500/s takes", 1},
		{"speedup too high", "name: x\nspeedup: 1e13\n", "t.yaml:2:10: speedup: 1e+13 turns duration 1h0m0s into 0s of wall-clock time", 1},
		{"payload", "name: x\npayload_bytes: 10\n", "t.yaml:2:16: payload_bytes: 10 out of range, must be 64..262144", 1},
		{"receive maximum", "name: x\nrun: {receive_maximum: 70000}\n", "t.yaml:2:24: run.receive_maximum: 70000 out of range, must be 1..65535", 1},
		{"max packet", "name: x\nrun: {max_packet_bytes: 1000}\n", "t.yaml:2:25: run.max_packet_bytes: 1000 out of range, must be 1280..268435455", 1},
		{"execution order", "name: x\nexecution: {min: 30s, max: 5s}\n", "t.yaml:2:28: execution.max: 5s out of range, must be >= min (30s)", 1},
		{"jobs order", "name: x\nsegments: [{name: a, share: 1, jobs_per_week: {min: 3, max: 2}}]\n", "segments[0].jobs_per_week.max: 2 out of range, must be >= min (3)", 1},
		{"duplicate segment", "name: x\nsegments: [{name: a, share: 0.5, jobs_per_week: {min: 1, max: 2}}, {name: a, share: 0.5, jobs_per_week: {min: 1, max: 2}}]\n", `segments[1].name: "a" repeats an earlier segment`, 1},
		{"whole week busy", "name: x\ncalendar: {busy_days: [mon,tue,wed,thu,fri,sat,sun], busy_hours: [\"00:00-24:00\"]}\n", "calendar.busy_share: 0.9 leaves jobs for off-peak time", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("t.yaml", []byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error containing %q", s, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
			if n, want := strings.Count(err.Error(), "\n")+1, tt.problems; n != want {
				t.Errorf("got %d problems, want %d:\n%v", n, want, err)
			}
		})
	}
}

func TestParseDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	doc := `name: partial
run: {connect_rate: 100}
execution: {max: 60s}
calendar: {busy_share: 0.5}
base: &fast {drain: 5s}
`
	_, err := Parse("t.yaml", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "base: unknown field") {
		t.Fatalf("want unknown field base, got %v", err)
	}
	s, err := Parse("t.yaml", []byte(strings.Replace(doc, "base: &fast {drain: 5s}\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Name = "partial"
	want.Run.ConnectRate = 100
	want.Execution.Max = 60 * time.Second
	want.Calendar.BusyShare = 0.5
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Parse = %+v\nwant %+v", s, want)
	}
}

func TestParseAnchorsAndMerge(t *testing.T) {
	t.Parallel()
	doc := `name: anchors
execution: &exec {min: 1s, max: 2s}
run: {<<: {drain: 5s, job_timeout: 9s}, drain: 6s}
`
	s, err := Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if s.Execution != (ExecutionRange{time.Second, 2 * time.Second}) || s.Run.Drain != 6*time.Second || s.Run.JobTimeout != 9*time.Second {
		t.Errorf("execution %v, drain %v, job_timeout %v; want {1s 2s}, 6s (written beats merged), 9s", s.Execution, s.Run.Drain, s.Run.JobTimeout)
	}
}

func TestBuiltinsParseAndRoundTrip(t *testing.T) {
	t.Parallel()
	if got := BuiltinNames(); !reflect.DeepEqual(got, []string{"print-fleet", "print-fleet-study"}) {
		t.Fatalf("BuiltinNames = %v", got)
	}
	for _, name := range BuiltinNames() {
		s, err := Builtin(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data, err := yaml.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(name, data)
		if err != nil {
			t.Fatalf("%s does not survive yaml.Marshal: %v\n%s", name, err, data)
		}
		if !reflect.DeepEqual(back, s) {
			t.Errorf("%s round trip:\n%+v\nwant\n%+v", name, back, s)
		}
	}
}

func TestPrintFleetIsTheDefault(t *testing.T) {
	t.Parallel()
	s, err := Builtin("print-fleet")
	if err != nil {
		t.Fatal(err)
	}
	s.Name, s.Description = "", ""
	if !reflect.DeepEqual(s, Default()) {
		t.Errorf("print-fleet differs from Default():\n%+v\n%+v", s, Default())
	}
	if got := s.WallDuration(); got != time.Minute {
		t.Errorf("WallDuration = %v, want 1m", got)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(file, []byte("name: mine\nagents: 7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref, wantName, wantErr string
	}{
		{"print-fleet-study", "print-fleet-study", ""},
		{file, "mine", ""},
		{filepath.Join(dir, "missing.yaml"), "", "no such file"},
		{"no-such-builtin", "", "no such file"},
	}
	for _, tt := range tests {
		s, err := Open(tt.ref)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Open(%q) error = %v, want %q", tt.ref, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || s.Name != tt.wantName):
			t.Errorf("Open(%q) = %v, %v; want %s", tt.ref, s, err, tt.wantName)
		}
	}
	if _, err := Builtin("nope"); err == nil || !strings.Contains(err.Error(), "print-fleet, print-fleet-study") {
		t.Errorf("Builtin(nope) error = %v, want the list of built-ins", err)
	}
}

func TestLoadReportsPath(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(file, []byte("name: x\nqos: 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(file)
	if want := file + ":2:6: qos: 5 is not one of 0, 1, 2"; err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %q", err, want)
	}
}

// Hostile scenario files (issue 13) are refused quickly, naming the file
// and the limit, before the YAML parser sees them.
func TestHostileScenarioFilesAreRefused(t *testing.T) {
	t.Parallel()
	merges := "a: &a {x: 1}\n"
	for i := range 12 {
		merges += fmt.Sprintf("l%d: &l%d\n  <<: [*a, *a, *a, *a]\n", i, i)
	}
	dir := t.TempDir()
	for name, c := range map[string]struct{ body, want string }{
		"merges.yaml": {merges, "aliases 17"},
		"nested.yaml": {"agents: " + strings.Repeat("[", 80_000), "flow collections nested"},
		"huge.yaml":   {"description: " + strings.Repeat("x", 2<<20) + "\n", "larger than 1048576 bytes"},
		"laughs.yaml": {"a: &a [1,2,3,4,5,6,7,8,9]\n" + strings.Repeat("b: [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n", 3), "aliases 17"},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(c.body), 0o600); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want the file and %q", name, err, c.want)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: refused after %s", name, took)
		}
	}
}
