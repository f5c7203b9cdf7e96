package wire

// Range is a contiguous block of agent numbers [First, First+Count).
type Range struct {
	First int `json:"first"`
	Count int `json:"count"`
}

// End returns one past the last agent of the range.
func (r Range) End() int { return r.First + r.Count }

// Assignment is one worker's share of the run.
type Assignment struct {
	Worker string `json:"worker"`
	Agents Range  `json:"agents"`
}
