// Package reports owns what a run leaves behind and what people read: the
// run directory (written as the run goes, read back by ReadRun), the
// summary and the plain progress line, and the reports rebuilt offline
// from a run directory alone: Report (Markdown, JSON and a self-contained
// HTML page with gonum/plot SVG charts; AWS IoT's own CloudWatch figures
// beside mqherd's when the run has them), exclusion of windows, Comparison
// of runs with the weighted Scoring matrix, and the cost model (Prices,
// CAPEX/OPEX estimates). The live dashboard is the subpackage dashboard.
// It reads the coordinator's aggregate (internal/measure) and scenarios'
// traffic profile; nothing it writes flows back.
//
// It must not import worker, coordinator, infra or cmd.
package reports
