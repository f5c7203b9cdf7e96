package awsiot

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestCheckpointIsCompactAndSavedEverySecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "aws", "us-east-1-mqherd.json")
		cp, err := openCheckpoint(path, "pki", "root", "us-east-1", "mqherd")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stop := cp.saveEvery(ctx, time.Second)
		for n := range 100_000 {
			if n != 500 {
				cp.finish(agentIdentity(n), true)
			}
		}
		cp.start(agentIdentity(500))
		time.Sleep(1500 * time.Millisecond) // fake time: one periodic save
		synctest.Wait()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("no checkpoint after a second: %v", err)
		}
		var f checkpointFile
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		if len(f.Done.Agents) != 2 || f.Done.Agents.Len() != 99_999 || len(f.Partial) != 1 || f.Partial[0] != "agent-000500" || len(b) > 1000 {
			t.Errorf("checkpoint of 99,999 agents: %d bytes, ranges %v, partial %v", len(b), f.Done.Agents, f.Partial)
		}
		st, _ := os.Stat(path)
		dir, _ := os.Stat(filepath.Dir(path))
		if st.Mode().Perm() != 0o600 || dir.Mode().Perm() != 0o700 {
			t.Errorf("modes %v %v, want 0600 in 0700", st.Mode(), dir.Mode())
		}
		cp.finish(agentIdentity(500), true)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		b, _ = os.ReadFile(path)
		f = checkpointFile{}
		if err := json.Unmarshal(b, &f); err != nil || len(f.Done.Agents) != 1 || f.Done.Agents[0] != [2]int{0, 100_000} || len(f.Partial) != 0 {
			t.Errorf("final save: %v %v %v, want one range [0,100000) and nothing partial", f.Done.Agents, f.Partial, err)
		}
	})
}

func TestCheckpointOfAnotherFleetIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp.json")
	cp, _ := openCheckpoint(path, "pki", "root", "us-east-1", "a")
	cp.update(func(f *checkpointFile) { f.Agents = 1 })
	if err := cp.save(); err != nil {
		t.Fatal(err)
	}
	if _, err := openCheckpoint(path, "pki", "root", "eu-west-1", "a"); err == nil || !strings.Contains(err.Error(), `fleet "a" in us-east-1`) {
		t.Errorf("another region: %v", err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openCheckpoint(path, "pki", "root", "us-east-1", "a"); err == nil || !strings.Contains(err.Error(), "unreadable") {
		t.Errorf("a corrupt checkpoint: %v", err)
	}
}
