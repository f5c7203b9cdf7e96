package scenarios

// The arrival heap is a binary min-heap of entries ordered by (at, agent),
// written out rather than through container/heap to avoid interface calls
// on the hot path.

// less orders entries by time, then by agent number for determinism.
func (a *Arrivals) less(i, j int) bool {
	x, y := &a.heap[i], &a.heap[j]
	return x.at < y.at || (x.at == y.at && x.agent < y.agent)
}

// heapify establishes the heap order.
func (a *Arrivals) heapify() {
	for i := len(a.heap)/2 - 1; i >= 0; i-- {
		a.down(i)
	}
}

// down moves entry i towards the leaves until the order holds.
func (a *Arrivals) down(i int) {
	n := len(a.heap)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && a.less(c+1, c) {
			c++
		}
		if !a.less(c, i) {
			return
		}
		a.heap[i], a.heap[c] = a.heap[c], a.heap[i]
		i = c
	}
}

// pop removes the root.
func (a *Arrivals) pop() {
	last := len(a.heap) - 1
	a.heap[0] = a.heap[last]
	a.heap = a.heap[:last]
	a.down(0)
}
