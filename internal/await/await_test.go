package await

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// fakeTB records what Until reports instead of failing the test.
type fakeTB struct {
	testing.TB // nil: calling any other method panics
	helper     bool
	fatal      []string
}

func (f *fakeTB) Helper()                   { f.helper = true }
func (f *fakeTB) Fatal(args ...any)         { f.fatal = append(f.fatal, fmt.Sprint(args...)) }
func (f *fakeTB) Fatalf(s string, a ...any) { f.fatal = append(f.fatal, fmt.Sprintf(s, a...)) }

// A condition that never holds fails the test once, naming what was awaited
// and how long, after the whole timeout and not before.
func TestUntilFailsWhenTheConditionNeverHolds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		tb := &fakeTB{}
		start := time.Now()
		Until(tb, 3*time.Second, "worker-1 sees worker-2", func() bool { return false })
		if waited := time.Since(start); waited != 3*time.Second {
			t.Errorf("gave up after %v, want exactly the 3s timeout", waited)
		}
		if len(tb.fatal) != 1 {
			t.Fatalf("want one failure, got %q", tb.fatal)
		}
		if want := "gave up waiting for worker-1 sees worker-2 after 3s"; tb.fatal[0] != want {
			t.Errorf("failure %q, want %q", tb.fatal[0], want)
		}
		if !tb.helper {
			t.Error("Until does not mark itself a helper: failures would point into await")
		}
	})
}

// A condition that already holds returns at once, looked at once, and does
// not fail the test.
func TestUntilReturnsAtOnceWhenTheConditionHolds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		tb := &fakeTB{}
		calls := 0
		start := time.Now()
		Until(tb, time.Second, "nothing", func() bool { calls++; return true })
		if len(tb.fatal) != 0 || calls != 1 || time.Since(start) != 0 {
			t.Errorf("failures %q, %d calls, %v waited; want none, 1, 0", tb.fatal, calls, time.Since(start))
		}
	})
}

// A condition that starts to hold is seen soon after: within the first
// interval early on, within the longest interval later, and never later than
// the timeout.
func TestWithinSeesTheConditionSoonAfterItHolds(t *testing.T) {
	t.Parallel()
	for _, after := range []time.Duration{0, 500 * time.Microsecond, 3 * time.Millisecond,
		7200 * time.Microsecond, 40 * time.Millisecond, 2 * time.Second, 4999 * time.Millisecond} {
		t.Run(after.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				holds := func() bool { return time.Since(start) >= after }
				if err := Within(5*time.Second, "the flag", holds); err != nil {
					t.Fatal(err)
				}
				late := time.Since(start) - after
				// each wait is at most what was waited so far plus firstInterval, and at most maxInterval
				slack := min(after+firstInterval, maxInterval)
				if late > slack {
					t.Errorf("holds after %v, seen %v later; want at most %v", after, late, slack)
				}
			})
		})
	}
}

// Within returns the error instead of failing a test, so a fake server's
// goroutine can use it; the error says what and how long.
func TestWithinReturnsAnErrorNamingWhatAndHowLong(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		err := Within(250*time.Millisecond, "both workers in Connect", func() bool { return false })
		if err == nil || !strings.Contains(err.Error(), "both workers in Connect") || !strings.Contains(err.Error(), "250ms") {
			t.Errorf("error %v; want it to name what was awaited and 250ms", err)
		}
	})
}

// Polling backs off: a 10 s wait looks at the condition a few hundred times
// (every 50 ms once backed off), not once per millisecond.
func TestWithinBacksOff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		_ = Within(10*time.Second, "never", func() bool { calls++; return false })
		if most := 250; calls > most {
			t.Errorf("looked %d times in 10s; want at most %d", calls, most)
		}
	})
}
