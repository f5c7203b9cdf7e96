package worker

import "testing"

func TestSeqWindowClassifies(t *testing.T) {
	cases := []struct {
		name string
		seqs []uint32
		want []order
	}{
		{"in order", []uint32{1, 2, 3}, []order{inOrder, inOrder, inOrder}},
		{"repeat is duplicate", []uint32{1, 2, 2}, []order{inOrder, inOrder, duplicate}},
		{"gap then fill is out of order", []uint32{1, 3, 2}, []order{inOrder, inOrder, outOfOrder}},
		{"fill twice is duplicate", []uint32{1, 3, 2, 2}, []order{inOrder, inOrder, outOfOrder, duplicate}},
		{"first message may start late", []uint32{5, 4}, []order{inOrder, outOfOrder}},
		{"older than window", []uint32{1, 100, 2}, []order{inOrder, inOrder, duplicate}},
		{"big jump keeps window sane", []uint32{1, 70, 69, 5}, []order{inOrder, inOrder, outOfOrder, duplicate}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var w seqWindow
			for i, s := range c.seqs {
				if got := w.observe(s); got != c.want[i] {
					t.Fatalf("seq %d (#%d): got %d want %d", s, i, got, c.want[i])
				}
			}
		})
	}
}
