package awsiot

import "sort"

// ranges is a set of non-negative integers kept as sorted, disjoint,
// non-adjacent half-open intervals [lo, hi): the agents a checkpoint
// records as done take a few pairs, not 500,000 names. It encodes to JSON
// as [[lo,hi],...].
type ranges [][2]int

// Contains reports whether n is in the set.
func (r ranges) Contains(n int) bool {
	i := sort.Search(len(r), func(i int) bool { return r[i][1] > n })
	return i < len(r) && r[i][0] <= n
}

// Add puts n in the set, merging neighbouring intervals.
func (r *ranges) Add(n int) {
	s := *r
	i := sort.Search(len(s), func(i int) bool { return s[i][1] >= n }) // first interval ending at or after n
	switch {
	case i < len(s) && s[i][0] <= n && n < s[i][1]:
		return // already in
	case i < len(s) && s[i][1] == n:
		s[i][1] = n + 1 // extends interval i upwards
		if i+1 < len(s) && s[i+1][0] == n+1 {
			s[i][1] = s[i+1][1]
			s = append(s[:i+1], s[i+2:]...)
		}
	case i < len(s) && s[i][0] == n+1:
		s[i][0] = n // extends interval i downwards
	default:
		s = append(s, [2]int{})
		copy(s[i+1:], s[i:])
		s[i] = [2]int{n, n + 1}
	}
	*r = s
}

// Len returns how many integers the set holds.
func (r ranges) Len() int {
	n := 0
	for _, iv := range r {
		n += iv[1] - iv[0]
	}
	return n
}
