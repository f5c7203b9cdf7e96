package broker

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestBrokerLoggerKeepsOnlyWarnings(t *testing.T) {
	var buf bytes.Buffer
	l := brokerLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	l.Info("client connected")
	l.With("hook", "x").Debug("packet")
	l.With("listener", "tls").Warn("client store quota reached")
	l.Error("boom")
	out := buf.String()
	if strings.Contains(out, "client connected") || strings.Contains(out, "packet") {
		t.Errorf("info/debug lines passed: %q", out)
	}
	if !strings.Contains(out, "quota reached") || !strings.Contains(out, "listener=tls") || !strings.Contains(out, "boom") {
		t.Errorf("warning/error lines missing: %q", out)
	}
	brokerLogger(nil).Error("discarded") // must not panic
}
