package awsiot

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestRangesMergeOutOfOrderCompletions(t *testing.T) {
	var r ranges
	for _, n := range []int{5, 3, 4, 0, 9, 1, 8, 2, 4} {
		r.Add(n)
	}
	if want := (ranges{{0, 6}, {8, 10}}); !reflect.DeepEqual(r, want) {
		t.Fatalf("ranges %v, want %v", r, want)
	}
	if r.Len() != 8 || !r.Contains(0) || !r.Contains(5) || r.Contains(6) || r.Contains(7) || !r.Contains(9) || r.Contains(10) {
		t.Errorf("Len %d or Contains wrong for %v", r.Len(), r)
	}
}

// TestRangesAgainstASet checks Add and Contains against a plain set over
// random completion orders, as concurrent workers produce them.
func TestRangesAgainstASet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 50; round++ {
		var r ranges
		set := map[int]bool{}
		for _, n := range rng.Perm(200)[:150] {
			r.Add(n)
			set[n] = true
		}
		for n := -1; n <= 200; n++ {
			if r.Contains(n) != set[n] {
				t.Fatalf("round %d: Contains(%d) = %v, want %v (%v)", round, n, r.Contains(n), set[n], r)
			}
		}
		for i := 1; i < len(r); i++ {
			if r[i-1][1] >= r[i][0] {
				t.Fatalf("round %d: intervals overlap or touch: %v", round, r)
			}
		}
		if r.Len() != len(set) {
			t.Fatalf("round %d: Len %d, want %d", round, r.Len(), len(set))
		}
	}
}
