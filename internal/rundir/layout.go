package rundir

// Version is the version of the run-directory format. Version 2 dropped
// the outstanding-job ledger from the snapshots and records, in
// snapshots.jsonl, when the coordinator closed each second ({"close":N}
// lines), so a report rolls the run up exactly as the coordinator did.
// Version 1 directories are read, their seconds closed by the lag rule.
const Version = 2

// The files of a run directory.
const (
	ManifestFile   = "manifest.json"   // what the run was: Manifest
	ScenarioFile   = "scenario.yaml"   // the effective scenario, re-runnable
	SummaryFile    = "summary.json"    // the run's figures: Summary, written at the end
	TimeSeriesFile = "timeseries.csv"  // one row per second
	SnapshotsFile  = "snapshots.jsonl" // every snapshot as received, and the closes of seconds
	EventsFile     = "events.jsonl"    // every run event
	// AWSMetricsFile holds AWS IoT's own CloudWatch figures of the run
	// (AWSMetrics), written after a run against AWS IoT Core; other runs
	// have none, and readers of older directories simply find none.
	AWSMetricsFile = "aws-metrics.json"
)

// HlogExt and HgrmExt are the extensions of each latency metric's interval
// histogram log and final percentile distribution: <metric>.hlog, .hgrm.
const (
	HlogExt = ".hlog"
	HgrmExt = ".hgrm"
)
