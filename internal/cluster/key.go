package cluster

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// maxKeyFile bounds how much of a key file is read.
const maxKeyFile = 4096

// LoadKey reads the cluster key from path. The file holds the 32 key bytes
// raw, as 64 hex characters, or as base64 of 32 bytes (standard or URL
// alphabet, padded or not); surrounding whitespace is ignored. A file readable or writable by
// group or others is refused: the key commands the whole fleet.
func LoadKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cluster key: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: nothing to flush
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cluster key: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("cluster key %s: mode %04o lets group or others read it: run chmod 600 %s", path, perm, path)
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return nil, fmt.Errorf("cluster key %s: %w", path, err)
	}
	if key := parseKey(raw); key != nil {
		return key, nil
	}
	return nil, fmt.Errorf("cluster key %s: need a %d-byte key: %d raw bytes, %d hex characters or base64 of %d bytes (file has %d bytes)",
		path, KeySize, KeySize, 2*KeySize, KeySize, len(raw))
}

// parseKey decodes b in one of the accepted formats, or returns nil. Text
// (printable ASCII) is read as hex or base64 only, so 32 characters of text
// (say a 16-byte key in hex) are not mistaken for a raw key.
func parseKey(b []byte) []byte {
	trimmed := bytes.TrimSpace(b)
	if !isText(trimmed) {
		switch {
		case len(b) == KeySize:
			return bytes.Clone(b)
		case len(trimmed) == KeySize:
			return bytes.Clone(trimmed) // raw bytes plus a newline
		}
		return nil
	}
	text := string(trimmed)
	if len(text) == 2*KeySize {
		if k, err := hex.DecodeString(text); err == nil {
			return k
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(text); err == nil && len(k) == KeySize {
			return k
		}
	}
	return nil
}

// isText reports whether b is printable ASCII.
func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// GenerateKey writes a new random cluster key to path as base64 and a
// newline, with mode 0600. It refuses to overwrite an existing file.
func GenerateKey(path string) error {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("cluster key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("cluster key %s: file exists; refusing to overwrite it (remove it first to replace the key)", path)
	}
	if err != nil {
		return fmt.Errorf("cluster key: %w", err)
	}
	// O_CREATE honours the umask, which can only remove bits; chmod anyway
	// in case the file system ignores the create mode.
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	cerr := f.Chmod(0o600)
	if err := errors.Join(werr, cerr, f.Close()); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("cluster key %s: %w", path, err)
	}
	return nil
}
