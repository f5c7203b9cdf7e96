package measure

import (
	"sync"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// shard is one mutex-guarded histogram. hdrhistogram-go is not thread-safe
// and one histogram is ~139 KB, so a worker keeps a few shards per metric
// instead of one per agent.
type shard struct {
	mu sync.Mutex
	h  *hdr.Histogram
}

// shardSet spreads concurrent recorders of one metric over several shards.
type shardSet struct {
	shards []shard
}

func newShardSet(n int) *shardSet {
	s := &shardSet{shards: make([]shard, n)}
	for i := range s.shards {
		s.shards[i].h = NewHistogram()
	}
	return s
}

// record adds one value; hint (usually the agent number) picks the shard.
func (s *shardSet) record(hint int, micros int64) {
	sh := &s.shards[uint(hint)%uint(len(s.shards))]
	sh.mu.Lock()
	_ = sh.h.RecordValue(micros) // values are clamped to the range by Micros
	sh.mu.Unlock()
}

// drainInto merges every shard into dst and resets the shards.
func (s *shardSet) drainInto(dst *hdr.Histogram) {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		if sh.h.TotalCount() > 0 {
			dst.Merge(sh.h)
			sh.h.Reset()
		}
		sh.mu.Unlock()
	}
}

// NewHistogram returns an empty histogram with mqherd's range and precision.
func NewHistogram() *hdr.Histogram {
	return hdr.New(LowestMicros, HighestMicros, SigFigs)
}
