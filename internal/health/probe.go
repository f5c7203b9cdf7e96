package health

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Probe is a node's readiness; its zero value is not ready. Safe for
// concurrent use.
type Probe struct {
	mu    sync.Mutex // guards the fields below
	ready bool
	why   string
}

// Set records whether the node is ready and why (shown by /readyz).
func (p *Probe) Set(ready bool, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ready, p.why = ready, why
}

// Ready reports the readiness and its reason.
func (p *Probe) Ready() (bool, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.why == "" && !p.ready {
		return false, "starting"
	}
	return p.ready, p.why
}

// Handler serves /livez and /readyz.
func (p *Probe) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		ready, why := p.Ready()
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, why)
	})
	return mux
}

// ErrRemote is returned by Serve for a non-loopback address without
// allowRemote.
var ErrRemote = errors.New("health: a non-loopback address needs --listen-remote")

// Serve listens on addr and serves p until ctx ends; it returns the bound
// address once listening. The server stops within a second of ctx's end.
func Serve(ctx context.Context, addr string, allowRemote bool, p *Probe) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("health: %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); !allowRemote && (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return "", fmt.Errorf("%w: %s", ErrRemote, addr)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("health: %w", err)
	}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return ln.Addr().String(), nil
}
