#!/usr/bin/env python3
"""Checks one cluster run directory for test-cluster.sh.

    check_cluster.py killed    --out DIR --rc N --worker worker-2 [--takeover-within 15]
    check_cluster.py partition --out DIR --rc N --worker worker-3
    check_cluster.py nojoin    --out DIR --worker worker-1
    check_cluster.py replaced  --out DIR --rc N --worker worker-1 [--takeover-within 15]

Prints every figure it looks at, then one line per check: "  ok    what" or
"  FAIL  what: why". test-cluster.sh counts those lines; the exit code is 1
when a check failed (2 when the run directory cannot be read at all).
"""
import argparse
import glob
import json
import re
import os
import sys
from datetime import datetime

FIGURES = ("agents", "agents_connected_peak", "jobs_dispatched", "jobs_completed",
           "lost", "errors", "errors_by_kind")


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, ok, what, why=""):
        if ok:
            print(f"  ok    {what}")
        else:
            self.failed += 1
            print(f"  FAIL  {what}" + (f": {why}" if why else ""))
        return ok


def run_dir(out):
    """The coordinator's run directory: the newest out/*/ holding summary.json
    or events.jsonl (workers' partial run directories are under out/workers/)."""
    found = glob.glob(os.path.join(out, "*", "summary.json"))
    if not found:
        found = glob.glob(os.path.join(out, "*", "events.jsonl"))
    if not found:
        return None
    return os.path.dirname(max(found, key=os.path.getmtime))


