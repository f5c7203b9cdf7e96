package worker

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/mqherd/mqherd/infra/broker"
	"github.com/mqherd/mqherd/infra/pki"
)

// brokerChildEnv makes the test binary act as a broker process (see
// startBrokerProcess): at 10,000 agents, broker and clients in one process
// would need more sockets than the 20,000 open files one process may hold.
const brokerChildEnv = "MQHERD_TEST_BROKER_PKI"

func TestMain(m *testing.M) {
	if dir := os.Getenv(brokerChildEnv); dir != "" {
		os.Exit(serveBrokerChild(dir))
	}
	os.Exit(m.Run())
}

// serveBrokerChild runs the embedded broker on a free loopback port, prints
// the address, and serves until stdin closes (the parent died or is done).
func serveBrokerChild(dir string) int {
	if _, err := RaiseFileLimit(0); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	a, err := pki.LoadOrCreate(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tlsCfg, err := a.ServerTLS([]string{"127.0.0.1"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := broker.DefaultConfig()
	cfg.Addr, cfg.TLS = "127.0.0.1:0", tlsCfg
	b, err := broker.Start(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer b.Close()
	fmt.Println(b.Addr())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	return 0
}

// startBrokerProcess starts this test binary as a broker child process over
// the PKI in dir, returns its address and its PID, and stops it (by PID) at
// cleanup.
func startBrokerProcess(tb testing.TB, dir string) (string, int) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), brokerChildEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("broker child: %v", err)
	}
	return addr[:len(addr)-1], cmd.Process.Pid
}
