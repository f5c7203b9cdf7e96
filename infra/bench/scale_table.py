#!/usr/bin/env python3
"""Prints the bench-scale table from what bench-scale.sh recorded.

scale_table.py WORK

WORK/samples.tsv   procsample.py's lines: time, role, pid, CPU s, RSS KiB, fds
WORK/tools.tsv     one line per load tool run: tool, result file
                   (mqherd: its run directory; a peer: a JSON file written
                   by bench-scale.sh with start, ramp_end, end, messages,
                   failures, note)
WORK/meta.json     agents, brokers, rate, duration, machine

Windows: ramp = from the ramp's start to every agent connected (mqherd:
events.jsonl; a peer: its start to the peak of its open sockets), load =
from the end of the ramp to the tool's end. CPU in a window is the growth
of utime+stime of the tool's processes (harness) or of the brokers between
the samples nearest its ends. RSS idle = the harness's RSS at the end of
the ramp; under load = its peak in the load window; both / agents held.
"""
import glob
import json
import os
import sys
from collections import defaultdict
from datetime import datetime

NA = "n/a"


def load_samples(path):
    # role -> pid -> [(t, cpu, rss, fds)]
    out = defaultdict(lambda: defaultdict(list))
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) != 6:
                continue  # a torn last line
            out[p[1]][int(p[2])].append((float(p[0]), float(p[3]), int(p[4]), int(p[5])))
    return out


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Procs:
    """The samples of the processes of some roles."""

    def __init__(self, samples, roles):
        self.series = [s for r in roles for s in samples.get(r, {}).values()]

    def cpu(self, t0, t1):
        """CPU seconds used between t0 and t1, by every process alive then."""
        total = 0.0
        for s in self.series:
            inside = [x for x in s if t0 - 1.5 <= x[0] <= t1 + 1.5]
            if len(inside) >= 2:
                a = min(inside, key=lambda x: abs(x[0] - t0))
                b = min(inside, key=lambda x: abs(x[0] - t1))
                total += max(0.0, b[1] - a[1])
        return total

    def sum_at(self, t, col):
        """Sum over processes of column col in the sample nearest t."""
        total = 0
        for s in self.series:
            near = [x for x in s if abs(x[0] - t) <= 1.5]
            if near:
                total += min(near, key=lambda x: abs(x[0] - t))[col]
        return total

    def times(self, t0, t1):
        return sorted({round(x[0]) for s in self.series for x in s if t0 <= x[0] <= t1})

    def peak(self, t0, t1, col):
        return max((self.sum_at(t, col) for t in self.times(t0, t1)), default=0)


def mqherd_row(run_dir, samples, brokers, label):
    summary = json.load(open(os.path.join(run_dir, "summary.json")))
    ev = {}
    for line in open(os.path.join(run_dir, "events.jsonl")):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        key = e["kind"] + ("/" + e.get("detail", "") if e["kind"] == "phase" else "")
        ev.setdefault(key, ts(e["time"]))
    ramp0 = ev.get("phase/ramp")
    ramp1 = ev.get("ramp_complete") or ev.get("ramp_incomplete")
    end = ev.get("phase/done") or ts(summary["ended"])
    run0, run1 = ev.get("phase/run"), ev.get("phase/drain")
    h = Procs(samples, ["coordinator", "worker"])
    held = summary["agents_connected_peak"]
    lat = summary.get("latency_ms", {}).get("job_delivery", {})
    msgs = summary["messages_sent"]
    row = {
        "tool": "mqherd " + label,
        "held": f'{held:,} / {summary["agents"]:,}',
        "connect_rate": f"{held / (ramp1 - ramp0):,.0f}/s" if ramp0 and ramp1 else NA,
        "cpu_connect": ms(h.cpu(ramp0, ramp1), summary["connects"]) if ramp1 else NA,
        "rss_idle": kib(h.sum_at(ramp1, 2), held) if ramp1 else NA,
        "rss_load": kib(h.peak(ramp1, end, 2), held) if ramp1 else NA,
        "cpu_msg": ms(h.cpu(ramp1, end), msgs) if ramp1 else NA,
        "broker_cpu_msg": ms(brokers.cpu(ramp1, end), msgs) if ramp1 else NA,
        "p50": fmt(lat.get("p50")), "p99": fmt(lat.get("p99")), "p999": fmt(lat.get("p999")),
        "late": f'{summary.get("errors_by_kind", {}).get("late_dispatch", 0):,}',
        "lost": f'{summary["lost"]:,} of {summary["jobs_dispatched"]:,} jobs',
        "msgs": f"{msgs:,} ({msgs / (run1 - run0):,.0f}/s in the run phase)" if run0 and run1 else f"{msgs:,}",
        "errors": summary.get("errors_by_kind", {}),
    }
    return row


