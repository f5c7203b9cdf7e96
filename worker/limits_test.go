package worker

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// A connection limited to 100 publishes per second publishes 201 messages
// in 2 s, never faster: AWS IoT throttles a connection above its limit.
func TestPacerHoldsPublishesToTheLimitPerConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(100)
		start := time.Now()
		for range 201 {
			if err := p.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if got := time.Since(start); got < 2*time.Second || got > 2*time.Second+10*time.Millisecond {
			t.Errorf("201 publishes at 100/s took %s, want 2s", got)
		}
	})
}

func TestNoPublishLimitMeansNoWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(0)
		start := time.Now()
		for range 1000 {
			_ = p.wait(context.Background())
		}
		if p != nil || time.Since(start) != 0 {
			t.Errorf("an unlimited connection waited %s", time.Since(start))
		}
	})
}

// Every worker takes its share of the target's connect budget, which caps
// the scenario's connect rate: the fleet as a whole never exceeds it.
func TestConnectBudgetIsSharedByTheWorkers(t *testing.T) {
	sc := scenarios.Default()
	sc.Agents, sc.Run.ConnectRate, sc.Run.ConnectInFlight = 1000, 1000, 40
	cases := []struct {
		name   string
		owns   int
		budget float64
		want   float64
	}{
		{"no budget: the scenario's rate, by share", 250, 0, 250},
		{"budget below the rate caps it", 250, 500, 125},
		{"budget above the rate changes nothing", 250, 5000, 250},
		{"one worker owns all", 1000, 500, 500},
	}
	for _, c := range cases {
		cfg := Config{Scenario: sc, Agents: wire.Range{Count: c.owns}, Limits: wire.Limits{ConnectBudget: c.budget}}
		if got, _ := connectShare(cfg); got != c.want {
			t.Errorf("%s: rate %g, want %g", c.name, got, c.want)
		}
	}
}

// Four workers with a quarter of the fleet each, under a budget of 500
// connects/s: 2,000 connects take 4 s, not the 2 s the scenario's rate of
// 1,000/s would allow.
func TestConnectBudgetBoundsTheFleetsConnectRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sc := scenarios.Default()
		sc.Agents, sc.Run.ConnectRate, sc.Run.ConnectInFlight = 2000, 1000, 40
		start := time.Now()
		done := make(chan struct{})
		for range 4 {
			rate, inFlight := connectShare(Config{Scenario: sc, Agents: wire.Range{Count: 500}, Limits: wire.Limits{ConnectBudget: 500}})
			g := newGate(rate, inFlight)
			go func() {
				for range 500 {
					_ = g.enter(context.Background())
					g.leave()
				}
				done <- struct{}{}
			}()
		}
		for range 4 {
			<-done
		}
		// Each gate starts with a burst of up to a tenth of its rate.
		if got := time.Since(start); got < 3900*time.Millisecond || got > 4*time.Second {
			t.Errorf("2000 connects under a budget of 500/s took %s, want ~4s", got)
		}
	})
}
