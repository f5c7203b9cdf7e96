// Package dashboard is the live terminal dashboard of a run (bubbletea): a
// Sink that copies each second's aggregate into a plain Frame on the
// coordinator's aggregation goroutine and hands it to the UI without ever
// blocking, and the Model that draws phase and progress, agents, message
// rates, latency, errors, workers and recent events in four views.
//
// It reads the aggregate (internal/measure) and nothing flows back. It must
// not import worker, coordinator or cmd.
package dashboard
