// Package wire holds what the coordinator and the workers exchange: the
// plan's agent ranges and assignments, and the versioned messages of a run
// (assignment, phase commands, phase reports, takeovers, snapshots with
// the outstanding-job ledger that goes with each) with their codec. Every decoder takes untrusted bytes and is fuzzed.
//
// It is a leaf package: it imports no other mqherd package.
package wire
