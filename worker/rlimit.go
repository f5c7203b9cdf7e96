package worker

import (
	"fmt"
	"syscall"
)

// RaiseFileLimit raises the soft open-files limit to the hard one and
// checks that sessions sockets (plus headroom for files and listeners) fit.
// One process holds at most the hard limit of sockets; past that, run more
// worker processes.
func RaiseFileLimit(sessions int) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read open-files limit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise open-files limit to %d: %w", lim.Max, err)
		}
	}
	const headroom = 64
	if need := uint64(sessions) + headroom; need > lim.Cur {
		return lim.Cur, fmt.Errorf("%d sessions need %d open files but this process may hold %d (hard limit): "+
			"split the fleet over more worker processes (at most ~%d agents each) or raise the hard limit (ulimit -Hn)",
			sessions, need, lim.Cur, lim.Cur-headroom)
	}
	return lim.Cur, nil
}

// DefaultCapacity is how many agents this process can hold: its open-files
// limit (raised to the hard one) less room for files and listeners.
func DefaultCapacity() int {
	limit, _ := RaiseFileLimit(0)
	return max(1, int(limit)-200)
}
