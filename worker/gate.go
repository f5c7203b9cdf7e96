package worker

import (
	"context"

	"golang.org/x/time/rate"
)

// gate admits connection attempts: a global token bucket (connects per
// second) AND a cap on handshakes in flight. Measured against mosquitto,
// a rate alone overflows the broker's listen backlog above ~700/s; the
// in-flight cap keeps connect latency honest.
type gate struct {
	limiter  *rate.Limiter
	inFlight chan struct{}
}

func newGate(perSecond float64, inFlight int) *gate {
	burst := max(1, min(int(perSecond/10), inFlight))
	return &gate{
		limiter:  rate.NewLimiter(rate.Limit(perSecond), burst),
		inFlight: make(chan struct{}, inFlight),
	}
}

// enter blocks until a token and an in-flight slot are free (or ctx ends);
// the caller must call leave once the handshake is over.
func (g *gate) enter(ctx context.Context) error {
	if err := g.limiter.Wait(ctx); err != nil {
		return err
	}
	select {
	case g.inFlight <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gate) leave() { <-g.inFlight }

// depth is the number of handshakes in flight now.
func (g *gate) depth() int { return len(g.inFlight) }