def peer_row(result, samples, brokers):
    r = json.load(open(result))
    tool = r["tool"]
    p = Procs(samples, [tool])
    start, end = r["start"], r["end"]
    # agents held: open sockets of the tool's processes, less what they hold idle
    fds = [(t, p.sum_at(t, 3)) for t in p.times(start, end)]
    base = sum(min((x[3] for x in s if start <= x[0] <= end), default=0) for s in p.series)
    held = max((n for _, n in fds), default=0) - base
    ramp_end = next((t for t, n in fds if n - base >= 0.99 * held), end) if held > 0 else end
    msgs = r.get("messages")
    if r.get("held"):
        held = r["held"]  # the tool's own count of open sessions, when it keeps one
    row = {
        "tool": r["label"],
        "held": f'{max(0, held):,} / {r["agents"]:,}',
        "connect_rate": f"{held / max(1e-9, ramp_end - start):,.0f}/s" if held > 0 else NA,
        "cpu_connect": ms(p.cpu(start, ramp_end), held) if held > 0 else NA,
        "rss_idle": NA,
        "rss_load": kib(p.peak(start, end, 2), held) if held > 0 else NA,
        "cpu_msg": ms(p.cpu(ramp_end, end), msgs_after(r, ramp_end)) if msgs else NA,
        "broker_cpu_msg": ms(brokers.cpu(ramp_end, end), msgs_after(r, ramp_end)) if msgs else NA,
        "p50": NA, "p99": NA, "p999": NA, "late": NA,
        "lost": NA,
        "msgs": f"{msgs:,}" if msgs is not None else NA,
        "note": r.get("note", ""),
    }
    return row


def msgs_after(r, t):
    """Messages sent after t, assuming the tool's even rate over its run."""
    span = max(1e-9, r["end"] - r["start"])
    return r["messages"] * max(0.0, r["end"] - t) / span


def ms(cpu_s, n):
    return f"{cpu_s * 1000 / n:.3f} ms" if n else NA


def kib(rss_kib, n):
    return f"{rss_kib / n:.1f} KiB" if n else NA


def fmt(v):
    return NA if v is None else f"{v:.2f}"


COLS = [
    ("tool", "load tool"), ("held", "agents held"), ("connect_rate", "connect rate"),
    ("cpu_connect", "harness CPU per connect"), ("rss_idle", "harness RSS per agent, idle"),
    ("rss_load", "harness RSS per agent, under load"), ("cpu_msg", "harness CPU per message"),
    ("broker_cpu_msg", "brokers' CPU per message"), ("p50", "job_delivery p50 ms"),
    ("p99", "p99 ms"), ("p999", "p99.9 ms"), ("late", "late dispatches"), ("lost", "lost"),
    ("msgs", "messages"),
]


def main():
    work = sys.argv[1]
    meta = json.load(open(os.path.join(work, "meta.json")))
    samples = load_samples(os.path.join(work, "samples.tsv"))
    brokers = Procs(samples, ["broker"])
    rows = []
    for line in open(os.path.join(work, "tools.tsv")):
        tool, path = line.split()
        if tool == "mqherd":
            run = sorted(glob.glob(os.path.join(path, "*", "summary.json")))
            if run:
                rows.append(mqherd_row(os.path.dirname(run[-1]), samples, brokers, meta.get("commit", "")))
        elif os.path.exists(path):
            rows.append(peer_row(path, samples, brokers))
    print(f'agents {meta["agents"]:,} over {meta["brokers"]} mosquitto and {meta["brokers"]} load processes; '
          f'target {meta["rate"]:,} msg/s for {meta["wall_s"]} s; {meta["machine"]}')
    print()
    print("| " + " | ".join(h for _, h in COLS) + " |")
    print("|" + "---|" * len(COLS))
    notes = []
    for r in rows:
        cells = [str(r.get(k, NA)) for k, _ in COLS]
        if r.get("note"):
            notes.append(f'{r["tool"]}: {r["note"]}')
        print("| " + " | ".join(cells) + " |")
    for r in rows:
        if r.get("errors"):
            notes.append(f'{r["tool"]} errors by kind: ' + ", ".join(f"{k} {v:,}" for k, v in sorted(r["errors"].items())))
    if notes:
        print()
        for n in notes:
            print("- " + n)


if __name__ == "__main__":
    main()
