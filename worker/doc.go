// Package worker owns one load-generating node: the agent sessions (one MQTT
// v5 client per simulated print agent), the print service that dispatches
// jobs to those agents at their intended times, the connect gate and the
// reconnect scheduler, the choice of broker endpoint (endpoints.go: spread
// by number, failover, names resolved to each address), and recording into measure.Recorder with a snapshot
// every second.
//
// It must not import the coordinator (they share internal/ leaf packages),
// reports or cmd.
package worker
