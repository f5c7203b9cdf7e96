package cluster

import (
	"log"
	"log/slog"
)

// memberlistLogger routes memberlist's *log.Logger output to l at Debug
// level: memberlist logs every stream and probe, too much for Info.
func memberlistLogger(l *slog.Logger) *log.Logger {
	return slog.NewLogLogger(l.With("component", "memberlist").Handler(), slog.LevelDebug)
}

// orDiscard returns l, or a logger that discards everything when l is nil.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
