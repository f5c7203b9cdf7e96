package yamlguard

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Limits bound a YAML document.
type Limits struct {
	MaxBytes   int64 // file size
	MaxDepth   int   // nesting of flow collections ([ {) and of block indentation levels
	MaxAliases int   // *alias references
	MaxMerges  int   // << merge keys
}

// DefaultLimits fit every file mqherd documents with a wide margin.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:   1 << 20, // 1 MiB: the largest real scenario is ~2 KB
		MaxDepth:   32,      // real files nest 4-5 levels
		MaxAliases: 16,      // bounds alias expansion to 2^(16/2) = 256 times the anchored text
		MaxMerges:  16,
	}
}

// ReadFile reads path if it is a regular file within lim.MaxBytes and its
// YAML passes Check. Errors name the file.
func ReadFile(path string, lim Limits) ([]byte, error) {
	data, err := readBounded(path, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	return data, Check(path, data, lim)
}

func readBounded(path string, maxBytes int64) ([]byte, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		// before opening: opening a named pipe would wait for a writer
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read-only: a close error loses nothing
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, st.Mode().Type())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes, the limit for this kind of file", path, maxBytes)
	}
	return data, nil
}

// ReadRegular reads path if it is a regular file of at most maxBytes (a
// CA bundle, say): no device, no pipe, no endless file.
func ReadRegular(path string, maxBytes int64) ([]byte, error) {
	return readBounded(path, maxBytes)
}

// ErrLimit is wrapped by every refusal of Check.
var ErrLimit = errors.New("past a YAML limit")

// Check scans data (named name in errors) and refuses it past lim. The scan
// reads the tokens of the YAML library's own tokenizer, so quotes, plain
// and block scalars are what the parser will take them for (a stray quote
// cannot hide what follows it); it is linear in the size of data and counts
// flow nesting, block indentation levels, aliases and merge keys.
func Check(name string, data []byte, lim Limits) error {
	if int64(len(data)) > lim.MaxBytes {
		return fmt.Errorf("%s: %d bytes: %w (at most %d)", name, len(data), ErrLimit, lim.MaxBytes)
	}
	tokens, err := tokenize(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	s := scanner{lim: lim}
	for _, tk := range tokens {
		if err := s.token(tk); err != nil {
			line := 0
			if tk.Position != nil {
				line = tk.Position.Line
			}
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	return nil
}

// Refusals name the limit.
func limitErr(what string, n, limit int) error {
	return fmt.Errorf("%s %d: %w (at most %d)", what, n, ErrLimit, limit)
}
