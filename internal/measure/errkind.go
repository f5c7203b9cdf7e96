package measure

import (
	"fmt"
	"strconv"
	"strings"
)

// ErrorKind is one class of failure caused by the target broker or the
// network. Failures are measurements, never crashes; the set is bounded.
type ErrorKind uint8

// The error kinds. Kinds marked "with code" carry the MQTT reason code.
const (
	// ConnectRefused: CONNACK with a reason code >= 0x80 (with code).
	ConnectRefused ErrorKind = iota
	// TLSHandshake: the TLS handshake failed.
	TLSHandshake
	// DialFailed: TCP connect failed (refused, unreachable, no ports).
	DialFailed
	// ConnectTimeout: no CONNACK within the packet timeout.
	ConnectTimeout
	// SubscribeRefused: SUBACK with a reason code >= 0x80 (with code).
	SubscribeRefused
	// PublishRefused: PUBACK with a reason code >= 0x80 (with code).
	PublishRefused
	// PublishTimeout: no PUBACK in time, or the connection dropped before it.
	PublishTimeout
	// ServerDisconnect: the broker sent DISCONNECT (with code).
	ServerDisconnect
	// ConnectionLost: the connection closed without a DISCONNECT.
	ConnectionLost
	// JobTimeout: a job was not completed within the job timeout (lost).
	JobTimeout
	// LateDispatch: a job was sent later than allowed after its intended time.
	LateDispatch
	// ConnectClosed: the broker closed the connection before CONNACK with
	// neither a TLS alert nor a reason code. Under TLS 1.3 the broker judges
	// the client certificate after the client's handshake is over, and when
	// it closes with the client's CONNECT unread the kernel's reset can
	// overtake its alert: a refused certificate often looks like this.
	ConnectClosed
	// JITPFirstConnect: the broker ended the first connect of an agent that
	// never had a session before CONNACK (closed, TLS alert, connection lost)
	// while the target provisions just in time (AWS IoT JITP drops that
	// connect by design and provisions the certificate meanwhile). Counted
	// apart from ConnectClosed so a run shows the expected drops separately.
	JITPFirstConnect
	// ProtocolError: the broker sent what MQTT forbids or what exceeds the
	// limits the client announced (with code: the MQTT reason code naming
	// it, 0x95 packet too large, 0x81 malformed packet, 0x82 protocol
	// error); the client closed that connection.
	ProtocolError
	// SubscribeTimeout: no SUBACK within the packet timeout.
	SubscribeTimeout
	// NumErrorKinds is the number of kinds.
	NumErrorKinds
)

var kindNames = [NumErrorKinds]string{
	"connect_refused", "tls_handshake", "dial_failed", "connect_timeout",
	"subscribe_refused", "publish_refused", "publish_timeout",
	"server_disconnect", "connection_lost", "job_timeout", "late_dispatch",
	"connect_closed", "jitp_first_connect", "protocol_error", "subscribe_timeout",
}

// String returns the snake_case name.
func (k ErrorKind) String() string {
	if k < NumErrorKinds {
		return kindNames[k]
	}
	return "unknown"
}

// ErrorKey is the label an error is counted under: the kind, plus the
// reason code when the broker gave one ("connect_refused/0x87").
func ErrorKey(k ErrorKind, code byte) string {
	if code == 0 {
		return k.String()
	}
	return fmt.Sprintf("%s/0x%02x", k, code)
}

// ParseErrorKey splits a key made by ErrorKey.
func ParseErrorKey(key string) (ErrorKind, byte, error) {
	name, codeText, hasCode := strings.Cut(key, "/")
	kind := NumErrorKinds
	for i, n := range kindNames {
		if n == name {
			kind = ErrorKind(i)
		}
	}
	if kind == NumErrorKinds {
		return 0, 0, fmt.Errorf("unknown error kind %q", name)
	}
	if !hasCode {
		return kind, 0, nil
	}
	code, err := strconv.ParseUint(strings.TrimPrefix(codeText, "0x"), 16, 8)
	if err != nil {
		return 0, 0, fmt.Errorf("error key %q: bad reason code: %w", key, err)
	}
	return kind, byte(code), nil
}
