package worker

import "strconv"

// decodePlain reads a message written as encode writes it, without
// encoding/json's reflection: one JSON object of the message's keys with
// strings of printable ASCII (no escapes) and integers, no white space. It
// reports false for anything else (other keys, escapes, white space, null,
// numbers that are not plain integers), which decodeMessage then gives to
// encoding/json; it never accepts what encoding/json would refuse.
// The pad's content is skipped.
func decodePlain(b []byte) (message, bool) {
	var m message
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return m, false
	}
	rest := b[1 : len(b)-1]
	for len(rest) > 0 {
		key, value, after, ok := nextField(rest)
		if !ok || !m.set(key, value) {
			return message{}, false
		}
		rest = after
	}
	return m, true
}

// nextField splits `"key":value` (then a comma, or the end) off b. A
// string value is returned with its quotes.
func nextField(b []byte) (key, value, rest []byte, ok bool) {
	key, b, ok = plainString(b)
	if !ok || len(b) == 0 || b[0] != ':' {
		return nil, nil, nil, false
	}
	b = b[1:]
	end := 0
	if len(b) > 0 && b[0] == '"' {
		s, _, ok := plainString(b)
		if !ok {
			return nil, nil, nil, false
		}
		end = len(s) + 2 // with its quotes
	} else {
		for end < len(b) && b[end] != ',' {
			end++
		}
	}
	value, b = b[:end], b[end:]
	if len(b) > 0 {
		if b[0] != ',' || len(b) == 1 {
			return nil, nil, nil, false
		}
		b = b[1:]
	}
	return key, value, b, true
}

// plainString reads a JSON string of printable ASCII without escapes at the
// start of b: its content and what follows its closing quote.
func plainString(b []byte) (s, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return b[1:i], b[i+1:], true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// set stores one field; false for an unknown key or a value of the wrong
// form.
func (m *message) set(key, value []byte) bool {
	var ok bool
	switch string(key) {
	case "run":
		m.Run, ok = stringValue(value)
	case "agent":
		m.Agent, ok = stringValue(value)
	case "pad":
		_, ok = stringValue(value)
	case "seq":
		var v int64
		if v, ok = intValue(value); ok && (v < 0 || v > 1<<32-1) {
			ok = false
		}
		m.Seq = uint32(v) // in range: checked above
	case "intended":
		m.Intended, ok = intValue(value)
	case "sent":
		m.Sent, ok = intValue(value)
	case "job_intended":
		m.JobIntended, ok = intValue(value)
	}
	return ok
}

func stringValue(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	return string(v[1 : len(v)-1]), true
}

// intValue reads a JSON integer as encoding/json accepts it for an int64:
// an optional minus, no leading zero, digits only, in range.
func intValue(v []byte) (int64, bool) {
	digits := v
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil
}
