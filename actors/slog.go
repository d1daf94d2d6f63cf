package actors

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"ergo.services/ergo/gen"
)

// nodeLog is a slog.Handler writing to the node's log, so that what the
// transport reports (rejected tokens, invoker panics, refused sessions,
// go-sdk failures) lands where operators look. Only warnings and errors:
// the go-sdk's info lines come with every session.
type nodeLog struct {
	log   gen.Log
	attrs []slog.Attr
}

func newNodeLogger(log gen.Log) *slog.Logger { return slog.New(nodeLog{log: log}) }

func (h nodeLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelWarn }

func (h nodeLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%q", a.Key, a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	if r.Level >= slog.LevelError {
		h.log.Error("%s", b.String())
	} else {
		h.log.Warning("%s", b.String())
	}
	return nil
}

func (h nodeLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return nodeLog{log: h.log, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

// WithGroup is not needed by the transport or the go-sdk; groups are
// flattened.
func (h nodeLog) WithGroup(string) slog.Handler { return h }
