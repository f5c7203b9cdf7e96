"""Reads hotpath.sh's /proc samples and the run directory; prints the
columns of issue 14's table. Usage: hotpath.py MODE SAMPLES RUNDIR CLK_TCK"""
import json
import sys
from datetime import datetime


def when(v):
    return datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()


def load_samples(path):
    rows = []
    for line in open(path):
        f = line.split()
        if line.startswith("#") or "-" in f[1:] or len(f) < 5:
            continue
        rows.append((float(f[0]), int(f[1]), int(f[2]), int(f[3]), int(f[4])))
    return rows


def at(rows, t, col):
    """Linear interpolation of column col at time t."""
    prev = rows[0]
    for r in rows:
        if r[0] >= t:
            if r[0] == prev[0]:
                return r[col]
            return prev[col] + (r[col] - prev[col]) * (t - prev[0]) / (r[0] - prev[0])
        prev = r
    return rows[-1][col]


def events(rundir):
    ev = {}
    for line in open(rundir + "/events.jsonl"):
        e = json.loads(line)
        key = e["kind"] if e["kind"] != "phase" else "phase:" + e.get("detail", "")
        ev.setdefault(key, when(e["time"]))
    return ev


def main():
    mode, samples, rundir, tck = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("/"), int(sys.argv[4])
    rows = load_samples(samples)
    ev = events(rundir)
    s = json.load(open(rundir + "/summary.json"))
    agents, connects = s["agents"], s["connects"]
    r0, r1 = ev["phase:ramp"], ev.get("ramp_complete", ev.get("phase:run"))
    run0, drain = ev["phase:run"], ev.get("phase:drain", rows[-1][0])
    done = ev.get("phase:done", rows[-1][0])
    ms = lambda col, a, b: (at(rows, b, col) - at(rows, a, col)) * 1000.0 / tck
    print(f"agents {agents}, connected peak {s['agents_connected_peak']}, connects {connects}, errors {s['errors']} {s['errors_by_kind']}")
    print(f"ramp {r1 - r0:.1f} s ({agents / (r1 - r0):.0f}/s)")
    print(f"harness CPU per connect   {ms(1, r0, r1) / connects:.3f} ms   (mosquitto {ms(3, r0, r1) / connects:.3f} ms)")
    base = at(rows, r0, 2)
    print(f"harness RSS per agent     end of ramp {(at(rows, r1, 2) - base) / agents:.1f} KiB,"
          f" end of run phase {(at(rows, drain, 2) - base) / agents:.1f} KiB   (before ramp {base:.0f} KiB,"
          f" peak {max(r[2] for r in rows):.0f} KiB)")
    bbase = at(rows, r0, 4)
    print(f"mosquitto RSS per agent   end of ramp {(at(rows, r1, 4) - bbase) / agents:.1f} KiB,"
          f" end of run phase {(at(rows, drain, 4) - bbase) / agents:.1f} KiB")
    msgs = s["messages_sent"] + s["messages_received"]
    cpu_run = ms(1, run0, drain)
    print(f"run phase {drain - run0:.1f} s: harness {cpu_run / 10 / (drain - run0):.1f}% of a core,"
          f" mosquitto {ms(3, run0, drain) / 10 / (drain - run0):.1f}%")
    if msgs:
        print(f"harness CPU per message sent or received   {ms(1, run0, done) * 1000 / msgs:.1f} us"
              f"   ({s['messages_sent']} sent + {s['messages_received']} received, run+drain)")
    lat = s["latency_ms"].get("job_delivery", {})
    fmt = lambda k: f"{lat.get(k, float('nan')):.2f}"
    late = s["errors_by_kind"].get("late_dispatch", 0)
    print(f"job_delivery p50/p99/p99.9  {fmt('p50')} / {fmt('p99')} / {fmt('p999')} ms;"
          f" late {late} of {s['jobs_dispatched']} jobs; lost {s['lost']}; out_of_order {s['out_of_order']}; duplicates {s['duplicates']}")


main()
