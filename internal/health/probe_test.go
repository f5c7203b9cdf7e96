package health

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url) //nolint:noctx // a test's GET on loopback
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// What a Kubernetes probe sees: alive at once, ready only between Set(true)
// and Set(false), with the reason.
func TestReadyzFollowsTheNodeAndLivezAlwaysAnswers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var p Probe
	addr, err := Serve(ctx, "127.0.0.1:0", false, &p)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		set        func()
		code       int
		why, livez string
	}{
		{func() {}, 503, "starting", "ok"},
		{func() { p.Set(true, "joined the cluster") }, 200, "joined the cluster", "ok"},
		{func() { p.Set(false, "run over") }, 503, "run over", "ok"},
	}
	for _, s := range steps {
		s.set()
		if code, why := get(t, "http://"+addr+"/readyz"); code != s.code || why != s.why {
			t.Errorf("/readyz = %d %q, want %d %q", code, why, s.code, s.why)
		}
		if code, body := get(t, "http://"+addr+"/livez"); code != 200 || body != s.livez {
			t.Errorf("/livez = %d %q, want 200 %q", code, body, s.livez)
		}
	}
}

func TestServeRefusesARemoteAddressUnlessAllowed(t *testing.T) {
	_, err := Serve(context.Background(), "0.0.0.0:0", false, &Probe{})
	if !errors.Is(err, ErrRemote) {
		t.Fatalf("Serve(0.0.0.0:0) = %v, want ErrRemote", err)
	}
}
