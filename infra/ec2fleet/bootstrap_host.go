package ec2fleet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Host is what bootstrap changes on the machine. RealHost is the machine;
// tests point the directories at their own and record the commands.
type Host struct {
	SysctlDir  string // /proc/sys
	UnitDir    string // /etc/systemd/system
	SystemdDir string // /run/systemd/system: present when systemd runs the host
	Root       bool   // may change limits, sysctls, addresses and services
	// Run runs a command (systemctl, systemd-run, ip) and returns its error
	// with its output.
	Run func(ctx context.Context, name string, args ...string) error
}

// RealHost is this machine.
func RealHost() Host {
	return Host{SysctlDir: "/proc/sys", UnitDir: "/etc/systemd/system", SystemdDir: "/run/systemd/system",
		Root: os.Geteuid() == 0, Run: runCommand}
}

func runCommand(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// systemd says whether systemd runs this host.
func (h Host) systemd() bool {
	st, err := os.Stat(h.SystemdDir)
	return err == nil && st.IsDir()
}

// Sysctl is one kernel setting bootstrap wants: at least Want (Raise), or
// exactly it.
type Sysctl struct {
	Key   string // dotted name, e.g. net.core.somaxconn
	Want  string // value to write; for ranges "lo hi"
	Raise bool   // only ever raise (a higher value is left alone)
	Why   string
}

// WantedSysctls are the settings a node holding agents sockets needs.
func WantedSysctls(agents, files int) []Sysctl {
	return []Sysctl{
		{"net.ipv4.ip_local_port_range", "1024 65535", false, "~64k ephemeral ports per source address and destination"},
		{"net.ipv4.tcp_tw_reuse", "1", false, "reuse TIME_WAIT ports for new connects (reconnect storms)"},
		{"net.core.somaxconn", "65535", true, "listen backlog (the coordinator's and an embedded broker's)"},
		{"fs.nr_open", strconv.Itoa(files), true, "ceiling of a process's open-files limit"},
		{"fs.file-max", strconv.Itoa(2 * files), true, "open files of the whole host"},
		{"net.netfilter.nf_conntrack_max", strconv.Itoa(2*agents + 65536), true, "tracked connections, when conntrack is loaded"},
	}
}

// applySysctl sets one setting when it must and may, and says what it did
// or why it did not.
func (h Host) applySysctl(s Sysctl) Step {
	st := Step{Name: "sysctl " + s.Key}
	path := filepath.Join(h.SysctlDir, strings.ReplaceAll(s.Key, ".", "/"))
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st.skip("absent on this kernel (module not loaded)")
	}
	if err != nil {
		return st.skip("unreadable: %v", err)
	}
	cur := strings.Join(strings.Fields(string(b)), " ")
	if sysctlSatisfied(cur, s) {
		return st.skip("already %s", cur)
	}
	if !h.Root {
		return st.skip("is %s, want %s: not root", cur, s.Want)
	}
	if err := os.WriteFile(path, []byte(s.Want+"\n"), 0o644); err != nil {
		return st.skip("is %s, want %s: cannot write (%v; a container's /proc/sys is read-only)", cur, s.Want, err)
	}
	return st.did("%s -> %s (%s)", cur, s.Want, s.Why)
}

// sysctlSatisfied: equal, or higher when raising; a port range is
// satisfied when it is at least as wide.
func sysctlSatisfied(cur string, s Sysctl) bool {
	if cur == s.Want {
		return true
	}
	cf, wf := strings.Fields(cur), strings.Fields(s.Want)
	if len(cf) == 2 && len(wf) == 2 {
		clo, _ := strconv.Atoi(cf[0])
		chi, _ := strconv.Atoi(cf[1])
		wlo, _ := strconv.Atoi(wf[0])
		whi, _ := strconv.Atoi(wf[1])
		return clo <= wlo && chi >= whi
	}
	if !s.Raise {
		return false
	}
	c, err1 := strconv.ParseUint(cur, 10, 64)
	w, err2 := strconv.ParseUint(s.Want, 10, 64)
	return err1 == nil && err2 == nil && c >= w
}

// raiseFiles raises this process's open-files limit (which the node started
// in the foreground inherits) to files; not root, only the soft one to the
// hard one.
func (h Host) raiseFiles(files uint64) Step {
	st := Step{Name: "open-files limit"}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return st.skip("getrlimit: %v", err)
	}
	if lim.Cur >= files {
		return st.skip("already %d", lim.Cur)
	}
	note := "not root"
	if h.Root {
		err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: files, Max: max(files, lim.Max)})
		if err == nil {
			return st.did("%d -> %d (the systemd unit sets LimitNOFILE=%d too)", lim.Cur, files, files)
		}
		note = fmt.Sprintf("raising the hard limit to %d: %v (no CAP_SYS_RESOURCE, e.g. in a container?)", files, err)
	}
	if lim.Cur >= lim.Max {
		return st.skip("%d, the hard limit; %s", lim.Cur, note)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: lim.Max, Max: lim.Max}); err != nil {
		return st.skip("setrlimit %d: %v", lim.Max, err)
	}
	return st.did("soft %d -> %d, the hard limit, short of %d: %s", lim.Cur, lim.Max, files, note)
}
