// Package reports owns what a run leaves behind and what people read: the
// run directory (manifest, time series, snapshots, events, summary,
// histograms), the summary, and the plain progress line. It reads the
// coordinator's aggregate (internal/measure); nothing it writes flows back.
//
// It must not import worker, coordinator or cmd.
package reports