def load_summary(d):
    p = os.path.join(d, "summary.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)


def load_events(d):
    p = os.path.join(d, "events.jsonl")
    events = []
    if not os.path.exists(p):
        return events
    with open(p) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
            except json.JSONDecodeError as err:
                print(f"  (events.jsonl:{n}: not JSON: {err})")
                continue
            e["_t"] = parse_time(e.get("time", ""))
            events.append(e)
    return events


def parse_time(s):
    """RFC 3339 with up to nanoseconds (Go's time.Time JSON)."""
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        return None


def about(e, worker):
    """Whether event e concerns worker (its worker field, else its detail)."""
    if e.get("worker"):
        return e["worker"] == worker
    return worker in (e.get("detail") or "")


def show_event(e, t0):
    rel = ""
    if t0 and e["_t"]:
        rel = f"{(e['_t'] - t0).total_seconds():+7.1f}s "
    print(f"    {rel}{e.get('kind', '?'):<20} {e.get('worker', ''):<10} {e.get('detail', '')}")


def show_figures(s):
    print("  summary: " + ", ".join(f"{k}={json.dumps(s.get(k))}" for k in FIGURES))
    for w in s.get("workers") or []:
        print("    worker " + ", ".join(f"{k}={json.dumps(v)}" for k, v in w.items()))


def worker_entry(s, name):
    for w in s.get("workers") or []:
        if w.get("name") == name:
            return w
    return None


def accounting(c, s, tolerance=0, why_tolerated=""):
    d, done, lost = s.get("jobs_dispatched"), s.get("jobs_completed"), s.get("lost")
    what = f"no job vanished: jobs_dispatched {d} == jobs_completed {done} + lost {lost}"
    if None in (d, done, lost):
        c.check(False, what, "field missing from summary.json")
        return
    gap = d - done - lost
    if s.get("jobs_accounting_gap") != gap:
        c.check(False, "summary.json reports jobs_accounting_gap", f"{s.get('jobs_accounting_gap')} != {gap}")
    if tolerance:
        what += f" within {tolerance} ({why_tolerated}); gap {gap}"
    why = (f"{gap} dispatched jobs neither completed nor counted lost" if gap > 0
           else f"{-gap} more jobs completed or lost than dispatched (counted twice)")
    c.check(abs(gap) <= tolerance and d > 0, what, why if gap else "no jobs dispatched")


def inherited(events):
    """How many outstanding jobs survivors inherited, from the reassigned events."""
    n = 0
    for e in events:
        if e.get("kind") == "reassigned":
            m = re.search(r"(\d+) outstanding jobs inherited", e.get("detail", ""))
            n += int(m.group(1)) if m else 0
    return n


def common(c, args):
    """Loads the run; checks the exit code. Returns (summary, events) or None."""
    c.check(args.rc == 0, f"coordinator exit code {args.rc} == 0")
    d = run_dir(args.out)
    if d is None:
        c.check(False, "run directory written", f"no summary.json or events.jsonl under {args.out}")
        return None
    print(f"  run directory {d}")
    s, events = load_summary(d), load_events(d)
    if not c.check(s is not None, "summary.json written"):
        return None
    show_figures(s)
    print("  events (time relative to the first):")
    t0 = events[0]["_t"] if events else None
    for e in events:
        show_event(e, t0)
    return s, events


def killed(c, args):
    loaded = common(c, args)
    if loaded is None:
        return
    s, events = loaded
    lost = [e for e in events if e.get("kind") == "worker_lost" and about(e, args.worker)]
    c.check(bool(lost), f"worker_lost event for {args.worker}")
    reassigned = [e for e in events if e.get("kind") == "reassigned"]
    c.check(bool(reassigned), "reassigned event: " + "; ".join(
        (e.get("worker", "") + " " + e.get("detail", "")).strip() for e in reassigned))
    if lost:
        t_lost = lost[0]["_t"]
        takeovers = [e for e in events if e.get("kind") == "takeover_connected"
                     and e["_t"] and t_lost and e["_t"] >= t_lost]
        delays = [(e["_t"] - t_lost).total_seconds() for e in takeovers]
        desc = ", ".join(f"{e.get('worker', '?')} +{dt:.1f}s ({e.get('detail', '')})"
                         for e, dt in zip(takeovers, delays))
        c.check(bool(takeovers) and max(delays) <= args.takeover_within,
                f"takeover_connected within {args.takeover_within:g}s of worker_lost: {desc or 'none'}")
    w = worker_entry(s, args.worker)
    c.check(w is not None and w.get("state") == "lost",
            f"summary workers lists {args.worker} with state \"lost\"",
            f"entry {json.dumps(w)}")
    accounting(c, s)


def replaced(c, args):
    """A worker pod deleted under Kubernetes: its Job starts a replacement
    under the same name. What killed checks, plus: every agent connected,
    and the replacement was recognised (worker_replaced) and given nothing."""
    killed(c, args)
    d = run_dir(args.out)
    if d is None:
        return
    s, events = load_summary(d), load_events(d)
    if s is None:
        return
    c.check(s.get("agents_connected_peak") == s.get("agents"),
            f"every agent connected: agents_connected_peak {s.get('agents_connected_peak')} == agents {s.get('agents')}")
    rep = [e for e in events if e.get("kind") == "worker_replaced" and about(e, args.worker)]
    c.check(bool(rep), f"worker_replaced event for {args.worker}: " + "; ".join(e.get("detail", "") for e in rep))
    lost = [e for e in events if e.get("kind") == "worker_lost" and about(e, args.worker)]
    c.check(len(lost) == 1, f"{args.worker} declared lost once ({len(lost)} worker_lost events)")
    back = [e for e in events if e.get("kind") == "worker_back" and about(e, args.worker)]
    c.check(not back, f"the replacement was not taken for {args.worker} coming back (no worker_back)")
    moved_to = [e for e in events if e.get("kind") == "takeover_connected" and about(e, args.worker)]
    c.check(not moved_to, f"no agents taken over by {args.worker}'s name after it was lost")


def partition(c, args):
    loaded = common(c, args)
    if loaded is None:
        return
    s, events = loaded
    mine = [e for e in events if about(e, args.worker) and e.get("kind") != "phase"]
    w = worker_entry(s, args.worker)
    state = w.get("state") if w else "absent from summary"
    print(f"  {args.worker}: {fate(mine)}; summary state: {state}")
    # Across a partition, jobs in flight at the cut (at most what the
    # isolated worker had outstanding at its last report, which survivors
    # inherit) can be counted on both sides or neither; the summary says so.
    accounting(c, s, inherited(events), "jobs in flight at the cut")


def fate(mine):
    """What became of a partitioned worker, from its events in order."""
    kinds = [e.get("kind") for e in mine]
    if "worker_lost" not in kinds:
        if "worker_suspect" in kinds:
            return "suspected, but back within the loss grace: it survived the partition"
        return "never suspected: it survived the partition"
    after = mine[kinds.index("worker_lost") + 1:]
    back = [e for e in after if e.get("kind") in ("worker_joined", "worker_returned", "worker_back")]
    if not back:
        return "declared lost and never heard of again"
    t_lost, t_back = mine[kinds.index("worker_lost")]["_t"], back[0]["_t"]
    dt = f" {(t_back - t_lost).total_seconds():.1f}s later" if t_lost and t_back else ""
    how = "rejoined as a new worker" if back[0].get("kind") == "worker_joined" else "came back"
    return f"declared lost, then {how}{dt}: {back[0].get('kind')} {back[0].get('detail', '')}"


def nojoin(c, args):
    d = run_dir(args.out)
    events = load_events(d) if d else []
    joined = [e for e in events if e.get("kind") == "worker_joined" and about(e, args.worker)]
    c.check(not joined, f"events.jsonl has no worker_joined for {args.worker}"
            + ("" if d else " (no run directory written)"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["killed", "partition", "nojoin", "replaced"])
    p.add_argument("--out", required=True)
    p.add_argument("--rc", type=int, default=0)
    p.add_argument("--worker", required=True)
    p.add_argument("--takeover-within", type=float, default=15.0)
    args = p.parse_args()
    c = Checks()
    {"killed": killed, "partition": partition, "nojoin": nojoin, "replaced": replaced}[args.mode](c, args)
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
