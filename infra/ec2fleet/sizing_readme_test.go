package ec2fleet

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// sizingTypes are the instance types of README's sizing table (vCPUs,
// memory and addresses per interface as EC2 documents them).
var sizingTypes = []InstanceInfo{
	{Type: "c4.xlarge", VCPUs: 4, MemoryMiB: 7680, IPv4PerENI: 15},
	{Type: "c5.large", VCPUs: 2, MemoryMiB: 4096, IPv4PerENI: 10},
	{Type: "c5.xlarge", VCPUs: 4, MemoryMiB: 8192, IPv4PerENI: 15},
	{Type: "c5.2xlarge", VCPUs: 8, MemoryMiB: 16384, IPv4PerENI: 15},
	{Type: "c5.4xlarge", VCPUs: 16, MemoryMiB: 32768, IPv4PerENI: 30},
	{Type: "m5.xlarge", VCPUs: 4, MemoryMiB: 16384, IPv4PerENI: 15},
	{Type: "m5.2xlarge", VCPUs: 8, MemoryMiB: 32768, IPv4PerENI: 15},
	{Type: "r5.xlarge", VCPUs: 4, MemoryMiB: 32768, IPv4PerENI: 15},
}

// sizingTable renders README's table from the measured figures: the
// study's busy hour in real time (500,000 agents, 6,000 msg/s, 500
// connects/s, one broker address) and the same at a speedup of 60.
func sizingTable() string {
	f := MeasuredFigures()
	study := Load{Agents: 500000, MsgsPerSec: 6000, ConnectsPerSec: 500, BrokerAddrs: 1}
	fast := study
	fast.MsgsPerSec *= 60
	var b strings.Builder
	b.WriteString("| type | vCPU | memory MiB | memory bound | CPU bound, busy hour | CPU bound, x60 | agents per worker | workers for 500,000 |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, info := range sizingTypes {
		bounds, err := Bounds(study, info, f)
		if err != nil {
			panic(err)
		}
		fastBounds, _ := Bounds(fast, info, f)
		s, _ := Size(study, info, f)
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s (%s) | %d |\n", info.Type, info.VCPUs, info.MemoryMiB,
			thousands(int(bounds[0].Agents)), thousands(int(bounds[1].Agents)), thousands(int(fastBounds[1].Agents)),
			thousands(s.PerWorker), s.Bound, s.Workers)
	}
	return b.String()
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// The README's table of agents per instance type is what Size makes of the
// measured figures: changing the figures without the table fails here,
// printing the table to paste.
func TestREADMESizingTableFollowsTheFigures(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := sizingTable()
	if !strings.Contains(string(readme), want) {
		t.Errorf("README.md's sizing table is not what the measured figures give; paste this:\n%s", want)
	}
}
