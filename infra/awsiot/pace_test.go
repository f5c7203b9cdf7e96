package awsiot

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestPaceStaysInsideAWSLimits: each operation mqherd calls has a
// documented limit, and the default pace stays under it.
func TestPaceStaysInsideAWSLimits(t *testing.T) {
	for op, r := range DefaultRates() {
		if tps := documentedTPS[op]; r <= 0 || r >= tps {
			t.Errorf("%s: default %g/s, documented %g/s: want 0 < default < documented", op, r, tps)
		}
	}
	for _, op := range []string{"CreateThing", "RegisterCertificate", "RegisterCertificateWithoutCA", "AttachPolicy",
		"AttachThingPrincipal", "ListThings", "DeleteCertificate", "DeleteThing"} {
		if _, ok := documentedTPS[op]; !ok {
			t.Errorf("%s has no documented limit: it would share the fallback bucket", op)
		}
	}
}

// TestPacerSpreadsCallsPerOperation: 25 CreateThing calls at the default
// 12/s take 2 s; RegisterCertificate has its own bucket meanwhile.
func TestPacerSpreadsCallsPerOperation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(0)
		ctx := context.Background()
		start := time.Now()
		for range 25 {
			if err := p.wait(ctx, "CreateThing"); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d < 1900*time.Millisecond || d > 2100*time.Millisecond {
			t.Errorf("25 CreateThing at 12/s took %v, want 2s", d)
		}
		start = time.Now()
		if err := p.wait(ctx, "RegisterCertificate"); err != nil || time.Since(start) != 0 {
			t.Errorf("RegisterCertificate waited %v for CreateThing's bucket", time.Since(start))
		}
		fast := newPacer(100) // --rate 100: every operation at 100/s
		start = time.Now()
		for range 11 {
			_ = fast.wait(ctx, "AttachPolicy")
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("11 calls at --rate 100 took %v, want 100ms", d)
		}
	})
}
