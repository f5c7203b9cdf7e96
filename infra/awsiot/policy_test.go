package awsiot

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got+"\n" != string(want) {
		t.Errorf("%s differs (go test -update rewrites it after review)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestPolicyDocumentsAreExactlyTheReviewedOnes(t *testing.T) {
	golden(t, "agent-policy.json", AgentPolicy())
	golden(t, "service-policy.json", ServicePolicy())
	golden(t, "jitp-template.json", JITPTemplate(DefaultFleet))
}

func TestWritePoliciesNamesBothPolicies(t *testing.T) {
	var b bytes.Buffer
	if err := WritePolicies(&b, "lab"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# policy lab-agent", AgentPolicy(), "# policy lab-service", ServicePolicy()} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
