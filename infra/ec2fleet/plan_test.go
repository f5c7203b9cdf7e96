package ec2fleet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestEstimateCost(t *testing.T) {
	cases := []struct {
		name     string
		coord    string
		workers  int
		ttl      time.Duration
		spot     bool
		wantUSD  float64
		wantNote string
	}{
		{"same type", "", 3, 4 * time.Hour, false, 4 * 4 * 0.17, ""},
		{"cheaper coordinator", "m5.large", 10, 2 * time.Hour, false, 2*0.096 + 10*2*0.17, ""},
		{"half hour", "", 1, 30 * time.Minute, false, 2 * 0.5 * 0.17, ""},
		{"spot is bounded by on-demand", "", 2, time.Hour, true, 3 * 0.17, "spot: at most this"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.InstanceType, cfg.CoordinatorInstanceType, cfg.TTL, cfg.Spot = "c5.xlarge", tc.coord, tc.ttl, tc.spot
			e, err := EstimateCost(&cfg, tc.workers, testPrices)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(e.USD-tc.wantUSD) > 1e-9 {
				t.Errorf("estimate $%f, want $%f", e.USD, tc.wantUSD)
			}
			var out bytes.Buffer
			e.Print(&out)
			if !strings.Contains(out.String(), "price of 2026-11-01") || !strings.Contains(out.String(), tc.wantNote) {
				t.Errorf("printed estimate lacks the price's date or %q:\n%s", tc.wantNote, out.String())
			}
		})
	}
}

func TestBudget(t *testing.T) {
	e := Estimate{USD: 10.5}
	for _, tc := range []struct {
		max    float64
		refuse bool
	}{{0, false}, {10.5, false}, {11, false}, {10.49, true}, {1, true}} {
		err := e.CheckBudget(tc.max)
		if (err != nil) != tc.refuse || (err != nil && !errors.Is(err, ErrOverBudget)) {
			t.Errorf("max $%g: %v, want refusal %v", tc.max, err, tc.refuse)
		}
	}
}

func TestUnpricedTypeNamesTheFile(t *testing.T) {
	cfg := DefaultConfig()
	cfg.InstanceType = "c7g.large"
	_, err := EstimateCost(&cfg, 1, testPrices)
	if err == nil || !strings.Contains(err.Error(), "c7g.large has no price in test prices") || !strings.Contains(err.Error(), "c5.xlarge") {
		t.Fatalf("got %v", err)
	}
}

func TestCostSoFar(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	insts := []Instance{
		{Type: "c5.xlarge", Launched: now.Add(-2 * time.Hour)},                                 // running: 2 h
		{Type: "c5.xlarge", Launched: now.Add(-3 * time.Hour), Ended: now.Add(-2 * time.Hour)}, // ended: 1 h
		{Type: "x1.mystery", Launched: now.Add(-time.Hour)},
	}
	usd, unpriced := CostSoFar(insts, testPrices, now)
	if math.Abs(usd-3*0.17) > 1e-9 || len(unpriced) != 1 || unpriced[0] != "x1.mystery" {
		t.Errorf("cost $%f unpriced %v, want $0.51 and x1.mystery", usd, unpriced)
	}
	if got := transitionTime("User initiated (2026-11-30 10:00:00 GMT)"); !got.Equal(now.Add(-2 * time.Hour)) {
		t.Errorf("transition time %v", got)
	}
}

func TestSize(t *testing.T) {
	c5x2 := InstanceInfo{Type: "c5.2xlarge", VCPUs: 8, MemoryMiB: 16384, IPv4PerENI: 15}
	c5x := InstanceInfo{Type: "c5.xlarge", VCPUs: 4, MemoryMiB: 8192, IPv4PerENI: 15}
	c5l := InstanceInfo{Type: "c5.large", VCPUs: 2, MemoryMiB: 4096, IPv4PerENI: 10}
	fewIPs := InstanceInfo{Type: "x.big", VCPUs: 64, MemoryMiB: 262144, IPv4PerENI: 2}
	f := Figures{AgentRSSKiB: 50, CPUPerConnect: 1e-3, CPUPerMessage: 0.2e-3}
	study := Load{Agents: 500000, MsgsPerSec: 6000, ConnectsPerSec: 500, BrokerAddrs: 1}
	with := func(l Load, edit func(*Load)) Load { edit(&l); return l }
	cases := []struct {
		name        string
		load        Load
		info        InstanceInfo
		f           Figures
		wantWorkers int
		wantBound   string
	}{
		// (16384 x 0.75 - 512) MiB x 1024 / 50 KiB = 241,172 agents per worker
		{"study on c5.2xlarge", study, c5x2, f, 3, "memory"},
		// (8192 x 0.75 - 512) x 1024 / 50 = 115,343
		{"study on c5.xlarge", study, c5x, f, 5, "memory"},
		// twice the RSS per agent: 120,586 per worker
		{"a heavier agent", study, c5x2, Figures{100, 1e-3, 0.2e-3, ""}, 5, "memory"},
		// x60: 360,000 msg/s = 0.72 per agent x 0.2 ms; 8 x 0.5 / 1.44e-4 = 27,777 per worker
		{"busy hour x60", with(study, func(l *Load) { l.MsgsPerSec = 360000 }), c5x2, f, 19, "cpu"},
		// the ramp: 5,000 connects/s over 10,000 agents = 0.5 x 1 ms; 2 x 0.5 / 5e-4 = 2,000 per worker
		{"a connect storm", Load{Agents: 10000, ConnectsPerSec: 5000, BrokerAddrs: 1}, c5l, f, 5, "cpu"},
		// connects and messages do not add up (the ramp comes before the run): the larger counts
		{"connects below messages", with(study, func(l *Load) { l.MsgsPerSec, l.ConnectsPerSec = 360000, 1000 }), c5x2, f, 19, "cpu"},
		{"an idle fleet", Load{Agents: 1000, BrokerAddrs: 1}, c5x, f, 1, "memory"},
		// 2 addresses per interface x 28,000 ports = 56,000 per worker
		{"few addresses", study, fewIPs, f, 9, "source addresses"},
		{"few addresses, 4 broker addresses", with(study, func(l *Load) { l.BrokerAddrs = 4 }), fewIPs, f, 3, "source addresses"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Size(tc.load, tc.info, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if s.Workers != tc.wantWorkers || s.Bound != tc.wantBound || s.PerWorker*s.Workers < tc.load.Agents {
				t.Errorf("%d agents on %s: %+v, want %d workers bound by %s", tc.load.Agents, tc.info.Type, s, tc.wantWorkers, tc.wantBound)
			}
		})
	}
}

