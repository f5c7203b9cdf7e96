// Package wire holds what the coordinator and the workers exchange: the
// plan's agent ranges and assignments. It is a leaf package: it imports no
// other mqherd package.
package wire
