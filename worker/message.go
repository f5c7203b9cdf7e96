package worker

import (
	"encoding/json"
	"fmt"
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

// encode marshals m, padding it to at least size bytes.
func (m *message) encode(size int) []byte {
	m.Pad = ""
	b, _ := json.Marshal(m) // only strings and integers: cannot fail
	if missing := size - len(b) - len(`,"pad":""`); missing > 0 {
		m.Pad = strings.Repeat("x", missing)
		b, _ = json.Marshal(m)
	}
	return b
}

func decodeMessage(b []byte) (message, error) {
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("decode message: %w", err)
	}
	if m.Agent == "" || m.Seq == 0 || m.Intended == 0 {
		return m, fmt.Errorf("decode message: missing agent, seq or intended time")
	}
	return m, nil
}

func unixTime(ns int64) time.Time { return time.Unix(0, ns) }
