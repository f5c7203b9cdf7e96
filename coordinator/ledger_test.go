package coordinator

import (
	"slices"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// reportFrom is worker's KindSnapshot message for interval seq ending at
// end, with a ledger of ledgerSeq listing jobs.
func reportFrom(t *testing.T, worker string, seq, ledgerSeq uint64, end time.Time, jobs ...wire.Job) cluster.Message {
	t.Helper()
	s := &measure.Snapshot{Version: measure.SnapshotVersion, Worker: worker, Seq: seq, Start: end.Add(-time.Second), End: end,
		Counters: map[string]int64{measure.JobsDispatched.String(): 1}}
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := wire.EncodeSnapshot(b, &wire.Ledger{Worker: worker, Seq: ledgerSeq, Jobs: jobs})
	if err != nil {
		t.Fatal(err)
	}
	return cluster.Message{From: worker, Data: msg}
}

// A lost worker's agents go to the survivors with exactly the jobs its
// newest ledger lists, and the survivors resend from the End of the
// snapshot that ledger came with, whatever order the messages arrived in.
// A message whose ledger is not its snapshot's is refused whole: neither
// counted nor kept.
func TestReassignmentUsesTheNewestLedgerWithItsSnapshot(t *testing.T) {
	plan := []wire.Assignment{{Worker: "w1", Agents: wire.Range{First: 0, Count: 100}}, {Worker: "w2", Agents: wire.Range{First: 100, Count: 100}},
		{Worker: "w3", Agents: wire.Range{First: 200, Count: 100}}}
	caps := []Capacity{{Name: "w1", Agents: 200}, {Name: "w2", Agents: 200}, {Name: "w3", Agents: 200}}
	c := newClusterRun(ClusterConfig{RunID: "r"}, plan, caps, func(string, []byte) error { return nil })
	c.g = newAggregator(time.Now(), nil)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	newest := []wire.Job{{Agent: 101, Seq: 4, Intended: 7}, {Agent: 150, Seq: 2, Intended: 8}, {Agent: 199, Seq: 9, Intended: 9}}
	for _, m := range []cluster.Message{
		reportFrom(t, "w2", 1, 1, t0.Add(time.Second), wire.Job{Agent: 100, Seq: 1, Intended: 1}),
		reportFrom(t, "w2", 3, 3, t0.Add(3*time.Second), newest...),
		reportFrom(t, "w2", 2, 2, t0.Add(2*time.Second), wire.Job{Agent: 120, Seq: 1, Intended: 2}), // overtaken
		reportFrom(t, "w2", 4, 5, t0.Add(4*time.Second), wire.Job{Agent: 130, Seq: 1, Intended: 3}), // not a pair
		reportFrom(t, "w1", 5, 5, t0.Add(5*time.Second)),
	} {
		c.message(m)
	}
	c.message(cluster.Message{From: "w2", Data: reportFrom(t, "w1", 6, 6, t0.Add(6*time.Second)).Data}) // another's
	if got := len(c.remotes["w2"].pending); got != 3 {
		t.Errorf("%d of w2's snapshots taken, want its 3 whole ones", got)
	}
	c.remotes["w2"].markLost()
	re, err := c.planReassignment("w2")
	if err != nil {
		t.Fatal(err)
	}
	var inherited []wire.Job
	for name, tk := range re.takeovers {
		if !tk.Since.Equal(t0.Add(3 * time.Second)) {
			t.Errorf("%s resends from %s, want the End of the newest ledger's snapshot %s", name, tk.Since, t0.Add(3*time.Second))
		}
		for _, j := range tk.Inherited {
			if !slices.ContainsFunc(tk.Agents, func(r wire.Range) bool { return j.Agent >= r.First && j.Agent < r.End() }) {
				t.Errorf("%s inherits job %+v of an agent it does not take (%v)", name, j, tk.Agents)
			}
		}
		inherited = append(inherited, tk.Inherited...)
	}
	byAgent := func(a, b wire.Job) int { return a.Agent - b.Agent }
	slices.SortFunc(inherited, byAgent)
	if !slices.Equal(inherited, newest) || !slices.Equal(slices.SortedFunc(slices.Values(re.handed), byAgent), newest) {
		t.Errorf("survivors inherit %v (handed %v), want the newest ledger's %v", inherited, re.handed, newest)
	}
	if len(re.takeovers) != 2 || re.takeovers["w2"] != nil {
		t.Errorf("takeovers %v, want w1 and w3", re.takeovers)
	}
}
