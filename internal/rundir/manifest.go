package rundir

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/mqherd/mqherd/internal/wire"
)

// Manifest says what a run was: scenario, target, plan, versions, host.
type Manifest struct {
	Version      int               `json:"version"`
	RunID        string            `json:"run_id"`
	Scenario     string            `json:"scenario"`
	ScenarioFile string            `json:"scenario_file"` // the effective scenario, re-runnable
	Target       Target            `json:"target"`
	Started      time.Time         `json:"started"`
	Plan         []wire.Assignment `json:"plan"`
	Mqherd       string            `json:"mqherd_version"`
	Go           string            `json:"go_version"`
	Host         Host              `json:"host"`
	// Partial, when set, says this is what one worker kept of a run whose
	// coordinator it lost: its own snapshots only.
	Partial *Partial `json:"partial,omitempty"`
}

// Partial describes a worker's partial run directory.
type Partial struct {
	Worker  string    `json:"worker"`
	Reason  string    `json:"reason"`
	Written time.Time `json:"written"`
}

// Target describes the broker under test: its name, address, profile and
// the profile's limits that the workers enforced (zero: none).
type Target struct {
	Name       string   `json:"name"`                  // e.g. embedded, or a name from a targets file
	Address    string   `json:"address"`               // host:port
	Profile    string   `json:"profile,omitempty"`     // embedded, mosquitto, ejabberd, aws-iot, generic
	ServerName string   `json:"server_name,omitempty"` // TLS server name (SNI)
	ALPN       []string `json:"alpn,omitempty"`        // ALPN protocols offered
	CAFile     string   `json:"ca_file,omitempty"`     // CA the broker's certificate was verified with (empty: the PKI's root)
	Auth       string   `json:"auth,omitempty"`        // how the broker identifies clients: certificate
	QoSMax     int      `json:"qos_max,omitempty"`     // highest QoS the profile allows
	// KeepaliveMinS and KeepaliveMaxS bound the keepalive, in seconds.
	KeepaliveMinS int `json:"keepalive_min_s,omitempty"`
	KeepaliveMaxS int `json:"keepalive_max_s,omitempty"`
	// PublishRatePerConnection is the enforced publishes/s per connection.
	PublishRatePerConnection float64 `json:"publish_rate_per_connection,omitempty"`
	// ConnectBudget is the enforced CONNECTs/s for the whole fleet.
	ConnectBudget float64 `json:"connect_budget,omitempty"`
	// ConnectRate is the fleet's connect rate used: the scenario's, capped by the budget.
	ConnectRate float64 `json:"connect_rate,omitempty"`
}

// Host describes the machine the coordinator ran on.
type Host struct {
	Name string `json:"name"`
	OS   string `json:"os"`
	Arch string `json:"arch"`
	CPUs int    `json:"cpus"`
}

// ThisHost describes the current machine.
func ThisHost() Host {
	name, _ := os.Hostname()
	return Host{Name: name, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()}
}

// BuildVersion is the module version of this binary ("devel" from a checkout).
func BuildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// NewManifest describes a run of scenario against target that started at
// started, made by this binary on this host; the plan is added once known.
func NewManifest(runID, scenario string, target Target, started time.Time) Manifest {
	return Manifest{Version: Version, RunID: runID, Scenario: scenario, Target: target, Started: started,
		Mqherd: BuildVersion(), Go: runtime.Version(), Host: ThisHost()}
}

// NewRunID names a run: its start time, its scenario and a random suffix.
func NewRunID(t time.Time, scenario string) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + scenario + "-" + hex.EncodeToString(b[:])
}
