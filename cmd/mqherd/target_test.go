package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A named target's connect budget holds the ramp back and is recorded in
// the manifest with the profile: 104 connects (100 agents, 4 print-service
// clients) at 50/s take about 2 s instead of the scenario's 500/s.
func TestRunAgainstANamedTargetEnforcesAndRecordsItsLimits(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "targets.yaml")
	body := "lab:\n  url: embedded://\n  connect_budget: 50\n  publish_rate: 1000\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := mqherd(append(quickRun(dir), "--targets", file, "--target", "lab")...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	s, run := readSummary(t, filepath.Join(dir, "runs"))
	if s["errors"] != 0.0 || s["agents_connected_peak"] != 100.0 {
		t.Errorf("errors %v, connected %v", s["errors_by_kind"], s["agents_connected_peak"])
	}
	var m struct {
		Target map[string]any `json:"target"`
	}
	b, err := os.ReadFile(filepath.Join(run, "manifest.json"))
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("manifest: %v", err)
	}
	for k, want := range map[string]any{"name": "lab", "profile": "embedded", "connect_budget": 50.0,
		"publish_rate_per_connection": 1000.0, "connect_rate": 50.0, "auth": "certificate"} {
		if m.Target[k] != want {
			t.Errorf("manifest target.%s = %v, want %v (%v)", k, m.Target[k], want, m.Target)
		}
	}
	if ramp := rampTime(t, run); ramp < 1800*time.Millisecond {
		t.Errorf("104 connects under a budget of 50/s ramped in %s, want >= 1.8s", ramp)
	}
}

// rampTime is the time from the ramp phase to ramp_complete in events.jsonl.
func rampTime(t *testing.T, run string) time.Duration {
	t.Helper()
	f, err := os.Open(filepath.Join(run, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var start, end time.Time
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var e struct {
			Time   time.Time `json:"time"`
			Kind   string    `json:"kind"`
			Detail string    `json:"detail"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch {
		case e.Kind == "phase" && e.Detail == "ramp":
			start = e.Time
		case e.Kind == "ramp_complete":
			end = e.Time
		}
	}
	if start.IsZero() || end.IsZero() {
		t.Fatal("events.jsonl lacks the ramp phase or ramp_complete")
	}
	return end.Sub(start)
}

// A scenario that asks more than the target allows is refused before
// anything starts, naming the field and the range allowed.
func TestRunRefusesAScenarioAboveTheTargetsLimits(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := mqherd(append(quickRun(dir), "--target", "mosquitto://127.0.0.1:1?qos_max=0&keepalive_max=30s")...)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, errOut)
	}
	for _, want := range []string{"qos: 1", "allows QoS 0..0", "run.keepalive: 1m0s", "1s..30s"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("error lacks %q:\n%s", want, errOut)
		}
	}
	code, _, errOut = mqherd(append(quickRun(dir), "--target", "rabbitmq://h:1")...)
	if code != 2 || !strings.Contains(errOut, "allowed: embedded, mosquitto, ejabberd, aws-iot, generic") {
		t.Errorf("unknown profile: exit %d\n%s", code, errOut)
	}
}

func TestTargetsListsProfilesWithTheirLimits(t *testing.T) {
	code, out, errOut := mqherd("targets")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var aws string
	for line := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(line, "aws-iot ") && strings.Contains(line, "always") {
			aws = line
		}
	}
	for _, want := range []string{"30s..20m0s", " 100 ", " 500 ", " 1 "} {
		if !strings.Contains(aws, want) {
			t.Errorf("aws-iot row lacks %q: %q\n%s", want, aws, out)
		}
	}
}

func TestBrokerConfigWritesAConfiguration(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := mqherd("broker-config", "mosquitto", "--pki", filepath.Join(dir, "pki"), "--out", filepath.Join(dir, "m"),
		"--listen", "127.0.0.1:18883")
	if code != 0 || !strings.Contains(out, "start.sh") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := mqherd("broker-config", "hivemq", "--pki", filepath.Join(dir, "pki"), "--out", dir); code != 2 || !strings.Contains(errOut, "mosquitto, ejabberd") {
		t.Errorf("unknown broker: exit %d\n%s", code, errOut)
	}
}
