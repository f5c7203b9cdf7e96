// Package scenarios owns the mqherd scenario: the YAML file format and its
// defaults, validation that reports every problem with file, line, column and
// field, the print-fleet traffic model (segments, jobs per week, the busy-hour
// calendar, messages per job), the rate math of the reference study, and the
// open-model arrival schedules that workers turn into publishes.
//
// The package is pure and deterministic: every random draw is a counter-based
// hash of the scenario seed, the agent number and a sequence number, so the
// same scenario always yields the same schedule, and an agent's schedule does
// not depend on which other agents are generated with it. It keeps no
// package-level mutable state and has no init functions.
//
// It imports no project package; worker, coordinator and cmd import it.
package scenarios
