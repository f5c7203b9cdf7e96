package main

import (
	"runtime"
	"strings"

	"github.com/mqherd/mqherd/reports"
	"github.com/mqherd/mqherd/scenarios"
)

func version() string { return reports.BuildVersion() }

func goVersion() string { return runtime.Version() }

func joinNames() string { return strings.Join(scenarios.BuiltinNames(), ", ") }
