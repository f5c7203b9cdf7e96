#!/usr/bin/env python3
"""Samples the processes' own CPU, RSS and open files once a second.

procsample.py PIDS_FILE OUT_TSV STOP_FILE MAX_SECONDS

PIDS_FILE holds "role pid" lines; it is re-read every second, so the
caller appends each process it starts. A role ending in "+" stands for
the process and all its descendants (a wrapper script and its VM). For each live PID one line goes
to OUT_TSV: unix time, role, pid, CPU seconds (utime + stime of
/proc/PID/stat, children not included), VmRSS KiB (/proc/PID/status) and
the number of open file descriptors (/proc/PID/fd). The machine's figures
are never read. Stops when STOP_FILE exists or after MAX_SECONDS.
"""
import os
import sys
import time
from collections import defaultdict

TICK = os.sysconf("SC_CLK_TCK")
FDS_SKIPPED = {"coordinator", "worker", "broker"}  # mqherd reports its own connected agents


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    # the command name is in parentheses and may hold spaces: split after it
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_pids(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[1].isdigit():
                    out.append((parts[0], int(parts[1])))
    except FileNotFoundError:
        pass
    return out


def with_children(pids):
    """pids and all their descendants (for a role named with a trailing +)."""
    kids = defaultdict(list)
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    stat = f.read()
                kids[int(stat[stat.rindex(")") + 2:].split()[1])].append(int(d))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue
    out, todo = [], list(pids)
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def expand(entries):
    trees = [(r, p) for r, p in entries if r.endswith("+")]
    if not trees:
        return entries
    out = [(r, p) for r, p in entries if not r.endswith("+")]
    for r, p in trees:
        out.extend((r[:-1], c) for c in with_children([p]))
    return out


def main():
    pids_file, out_tsv, stop_file, max_s = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    end = time.time() + max_s
    with open(out_tsv, "a", buffering=1) as out:
        while time.time() < end and not os.path.exists(stop_file):
            now = time.time()
            for role, pid in expand(read_pids(pids_file)):
                try:
                    cpu, rss = cpu_seconds(pid), rss_kib(pid)
                    # open files only for the peers (their held sessions): listing
                    # 100,000 descriptors a second costs the sampler ~10% of a core
                    fds = len(os.listdir(f"/proc/{pid}/fd")) if role not in FDS_SKIPPED else 0
                except (FileNotFoundError, ProcessLookupError, PermissionError):
                    continue  # gone (or a zombie)
                out.write(f"{now:.3f}\t{role}\t{pid}\t{cpu:.2f}\t{rss}\t{fds}\n")
            time.sleep(max(0.0, 1.0 - (time.time() - now)))


if __name__ == "__main__":
    main()
