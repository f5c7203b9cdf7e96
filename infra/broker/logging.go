package broker

import (
	"context"
	"log/slog"
)

// minLevelHandler passes on only records at or above min: mochi logs every
// connect, disconnect and hook at info or debug, which would drown a run's
// output at thousands of connects per second.
type minLevelHandler struct {
	min slog.Level
	h   slog.Handler
}

// brokerLogger returns the logger given to mochi: l filtered to warnings and
// above, or a discarding logger when l is nil.
func brokerLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(minLevelHandler{min: slog.LevelWarn, h: l.Handler()}).With("component", "broker")
}

func (m minLevelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= m.min && m.h.Enabled(ctx, level)
}

func (m minLevelHandler) Handle(ctx context.Context, r slog.Record) error {
	return m.h.Handle(ctx, r)
}

func (m minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{min: m.min, h: m.h.WithAttrs(attrs)}
}

func (m minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{min: m.min, h: m.h.WithGroup(name)}
}
