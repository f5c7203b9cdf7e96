package wire

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Ledger is a worker's outstanding jobs (dispatched, neither completed nor
// declared lost) at the end of one snapshot interval. The worker takes it
// under the same lock as that snapshot's counters and sends both in one
// KindSnapshot message (see EncodeSnapshot), so they always agree: when the
// worker is lost, survivors inherit these jobs and send the jobs due after
// that snapshot's End, and every job ends up completed or lost exactly once.
// The ledger is not part of the snapshot and is not kept in the run
// directory.
type Ledger struct {
	Worker string
	Seq    uint64 // sequence number of the snapshot it goes with
	Jobs   []Job
}

// Limits on a ledger accepted from the network.
const (
	maxLedgerJobs = 1 << 20
	maxWorkerName = 255 // as cluster node names
	minJobBytes   = 3   // the shortest encoded job: three one-byte varints
)

// The binary form of a ledger travels every second, so it is compact: about
// 6-8 bytes a job where JSON takes ~40.
//
//	ledger = uvarint(len(worker)) worker uvarint(seq) uvarint(count) job*
//	job    = varint(intended - previous job's intended) uvarint(agent) uvarint(seq)
//
// Jobs are written in intended-time order (the first job's delta is from
// 0), so the deltas are the small gaps between jobs due one after another.

// AppendBinary appends the ledger's binary form to b
// (encoding.BinaryAppender). It leaves l.Jobs in their order.
func (l *Ledger) AppendBinary(b []byte) ([]byte, error) {
	if err := l.check(); err != nil {
		return b, err
	}
	b = binary.AppendUvarint(b, uint64(len(l.Worker)))
	b = append(b, l.Worker...)
	b = binary.AppendUvarint(b, l.Seq)
	b = binary.AppendUvarint(b, uint64(len(l.Jobs)))
	var prev int64
	for _, j := range byIntended(l.Jobs) {
		b = binary.AppendVarint(b, j.Intended-prev)
		b = binary.AppendUvarint(b, uint64(j.Agent))
		b = binary.AppendUvarint(b, uint64(j.Seq))
		prev = j.Intended
	}
	return b, nil
}

// MarshalBinary returns the ledger's binary form (encoding.BinaryMarshaler).
func (l *Ledger) MarshalBinary() ([]byte, error) { return l.AppendBinary(nil) }

// byIntended returns a copy of jobs sorted by intended time, then agent
// and sequence (the encoding is deterministic).
func byIntended(jobs []Job) []Job {
	out := slices.Clone(jobs)
	slices.SortFunc(out, func(a, b Job) int {
		return cmp.Or(cmp.Compare(a.Intended, b.Intended), cmp.Compare(a.Agent, b.Agent), cmp.Compare(a.Seq, b.Seq))
	})
	return out
}

// UnmarshalBinary decodes and checks a ledger from untrusted bytes
// (encoding.BinaryUnmarshaler). The job count is checked against the bound
// and the bytes left before anything is allocated for it.
func (l *Ledger) UnmarshalBinary(b []byte) error {
	r := &varintReader{b: b}
	worker := r.bytes(maxWorkerName)
	seq := r.uvarint()
	n := r.uvarint()
	if r.err == nil && (n > maxLedgerJobs || n > uint64(len(r.b)/minJobBytes)) {
		return fmt.Errorf("wire: ledger of %d jobs in %d bytes (at most %d jobs)", n, len(r.b), maxLedgerJobs)
	}
	jobs := make([]Job, 0, n)
	var intended int64
	for range n {
		intended += r.varint()
		agent, jobSeq := r.uvarint(), r.uvarint()
		if agent >= maxAgents || jobSeq > math.MaxUint32 {
			return fmt.Errorf("wire: ledger job of agent %d, seq %d: agents 0..%d, seq 0..%d", agent, jobSeq, maxAgents-1, uint32(math.MaxUint32))
		}
		jobs = append(jobs, Job{Agent: int(agent), Seq: uint32(jobSeq), Intended: intended})
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d bytes after the last job", len(r.b))
	}
	if r.err != nil {
		return fmt.Errorf("wire: ledger: %w", r.err)
	}
	*l = Ledger{Worker: string(worker), Seq: seq, Jobs: jobs}
	return l.check()
}

func (l *Ledger) check() error {
	switch {
	case l.Worker == "" || len(l.Worker) > maxWorkerName:
		return fmt.Errorf("wire: ledger of a worker named with %d bytes, allowed 1..%d", len(l.Worker), maxWorkerName)
	case len(l.Jobs) > maxLedgerJobs:
		return fmt.Errorf("wire: ledger of %d jobs, at most %d", len(l.Jobs), maxLedgerJobs)
	}
	for _, j := range l.Jobs {
		if j.Agent < 0 || j.Agent >= maxAgents {
			return fmt.Errorf("wire: ledger job of agent %d outside 0..%d", j.Agent, maxAgents-1)
		}
	}
	return nil
}

// EncodeSnapshot frames one interval's report as a KindSnapshot message:
// the snapshot's encoded bytes, as they are (the coordinator keeps them
// verbatim), and the ledger taken with them.
//
//	body = uvarint(len(snapshot)) snapshot ledger
func EncodeSnapshot(snapshot []byte, l *Ledger) ([]byte, error) {
	out := make([]byte, 0, 2+binary.MaxVarintLen64+len(snapshot)+len(l.Worker)+32+8*len(l.Jobs))
	out = append(out, Version, byte(KindSnapshot))
	out = binary.AppendUvarint(out, uint64(len(snapshot)))
	out = append(out, snapshot...)
	out, err := l.AppendBinary(out)
	if err != nil {
		return nil, fmt.Errorf("wire: encode snapshot %s/%d: %w", l.Worker, l.Seq, err)
	}
	return out, nil
}

// SplitSnapshot splits the body of a KindSnapshot message (from Decode)
// into the snapshot's bytes, a sub-slice of body for the snapshot's own
// decoder, and the ledger that goes with them, decoded and checked.
func SplitSnapshot(body []byte) ([]byte, *Ledger, error) {
	r := &varintReader{b: body}
	snapshot := r.bytes(MaxMessage)
	if r.err != nil {
		return nil, nil, fmt.Errorf("wire: snapshot frame: %w", r.err)
	}
	var l Ledger
	if err := l.UnmarshalBinary(r.b); err != nil {
		return nil, nil, err
	}
	return snapshot, &l, nil
}

// varintReader reads varints and length-prefixed bytes; the first error
// sticks and later reads return zero.
type varintReader struct {
	b   []byte
	err error
}

var errTruncated = errors.New("truncated")

func (r *varintReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *varintReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes reads a uvarint length, at most limit, and that many bytes.
func (r *varintReader) bytes(limit int) []byte {
	n := r.uvarint()
	if r.err == nil && (n > uint64(limit) || n > uint64(len(r.b))) {
		r.err = fmt.Errorf("a length of %d bytes with %d left (at most %d)", n, len(r.b), limit)
	}
	if r.err != nil {
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}
