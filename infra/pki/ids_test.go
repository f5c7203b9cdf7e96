package pki

import "testing"

func TestIdentityNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{AgentID(0), "agent-000000"},
		{AgentID(42), "agent-000042"},
		{AgentID(999999), "agent-999999"},
		{AgentID(1234567), "agent-1234567"},
		{ServiceID("w0", 1), "service-w0-1"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if !IsAgent("agent-000001") || IsAgent("service-w0-1") || !IsService("service-w0-1") || IsService("agent-000001") {
		t.Error("IsAgent/IsService misclassify")
	}
}

func TestAgentNumberAndShardOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cn        string
		n         int
		ok        bool
		shard     int
		shardSize int
	}{
		{"agent-000000", 0, true, 0, 0},
		{"agent-004999", 4999, true, 0, 0},
		{"agent-005000", 5000, true, 1, 0},
		{"agent-1234567", 1234567, true, 12345, 100},
		{"agent-42", 0, false, 0, 0},
		{"agent--00001", 0, false, 0, 0},
		{"agent-", 0, false, 0, 0},
	} {
		n, ok := AgentNumber(tc.cn)
		if n != tc.n || ok != tc.ok {
			t.Errorf("AgentNumber(%q) = %d, %v", tc.cn, n, ok)
		}
		shard, err := ShardOf(tc.cn, tc.shardSize)
		if tc.ok && (err != nil || shard != tc.shard) {
			t.Errorf("ShardOf(%q) = %d, %v; want %d", tc.cn, shard, err, tc.shard)
		}
		if !tc.ok && err == nil {
			t.Errorf("ShardOf(%q) accepted a non-canonical agent", tc.cn)
		}
	}
	if s, err := ShardOf("service-w0-1", 10); err != nil || s != ServiceShard {
		t.Errorf("ShardOf(service) = %d, %v", s, err)
	}
}
