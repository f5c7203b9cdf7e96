// Package rundir owns the run-directory format: its layout and version,
// the manifest, the writer the coordinator feeds as the run goes (it keeps
// the snapshot bytes the workers sent), the reader every report is rebuilt
// from, AWS IoT's own CloudWatch figures of a run (aws-metrics.json), and
// the partial directory a worker writes when its coordinator is lost.
//
// It imports only internal/measure and internal/wire; the coordinator, the
// workers and the reports import it.
package rundir
