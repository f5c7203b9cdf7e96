//go:build !race

package main

// raceEnabled tells tests that the race detector's shadow memory inflates
// the process's resident set.
const raceEnabled = false
