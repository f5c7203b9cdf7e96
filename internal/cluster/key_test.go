package cluster

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeKeyFile(t *testing.T, content []byte, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cluster.key")
	if err := os.WriteFile(path, content, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is masked by umask
		t.Fatal(err)
	}
	return path
}

func TestLoadKeyFormats(t *testing.T) {
	key := bytes.Repeat([]byte{0xa5, 0x00, 0x7f, '\n'}, KeySize/4) // raw, with bytes that look like whitespace
	b64 := base64.StdEncoding.EncodeToString(key)
	for name, content := range map[string][]byte{
		"raw":               key,
		"hex":               []byte(hex.EncodeToString(key)),
		"hex with newline":  []byte(hex.EncodeToString(key) + "\n"),
		"HEX upper":         []byte(strings.ToUpper(hex.EncodeToString(key))),
		"base64 padded":     []byte(b64 + "\n"),
		"base64 unpadded":   []byte("  " + strings.TrimRight(b64, "=") + "\r\n"),
		"base64 url":        []byte(base64.URLEncoding.EncodeToString(key)),
		"raw with newline ": append(bytes.Clone(key[:KeySize-1]), 0xff, '\n'),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := LoadKey(writeKeyFile(t, content, 0o600))
			if err != nil {
				t.Fatal(err)
			}
			want := key
			if name == "raw with newline " {
				want = append(bytes.Clone(key[:KeySize-1]), 0xff)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("LoadKey = %x, want %x", got, want)
			}
		})
	}
}

func TestLoadKeyWrongLength(t *testing.T) {
	for name, content := range map[string]string{
		"16-byte hex":    hex.EncodeToString(make([]byte, 16)), // 32 characters: not a raw key
		"16-byte base64": base64.StdEncoding.EncodeToString(make([]byte, 16)),
		"empty":          "",
		"text":           "correct horse battery staple",
	} {
		t.Run(name, func(t *testing.T) {
			path := writeKeyFile(t, []byte(content), 0o600)
			_, err := LoadKey(path)
			if err == nil {
				t.Fatal("LoadKey accepted it")
			}
			for _, w := range []string{path, "32 raw bytes", "64 hex characters", "base64 of 32 bytes"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadKeyRefusesReadableByOthers(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o602} {
		path := writeKeyFile(t, []byte(hex.EncodeToString(make([]byte, KeySize))), mode)
		_, err := LoadKey(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: err = %v, want refusal naming the path and chmod 600", mode, err)
		}
	}
	path := writeKeyFile(t, []byte(hex.EncodeToString(make([]byte, KeySize))), 0o400)
	if _, err := LoadKey(path); err != nil {
		t.Errorf("mode 0400 refused: %v", err)
	}
}

func TestLoadKeyMissingFile(t *testing.T) {
	if _, err := LoadKey(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
}

func TestGenerateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster.key")
	if err := GenerateKey(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", st.Mode().Perm())
	}
	content, _ := os.ReadFile(path)
	if !bytes.HasSuffix(content, []byte("\n")) {
		t.Errorf("content %q does not end in a newline", content)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(content)))
	if err != nil || len(raw) != KeySize {
		t.Fatalf("content %q is not base64 of %d bytes: %v", content, KeySize, err)
	}
	key, err := LoadKey(path)
	if err != nil || !bytes.Equal(key, raw) {
		t.Fatalf("LoadKey after GenerateKey = %x, %v; want %x", key, err, raw)
	}

	if err := GenerateKey(path); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("second GenerateKey: err = %v, want refusal", err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, content) {
		t.Error("second GenerateKey changed the file")
	}

	other := filepath.Join(t.TempDir(), "other.key")
	if err := GenerateKey(other); err != nil {
		t.Fatal(err)
	}
	if k2, _ := LoadKey(other); bytes.Equal(k2, key) {
		t.Error("two generated keys are equal")
	}
}
