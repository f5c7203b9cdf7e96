package reports

import (
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/mqherd/mqherd/internal/wire"
)

// RunDirVersion is the version of the run directory format.
const RunDirVersion = 1

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
}

// Target describes the broker under test.
type Target struct {
	Name    string `json:"name"`    // e.g. embedded
	Address string `json:"address"` // host:port
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
