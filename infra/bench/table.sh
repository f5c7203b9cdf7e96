#!/bin/sh
# Prints the figures BENCHMARKS.md tracks from `go test -bench` output ($1).
set -eu
awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	line = ""
	for (i = 3; i < NF; i += 2) line = line sprintf("%s %s  ", $i, $(i+1))
	rows[++n] = sprintf("| %-40s | %s |", name, line)
}
END {
	printf "| %-40s | %s |\n", "benchmark", "figures"
	printf "|%s|%s|\n", "------------------------------------------", "---------"
	for (i = 1; i <= n; i++) print rows[i]
}' "$1"
