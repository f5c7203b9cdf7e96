// Package measure owns what workers record and the coordinator merges: the
// latency metrics, the bounded set of error kinds and counters, the
// mutex-guarded histogram shards a worker records into, the per-second
// Snapshot a worker emits, and the Totals the coordinator merges them into.
//
// It is a leaf package: it imports no other mqherd package.
package measure
