package ec2fleet

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// startMoto runs moto's server (infra/aws/moto_server.py) on a free
// 127.0.0.1 port, stopped by its PID when the test ends; it skips unless
// MQHERD_MOTO=1.
func startMoto(t *testing.T) string {
	t.Helper()
	if os.Getenv("MQHERD_MOTO") != "1" {
		t.Skip("set MQHERD_MOTO=1 to run against moto (python3 -m moto.server; `make test-fleet-aws`)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "aws", "moto_server.py")
	cmd := exec.Command("python3", script, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	logf, err := os.Create(filepath.Join(t.TempDir(), "moto.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = logf.Close() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(20 * time.Second); ; {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			_ = resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("moto did not answer on %s in 20 s: %v\n%s", url, err, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// motoReset wipes moto's state.
func motoReset(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Post(url+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
}

// motoConfig is an AWS configuration aimed at moto with static credentials.
func motoConfig(t *testing.T, url string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")),
		config.WithBaseEndpoint(url))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
