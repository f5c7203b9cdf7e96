package rundir

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The tar stream holds every file of the tree, byte for byte, under the
// directory's own name (what `tar xf` of `mqherd tar` gives back).
func TestWriteTarHoldsTheTreeByteForByte(t *testing.T) {
	root := filepath.Join(t.TempDir(), "run-1")
	want := map[string]string{"run-1/summary.json": `{"jobs":3}`, "run-1/workers/worker-0/snapshots.bin": "\x00\x01binary"}
	for name, body := range want {
		p := filepath.Join(filepath.Dir(root), name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := WriteTar(&buf, root+"/"); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	dirs := 0
	tr := tar.NewReader(&buf)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeDir {
			dirs++
			continue
		}
		b, _ := io.ReadAll(tr)
		got[hdr.Name] = string(b)
	}
	if len(got) != len(want) || dirs != 3 {
		t.Errorf("tar holds %d files and %d directories, want %d and 3: %v", len(got), dirs, len(want), got)
	}
	for name, body := range want {
		if got[name] != body {
			t.Errorf("%s = %q, want %q", name, got[name], body)
		}
	}
}

func TestWriteTarOfAMissingDirectoryFails(t *testing.T) {
	if err := WriteTar(io.Discard, filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("WriteTar of a missing directory succeeded")
	}
}
