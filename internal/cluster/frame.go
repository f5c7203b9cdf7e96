package cluster

import "errors"

// A message on the wire (inside memberlist's encrypted user message) is
//
//	[frameVersion][len(from)][from][data]
//
// memberlist does not tell the receiver who sent a user message, so the
// sender names itself. Only holders of the cluster key can send at all.
const frameVersion byte = 1

// MaxMessage is the largest Data a Send accepts (memberlist refuses streams
// above 20 MiB; the frame and encryption add a few hundred bytes).
const MaxMessage = 16 << 20

var errBadFrame = errors.New("cluster: malformed message frame")

// encodeFrame prefixes data with the sender's name.
func encodeFrame(from string, data []byte) []byte {
	buf := make([]byte, 0, 2+len(from)+len(data))
	buf = append(buf, frameVersion, byte(len(from)))
	buf = append(buf, from...)
	return append(buf, data...)
}

// decodeFrame splits a frame; data aliases buf.
func decodeFrame(buf []byte) (from string, data []byte, err error) {
	if len(buf) < 2 || buf[0] != frameVersion {
		return "", nil, errBadFrame
	}
	n := int(buf[1])
	if n == 0 || len(buf) < 2+n {
		return "", nil, errBadFrame
	}
	return string(buf[2 : 2+n]), buf[2+n:], nil
}
