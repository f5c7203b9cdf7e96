// Package coordinator owns the run as a whole: the plan (which worker owns
// which agents), the barriers (ramp, run, drain, stop, abort), and the
// aggregation of worker snapshots into per-second and cumulative totals,
// handed to sinks (progress line, dashboard, run directory).
//
// It must not import worker (they share internal/wire and internal/measure),
// reports or cmd.
package coordinator
