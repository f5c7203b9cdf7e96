package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureRun is a real run directory kept for the reports' golden tests.
var fixtureRun = filepath.Join("..", "..", "reports", "testdata", "run")

func TestReportRebuildsFromTheRunDirectory(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := mqherd("report", fixtureRun, "--out", out, "--format", "md,json",
		"--exclude", "17-21", "--why", "broker restart")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Excluded windows", "broker restart", "## Cost estimate"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err == nil {
		t.Error("report.html written though --format md,json")
	}
	if !strings.Contains(stdout, filepath.Join(out, "report.json")) {
		t.Errorf("output does not name report.json: %s", stdout)
	}
}

func TestReportAndCompareRefuseBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", fixtureRun, "--exclude", "17-21"}, "1 --exclude and 0 --why"},
		{[]string{"report", fixtureRun, "--format", "pdf"}, `format "pdf": allowed: html, md, json`},
		{[]string{"report", fixtureRun, "--exclude", "21-17", "--why", "x"}, "TO must be after FROM"},
		{[]string{"report"}, "want 1 run directory, got 0"},
		{[]string{"compare", fixtureRun}, "want at least 2 run directories, got 1"},
	} {
		code, _, stderr := mqherd(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	code, _, stderr := mqherd("report", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "is not a run directory") {
		t.Errorf("report of an empty directory: exit %d, %q", code, stderr)
	}
}

func TestCompareWritesEveryForm(t *testing.T) {
	out := t.TempDir()
	embedded := filepath.Join("..", "..", "reports", "testdata", "run-embedded")
	code, _, stderr := mqherd("compare", embedded, fixtureRun, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"compare.html", "compare.md", "compare.json"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
}
