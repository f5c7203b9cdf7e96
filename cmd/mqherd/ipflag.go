package main

import (
	"fmt"
	"net/netip"
	"strings"
)

// ipRangeFlag parses "127.0.1.1-127.0.1.8" or "10.0.0.5,10.0.0.6" (or both)
// into a list of local source addresses.
type ipRangeFlag struct{ addrs []netip.Addr }

func (f *ipRangeFlag) String() string {
	if f == nil || len(f.addrs) == 0 {
		return ""
	}
	return fmt.Sprintf("%s (%d addresses)", f.addrs[0], len(f.addrs))
}

// Set parses one or more comma-separated addresses or inclusive ranges.
func (f *ipRangeFlag) Set(s string) error {
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		first, err := netip.ParseAddr(lo)
		if err != nil {
			return fmt.Errorf("source address %q: %w", lo, err)
		}
		last := first
		if isRange {
			if last, err = netip.ParseAddr(hi); err != nil {
				return fmt.Errorf("source address %q: %w", hi, err)
			}
		}
		if last.Less(first) || first.Is4() != last.Is4() {
			return fmt.Errorf("source range %q: the end must not come before the start", part)
		}
		for a := first; ; a = a.Next() {
			f.addrs = append(f.addrs, a)
			if len(f.addrs) > 65536 {
				return fmt.Errorf("source range %q: more than 65536 addresses", part)
			}
			if a == last {
				break
			}
		}
	}
	return nil
}
