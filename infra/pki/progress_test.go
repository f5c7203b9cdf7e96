package pki

import (
	"bytes"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestProgressLines(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		p := NewProgress(&buf, "minting certificates", 500000)
		p.Add(6000) // within the first second: no line
		time.Sleep(time.Second)
		p.Add(6000)
		p.Add(1) // throttled
		time.Sleep(500 * time.Millisecond)
		p.Add(1) // still throttled
		time.Sleep(1500 * time.Millisecond)
		p.Done()
		p.Done() // idempotent
		p.Add(5) // after Done: silent
		want := []string{
			"minting certificates: 12000/500000 (2.4%) 12,000/s ETA 41s",
			"minting certificates: 12002/500000 (2.4%) 4,001/s in 3s",
		}
		if got := strings.Split(strings.TrimSpace(buf.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("got lines\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

func TestProgressUnknownTotal(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		p := NewProgress(&buf, "connecting", 0)
		time.Sleep(2 * time.Second)
		p.Add(100)
		if got, want := strings.TrimSpace(buf.String()), "connecting: 100 50/s"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 8950: "8,950", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
