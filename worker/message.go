package worker

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// message is the payload of every job and status. JSON so a person can read
// it with mosquitto_sub; padded to the scenario's payload size.
type message struct {
	Run   string `json:"run"`
	Agent string `json:"agent"`
	Seq   uint32 `json:"seq"`
	// Intended is when this message was due to be sent (unix ns). Latency is
	// measured from it, so a late send is not hidden (no coordinated omission).
	Intended int64 `json:"intended"`
	// Sent is when it actually went out (unix ns).
	Sent int64 `json:"sent"`
	// JobIntended is, on a status, the intended time of the job it completes.
	JobIntended int64  `json:"job_intended,omitempty"`
	Pad         string `json:"pad,omitempty"`
}

// padField is what a non-empty pad adds besides its x's.
const padField = `,"pad":""`

// encode marshals m, padding it to at least size bytes: the bytes
// encoding/json gives, written directly (measured: json.Marshal, twice with
// the padding, was a large share of a message's CPU). Strings that JSON
// would escape go through encoding/json.
func (m *message) encode(size int) []byte {
	if !plainJSON(m.Run) || !plainJSON(m.Agent) {
		return m.encodeJSON(size)
	}
	b := make([]byte, 0, max(size, 160))
	b = append(b, `{"run":"`...)
	b = append(b, m.Run...)
	b = append(b, `","agent":"`...)
	b = append(b, m.Agent...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, uint64(m.Seq), 10)
	b = append(b, `,"intended":`...)
	b = strconv.AppendInt(b, m.Intended, 10)
	b = append(b, `,"sent":`...)
	b = strconv.AppendInt(b, m.Sent, 10)
	if m.JobIntended != 0 {
		b = append(b, `,"job_intended":`...)
		b = strconv.AppendInt(b, m.JobIntended, 10)
	}
	if missing := size - len(b) - 1 - len(padField); missing > 0 {
		b = append(b, `,"pad":"`...)
		for range missing {
			b = append(b, 'x')
		}
		b = append(b, '"')
	}
	return append(b, '}')
}

// encodeJSON is encode through encoding/json.
func (m *message) encodeJSON(size int) []byte {
	m.Pad = ""
	b, _ := json.Marshal(m) // only strings and integers: cannot fail
	if missing := size - len(b) - len(padField); missing > 0 {
		m.Pad = strings.Repeat("x", missing)
		b, _ = json.Marshal(m)
	}
	return b
}

// plainJSON tells whether encoding/json writes s as it is: printable
// ASCII without quote, backslash or what it escapes for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

func decodeMessage(b []byte) (message, error) {
	m, ok := decodePlain(b)
	if !ok {
		m = message{}
		if err := json.Unmarshal(b, &m); err != nil {
			return m, fmt.Errorf("decode message: %w", err)
		}
	}
	if m.Agent == "" || m.Seq == 0 || m.Intended == 0 {
		return m, fmt.Errorf("decode message: missing agent, seq or intended time")
	}
	return m, nil
}

func unixTime(ns int64) time.Time { return time.Unix(0, ns) }
