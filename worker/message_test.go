package worker

import (
	"encoding/json"
	"testing"
)

// The hand-written encoding gives exactly encoding/json's bytes, padded
// to the same size, so a person or another tool reads the same messages.
func TestMessageEncodeIsEncodingJSON(t *testing.T) {
	t.Parallel()
	msgs := []message{
		{Run: "run-20261130-1", Agent: "agent-000123", Seq: 7, Intended: 1764500000123456789, Sent: 1764500000123999999},
		{Run: "r", Agent: "agent-000001", Seq: 1 << 31, Intended: -5, Sent: 0, JobIntended: 1764500000000000001},
		{Run: "a<b>&\"c\\", Agent: "agent-é", Seq: 1, Intended: 1}, // escaped: through encoding/json
	}
	for _, m := range msgs {
		for _, size := range []int{0, 50, 120, 256, 4096} {
			want := m
			wantBytes := want.encodeJSON(size)
			got := m.encode(size)
			if string(got) != string(wantBytes) {
				t.Fatalf("size %d:\n got %s\nwant %s", size, got, wantBytes)
			}
			back, err := decodeMessage(got)
			if err != nil || back.Run != m.Run || back.Agent != m.Agent || back.Seq != m.Seq || back.Intended != m.Intended || back.Sent != m.Sent || back.JobIntended != m.JobIntended {
				t.Fatalf("size %d: decoded %+v, %v; want %+v", size, back, err, m)
			}
		}
	}
}

// FuzzDecodeMessage: the fast decoder agrees with encoding/json on every
// input: same message (the pad aside), or both refuse.
func FuzzDecodeMessage(f *testing.F) {
	m := message{Run: "run-1", Agent: "agent-000001", Seq: 3, Intended: 1764500000123456789, Sent: 1764500000123456999}
	f.Add(m.encode(256))
	f.Add([]byte(`{"run":"x","agent":"a","seq":-0,"intended":01,"sent":1}`))
	f.Add([]byte(`{"RUN":"x","agent":"a","seq":4294967296,"intended":1,"sent":1,}`))
	f.Add([]byte(`{"run":"x","agent":"a","seq":1,"intended":1e3,"sent":null,"pad":"\u0078"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, gotErr := decodeMessage(b)
		var want message
		wantErr := json.Unmarshal(b, &want)
		if wantErr == nil && (want.Agent == "" || want.Seq == 0 || want.Intended == 0) {
			wantErr = json.Unmarshal([]byte("x"), &want)
		}
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%q: fast decoder error %v, encoding/json %v", b, gotErr, wantErr)
		}
		got.Pad, want.Pad = "", ""
		if gotErr == nil && got != want {
			t.Fatalf("%q: fast decoder %+v, encoding/json %+v", b, got, want)
		}
	})
}

// BenchmarkMessageRoundTrip is one job's payload written and read, as the
// print service and an agent do for each message: the hand-written codec
// against encoding/json.
func BenchmarkMessageRoundTrip(b *testing.B) {
	m := message{Run: "20261130T134512Z-print-fleet-study-afa169", Agent: "agent-000123", Seq: 7,
		Intended: 1764500000123456789, Sent: 1764500000123999999}
	b.Run("codec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeMessage(m.encode(256)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var back message
			if err := json.Unmarshal(m.encodeJSON(256), &back); err != nil {
				b.Fatal(err)
			}
		}
	})
}
