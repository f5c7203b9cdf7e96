//go:build !race

// The 16 MiB transfer takes ~1 s normally and ~4 s under the race detector,
// so it runs only without it.

package cluster

import "testing"

func TestLargestMessageArrives(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	max := randomBytes(t, MaxMessage) // incompressible, like encoded histograms
	sendOK(t, b, "coord", max)
	wantData(t, recv(t, a), "worker-1", max)
}
