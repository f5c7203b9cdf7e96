package worker

import (
	"context"

	"golang.org/x/time/rate"
)

// pacer spaces the publishes of one connection to the target's limit per
// connection (AWS IoT: 100 per second). Its burst is one, so no window of
// any length sees more than the rate allows. A nil pacer does not wait.
type pacer struct {
	limiter *rate.Limiter
}

// newPacer returns a pacer for perSecond publishes, or nil for no limit.
func newPacer(perSecond float64) *pacer {
	if perSecond <= 0 {
		return nil
	}
	return &pacer{limiter: rate.NewLimiter(rate.Limit(perSecond), 1)}
}

// wait blocks until the connection may publish again, or ctx ends. It may
// be called concurrently (the print service publishes many jobs at once);
// callers are served in order.
func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.limiter.Wait(ctx)
}