func TestSizeRefuses(t *testing.T) {
	tiny := InstanceInfo{Type: "t3.nano", VCPUs: 2, MemoryMiB: 512, IPv4PerENI: 2}
	c5x := InstanceInfo{Type: "c5.xlarge", VCPUs: 4, MemoryMiB: 8192, IPv4PerENI: 15}
	load := Load{Agents: 10, MsgsPerSec: 1, ConnectsPerSec: 1, BrokerAddrs: 1}
	if _, err := Size(load, tiny, MeasuredFigures()); err == nil {
		t.Error("a 512 MiB instance was accepted as a worker")
	}
	if _, err := Size(load, c5x, Figures{AgentRSSKiB: 20}); err == nil {
		t.Error("figures without CPU costs sized a fleet")
	}
	if err := MeasuredFigures().Validate(); err != nil {
		t.Errorf("the measured figures: %v", err)
	}
}

func TestSourceAddrs(t *testing.T) {
	for _, tc := range []struct{ agents, brokers, want int }{
		{1, 1, 1}, {28000, 1, 1}, {28001, 1, 2}, {250000, 1, 9}, {250000, 4, 3}, {0, 1, 1},
	} {
		if got := SourceAddrs(tc.agents, tc.brokers); got != tc.want {
			t.Errorf("SourceAddrs(%d, %d) = %d, want %d", tc.agents, tc.brokers, got, tc.want)
		}
	}
}

func TestIngressRules(t *testing.T) {
	var got []string
	for _, p := range IngressRules("sg-1", 7946, "") {
		for _, g := range p.UserIdGroupPairs {
			got = append(got, ruleString(p, *g.GroupId))
		}
		if len(p.IpRanges)+len(p.Ipv6Ranges)+len(p.PrefixListIds) > 0 {
			t.Errorf("a rule opens the cluster port to addresses: %+v", p)
		}
	}
	if s := strings.Join(got, "|"); s != "tcp 7946-7946 sg-1|udp 7946-7946 sg-1" {
		t.Errorf("rules without --ssh-cidr: %s", s)
	}
	rules := IngressRules("sg-1", 17946, "198.51.100.0/24")
	last := rules[len(rules)-1]
	if len(rules) != 3 || ruleString(last, *last.IpRanges[0].CidrIp) != "tcp 22-22 198.51.100.0/24" || *rules[0].FromPort != 17946 {
		t.Errorf("rules with --ssh-cidr: %+v", rules)
	}
}

func TestUserDataCarriesNoSecret(t *testing.T) {
	key := newKey()
	p := &plan{cfg: &Config{Name: "herd", Region: "eu-west-1", TTL: 2 * time.Hour, ClusterPort: 7946,
		CoordinatorArgs: []string{"--scenario", "print-fleet", "--target", "aws-iot://x-ats.iot.eu-west-1.amazonaws.com:8883?sni=it's"}},
		n: names{"herd"}, bucket: "mqherd-herd-1-eu-west-1", workers: 4, perWorker: 60000}
	for _, role := range []string{RoleCoordinator, RoleWorker} {
		ud := UserData{Fleet: "herd", BinaryURL: "https://b.s3.amazonaws.com/bin/mqherd?X-Amz-Signature=abc&X-Amz-Expires=1800",
			Bootstrap: p.bootstrapFor(role, "10.0.0.5:7946").Args()}
		s := ud.Render()
		for _, secret := range []string{encodeKey(key), hex.EncodeToString(key[:8]), string(key)} {
			if strings.Contains(s, secret) {
				t.Fatalf("%s user data contains the key", role)
			}
		}
		commands := 0
		for line := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
			if !strings.HasPrefix(line, "#") {
				commands++
			}
		}
		if commands != 4 || !strings.Contains(s, "'--role' '"+role+"'") || !strings.Contains(s, "'--ttl' '2h0m0s'") ||
			!strings.Contains(s, "'--key-parameter' '/mqherd/fleet/herd/cluster-key'") {
			t.Errorf("%s user data:\n%s", role, s)
		}
		if role == RoleWorker && !strings.Contains(s, "'--join' '10.0.0.5:7946' '--agents' '60000'") {
			t.Errorf("worker user data without its join and agents:\n%s", s)
		}
		if role == RoleCoordinator && !strings.Contains(s, `'--' '--scenario' 'print-fleet' '--target' 'aws-iot://x-ats.iot.eu-west-1.amazonaws.com:8883?sni=it'\''s' '--workers' '4'`) {
			t.Errorf("coordinator user data without its quoted run flags:\n%s", s)
		}
	}
}

func TestBinaryArch(t *testing.T) {
	if _, err := BinaryArch([]byte("#!/bin/sh\necho not elf\n")); err == nil || !strings.Contains(err.Error(), "GOOS=linux") {
		t.Errorf("a script was taken for a binary: %v", err)
	}
}
