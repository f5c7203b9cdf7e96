package broker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
)

func TestCheckListenAddr(t *testing.T) {
	tests := []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:0", false, true},
		{"127.0.0.5:8883", false, true},
		{"[::1]:8883", false, true},
		{"localhost:8883", false, true},
		{"0.0.0.0:8883", false, false},
		{":8883", false, false}, // every interface
		{"10.0.0.5:8883", false, false},
		{"[::]:8883", false, false},
		{"broker.example.com:8883", false, false},
		{"0.0.0.0:8883", true, true},
		{"10.0.0.5:8883", true, true},
	}
	for _, tt := range tests {
		err := checkListenAddr(tt.addr, tt.remote)
		if (err == nil) != tt.ok {
			t.Errorf("checkListenAddr(%q, %v) = %v, want ok=%v", tt.addr, tt.remote, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrRemoteListen) {
			t.Errorf("checkListenAddr(%q) = %v, want ErrRemoteListen", tt.addr, err)
		}
		if err != nil && (!strings.Contains(err.Error(), tt.addr) || !strings.Contains(err.Error(), "--listen-remote")) {
			t.Errorf("checkListenAddr(%q) = %q, want the address and --listen-remote named", tt.addr, err)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := Config{Addr: "0.0.0.0:1", TLS: &tls.Config{}, MaxWritesPending: -1, MaxPacketBytes: 100}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want errors")
	}
	for _, want := range []string{"--listen-remote", "ClientAuth", "ClientCAs", "MaxWritesPending", "MaxPacketBytes: must be in 1024..268435455, got 100"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %q, missing %q", err, want)
		}
	}
}

func TestValidateAcceptsDefaultsWithMutualTLS(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: x509.NewCertPool()}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	cfg.TLS.ClientAuth = tls.RequestClientCert
	if err := cfg.Validate(); err == nil {
		t.Fatal("Validate() accepted a TLS config that does not verify client certificates")
	}
}

func TestStartRefusesRemoteAddr(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Addr = "0.0.0.0:0"
	cfg.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: x509.NewCertPool()}
	b, err := Start(cfg)
	if err == nil {
		b.Close()
		t.Fatal("Start on 0.0.0.0 without AllowRemote succeeded")
	}
	if !errors.Is(err, ErrRemoteListen) {
		t.Fatalf("Start error = %v, want ErrRemoteListen", err)
	}
}
