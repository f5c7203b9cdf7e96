package awsiot

import (
	"context"
	"iter"
	"sync"
)

// forEach calls fn on each item of items from n goroutines, until items
// ends or ctx is done; it returns when every started call has returned.
// The producer (this function) owns and closes the channel.
func forEach[T any](ctx context.Context, n int, items iter.Seq[T], fn func(T)) {
	ch := make(chan T)
	var wg sync.WaitGroup
	for range max(n, 1) {
		wg.Go(func() {
			for it := range ch {
				fn(it)
			}
		})
	}
feed:
	for it := range items {
		select {
		case ch <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
}
