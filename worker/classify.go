package worker

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/mqherd/mqherd/internal/measure"
)

// classifyConnectErr maps a failed connect attempt to an error kind. With
// TLS 1.3 a broker's rejection of the client certificate only surfaces on
// the first read after the handshake, so alerts are recognised anywhere.
func classifyConnectErr(stage string, err error) measure.ErrorKind {
	var alert tls.AlertError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &alert), errors.As(err, &certErr), strings.Contains(err.Error(), "tls: "):
		return measure.TLSHandshake
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		if stage == "dial" {
			return measure.DialFailed
		}
		return measure.ConnectTimeout
	case stage == "dial":
		return measure.DialFailed
	case stage == "tls":
		return measure.TLSHandshake
	case closedByPeer(err):
		return measure.ConnectClosed
	}
	return measure.ConnectionLost
}

// closedByPeer tells a connection the broker closed or reset.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// classifyLost maps the error that ended a live connection to an error
// kind and reason code: the broker broke MQTT or the announced limits
// (protocol_error with its code), or the connection was lost.
func classifyLost(err error) (measure.ErrorKind, byte) {
	if pe, ok := asProtocolError(err); ok {
		return measure.ProtocolError, pe.Reason
	}
	return measure.ConnectionLost, 0
}
