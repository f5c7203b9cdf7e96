package scenarios

import (
	"math"
	"reflect"
	"testing"
)

func TestSegmentCountsExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		agents int
		want   []int
	}{
		{500000, []int{250000, 150000, 100000}},
		{2000, []int{1000, 600, 400}},
		{7, []int{4, 2, 1}}, // round(3.5)=4, round(5.6)=6, 7
		{1, []int{1, 0, 0}},
	}
	for _, tt := range tests {
		s := Default()
		s.Agents = tt.agents
		if got := s.SegmentCounts(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%d agents: SegmentCounts = %v, want %v", tt.agents, got, tt.want)
		}
		if tt.agents > 100000 {
			continue
		}
		got := make([]int, 3)
		for i := range tt.agents {
			got[s.SegmentOf(i)]++
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%d agents: SegmentOf counts %v, want %v", tt.agents, got, tt.want)
		}
	}
}

func TestSegmentsSpreadOverRanges(t *testing.T) {
	t.Parallel()
	// Any contiguous range of agents, such as a worker's, holds each segment
	// close to its share, so no worker gets all the enterprise agents.
	s := Default()
	s.Agents = 100000
	f := s.newFleet()
	for first := 0; first < s.Agents; first += 5000 {
		counts := make([]int, 3)
		for i := first; i < first+5000; i++ {
			counts[f.segment(i)]++
		}
		for k, seg := range s.Segments {
			if want := seg.Share * 5000; math.Abs(float64(counts[k])-want) > 10 {
				t.Errorf("agents %d..%d: segment %s has %d, want %.0f +- 10", first, first+4999, seg.Name, counts[k], want)
			}
		}
	}
}

func TestSegmentAssignmentDependsOnSeed(t *testing.T) {
	t.Parallel()
	a, b := Default(), Default()
	b.Seed = 99
	same := 0
	for i := range 1000 {
		if a.SegmentOf(i) == b.SegmentOf(i) {
			same++
		}
	}
	if same == 1000 {
		t.Error("seed does not change the assignment")
	}
	if !reflect.DeepEqual(a.SegmentCounts(), b.SegmentCounts()) {
		t.Error("seed changes the counts per segment")
	}
}

func TestJobsPerWeek(t *testing.T) {
	t.Parallel()
	s := Default()
	for i := range s.Agents {
		r := s.Segments[s.SegmentOf(i)].JobsPerWeek
		if j := s.JobsPerWeek(i); j < r.Min || j > r.Max {
			t.Fatalf("agent %d: %v jobs/week outside %+v", i, j, r)
		}
	}
	tests := []struct {
		phase Phase
		want  float64
	}{{PhaseBusyHour, 240}, {PhaseStability, 300}, {PhaseWeek, 300}}
	for _, tt := range tests {
		s.Basis, s.Phase = BasisStudy, tt.phase
		if got := s.JobsPerWeek(5); got != tt.want {
			t.Errorf("study basis, phase %s: %v jobs/week, want %v", tt.phase, got, tt.want)
		}
	}
}
