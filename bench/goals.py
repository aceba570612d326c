#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Computes issue 12's performance goals from Google Benchmark JSON files.

    python3 bench/goals.py --out OUT.json [--command CMD] RESULTS.json...

Each RESULTS.json is one bench binary's --benchmark_out=... --benchmark_out_format=json file, named
after the binary (bench_walk.json, ...). OUT.json gets
    {"command": ..., "machine": {"nproc", "cpu"}, "benchmarks": {binary: raw JSON, ...},
     "goals": [{"name", "measured", "target", "holds", ["unit"], ["note"]}, ...]}
and the goals table is printed to stdout. Every figure is a same-run ratio (or a time) of two
benchmarks of one binary.

Benchmarks are named as in the goal functions below (the contract with the bench programs), by
function and arguments only, whatever binary holds them (a name in two files: the last wins): the
run-control parts Google Benchmark adds to a name ("min_time:0.200", "iterations:1", "repeats:3",
"real_time", "manual_time") are ignored. A benchmark's value is the median aggregate when the run
was repeated, else the mean of its iteration runs. A "time" is the time the benchmark is measured
by (real time for UseRealTime benchmarks, else CPU time, as in Google Benchmark's own rates);
g3's absolute figures are real time.

A goal whose benchmark is missing (not built yet, filtered out, or failed) gets
measured: null, holds: false and a note naming it; nothing here raises on missing data.
A goal without a target in the issue is "reported": holds is null once it is measured.
Standard library only (stdlib Python 3.7+).
"""
import argparse
import json
import os
import sys

IGNORED_PARTS = ("min_time:", "min_warmup_time:", "iterations:", "repeats:")
IGNORED_WORDS = ("real_time", "manual_time")
TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def normalize(name):
    """A benchmark name without its run-control components."""
    parts = [p for p in name.split("/")
             if not p.startswith(IGNORED_PARTS) and p not in IGNORED_WORDS]
    return "/".join(parts)


class Results:
    """Every run of every file, by normalized run name: medians or means of iteration runs."""

    def __init__(self):
        self.median = {}  # name -> entry of the median aggregate
        self.runs = {}    # name -> [iteration entries]

    def add_file(self, data):
        """Adds one Google Benchmark JSON document; False when it is not one (nothing added)."""
        benchmarks = data.get("benchmarks") if isinstance(data, dict) else None
        if not isinstance(benchmarks, list):
            return False
        for b in benchmarks:
            if not isinstance(b, dict) or b.get("error_occurred"):
                continue
            name = normalize(b.get("run_name", b.get("name", "")))
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") == "median":
                    self.median[name] = b
            else:
                self.runs.setdefault(name, []).append(b)
        return True

    def has(self, name):
        key = normalize(name)
        return key in self.median or key in self.runs

    def field(self, name, field):
        """The value of `field` (a counter or a time, see value_of), or None."""
        key = normalize(name)
        entries = [self.median[key]] if key in self.median else self.runs.get(key, [])
        values = [value_of(e, field) for e in entries]
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else None


def value_of(entry, field):
    """A counter of the entry, or one of its times in ns: "real_ns" (wall clock), "cpu_ns", or
    "time_ns" (the time the benchmark is measured by: real time for UseRealTime benchmarks, whose
    names say "real_time", else CPU time, as Google Benchmark's own rates use)."""
    if field in ("time_ns", "real_ns", "cpu_ns"):
        real = field == "real_ns" or (field == "time_ns" and
                                      "real_time" in entry.get("run_name", entry.get("name", "")).split("/"))
        t = entry.get("real_time" if real else "cpu_time")
        unit = TIME_UNIT_NS.get(entry.get("time_unit", "ns"))
        return None if not isinstance(t, (int, float)) or unit is None else float(t) * unit
    v = entry.get(field)
    return float(v) if isinstance(v, (int, float)) else None


class Missing(Exception):
    """A benchmark or counter a goal needs is not in the results."""


def need(results, name, field="time_ns"):
    if not results.has(name):
        raise Missing("benchmark %s missing" % name)
    v = results.field(name, field)
    if v is None:
        raise Missing("benchmark %s has no %s" % (name, field))
    return v


def ratio(results, num, den, field="time_ns"):
    """field(num) / field(den)."""
    a, b = need(results, num, field), need(results, den, field)
    if b == 0:
        raise Missing("benchmark %s: %s is 0" % (den, field))
    return a / b


def check(measured, op, bound):
    """Does `measured op bound` hold? None for a reported figure (no target)."""
    if op is None:
        return None
    return {"<=": measured <= bound, ">=": measured >= bound, "<": measured < bound}[op]


def goal(name, compute, op, bound, unit="x", target=None):
    """One goal entry; compute() returns the measured figure (or the figure and a note), or
    raises Missing."""
    target = target or ("reported" if op is None else "%s %g%s" % (op, bound, "" if unit == "x" else " " + unit))
    entry = {"name": name, "measured": None, "target": target, "holds": False, "unit": unit}
    try:
        measured = compute()
    except Missing as e:
        entry["note"] = str(e)
        return entry
    if isinstance(measured, tuple):  # (figure, note)
        measured, entry["note"] = measured
    entry["measured"] = round(measured, 4)
    entry["holds"] = check(measured, op, bound)
    return entry


# --- The goals of issue 12 (the benchmark names are the contract with the bench programs) -----

def g1_goals(r):
    """bench_explore: exploring a case-row section against making it; fast against faithful."""
    out = []
    for row in range(6):
        out.append(goal("g1 explore <= 3x make, case row %d (time fast / time make)" % row,
                        lambda row=row: ratio(r, "BM_CaseRowFast/row:%d" % row, "BM_MakeSection/row:%d" % row),
                        "<=", 3))
    out.append(goal("g1 fast >= 20x faithful at 4 updates (time faithful / time fast, row 0)",
                    lambda: ratio(r, "BM_CaseRowFaithful/row:0", "BM_CaseRowFast/row:0"), ">=", 20))
    return out


def per_section_ratio(r, num, den):
    """Time per section of num / den: by their sections/s counters when both have one, else time."""
    try:
        return ratio(r, den, num, "sections/s")
    except Missing:
        return ratio(r, num, den)


def g2_goals(r):
    """bench_run: the whole run with and without exploring, its scaling, and checking a trace."""
    run = "BM_RunDefault/explore:%d/threads:%d"
    out = []
    for t in (1, 2):
        out.append(goal("g2 run: time/section explore:1 / explore:0, %d thread%s" % (t, "s" if t > 1 else ""),
                        lambda t=t: per_section_ratio(r, run % (1, t), run % (0, t)), "<=", 2))
    out.append(goal("g2 run: sections/s 2 threads / 1 thread (explore:1)",
                    lambda: ratio(r, run % (1, 2), run % (1, 1), "sections/s"), ">=", 1.7))
    out.append(goal("g2 check 400k sections / make 400k sections (time)",
                    lambda: ratio(r, "BM_CheckSections400k", "BM_MakeSections400k"), "<=", 1.5))
    return out


def g3_goals(r):
    """bench_explore: one batched section of n PTE writes, explored fast."""
    ms = 1e6
    return [
        goal("g3 batched n=512 explored (real time)", lambda: need(r, "BM_BatchedFast/n:512", "real_ns") / ms,
             "<", 0.25, unit="ms"),
        goal("g3 batched n=4096 explored (real time)", lambda: need(r, "BM_BatchedFast/n:4096", "real_ns") / ms,
             "<", 2, unit="ms"),
    ]


def ns_per_walk(r, num, den):
    """ratio(num, den) with a note of both sides' ns per walk (from items_per_second)."""
    figure = ratio(r, num, den)
    try:
        a, b = (1e9 / need(r, n, "items_per_second") for n in (num, den))
    except (Missing, ZeroDivisionError):
        return figure
    return figure, "%s %.2f ns/walk, %s %.2f ns/walk" % (num, a, den, b)


def g4_goals(r):
    """bench_walk: pt_map against the flat-array floor and the hash-map model of the Coq maps."""
    out = []
    for temp in ("Hot", "Cold"):
        t = temp.lower()
        out.append(goal("g4 walk %s: engine pt_map / flat-array floor (time)" % t,
                        lambda temp=temp: ns_per_walk(r, "BM_Walk%sEngine" % temp, "BM_Walk%sFloor" % temp),
                        "<=", 1.3))
    for temp in ("Hot", "Cold"):
        t = temp.lower()
        out.append(goal("g4 walk %s: hash-map model / engine pt_map (time)" % t,
                        lambda temp=temp: ns_per_walk(r, "BM_Walk%sHashMap" % temp, "BM_Walk%sEngine" % temp),
                        ">=", 10))
    return out


def g5_goals(r):
    """bench_map: set_npt throughput scaling, lock contention, RSS per mapped page."""
    ips = "items_per_second"
    return [
        goal("g5 map: set_npt pages/s, 2 threads on 2 VMs / 1 thread",
             lambda: with_cpu_scaling(r, ratio(r, "BM_SetNptVms/threads:2", "BM_SetNptVms/threads:1", ips)),
             ">=", 1.8),
        goal("g5 map: set_npt pages/s, 2 threads on one VM / 1 thread (lock contention)",
             lambda: ratio(r, "BM_SetNptOneVm/threads:2", "BM_SetNptVms/threads:1", ips), None, None),
        goal("g5 map: RSS bytes per mapped 4 KiB page (dense: 1 GiB of pages)",
             lambda: need(r, "BM_MapRss", "rss_bytes_per_page"), None, None, unit="bytes"),
        goal("g5 map: RSS bytes per mapped 4 KiB page (sparse: 1 page in 8)",
             lambda: need(r, "BM_MapRssSparse", "rss_bytes_per_page"), None, None, unit="bytes"),
    ]


def with_cpu_scaling(r, measured):
    """The wall-clock scaling, with a note of the scaling the CPU time per page allows (what two
    threads would reach with both cores to themselves), which other load cannot skew."""
    try:
        one = need(r, "BM_SetNptVms/threads:1", "cpu_ns")
        two = need(r, "BM_SetNptVms/threads:2", "cpu_ns")
    except Missing:
        return measured
    return measured, ("CPU time per page %.1f ns with 1 thread, %.1f ns with 2: CPU-bound scaling %.2fx"
                      % (one, two, 2 * one / two))


def g6_goals(r):
    """bench_run: peak RSS of a run against the engine's page-table memory."""
    return [goal("g6 memory: peak RSS / engine page-table memory",
                 lambda: need(r, "BM_RunMemory", "peak_rss_mb") / nonzero(need(r, "BM_RunMemory", "engine_pt_mb")),
                 "<=", 2)]


def nonzero(v):
    if v == 0:
        raise Missing("benchmark BM_RunMemory: engine_pt_mb is 0")
    return v


def rates_note(r, num, den, counter, fmt):
    """ratio of `counter` (num / den), with a note of both sides' figures: fmt % rate."""
    figure = ratio(r, num, den, counter)
    return figure, "%s %s, %s %s" % (num, fmt(need(r, num, counter)), den, fmt(need(r, den, counter)))


def g7_goals(r):
    """bench_casemate: the casemate and recorder inputs against the engine-driven run."""
    engine, casemate, recorder = "BM_EnginePath/policy:0", "BM_CasemateText/policy:0", "BM_Recorder/policy:0"
    return [
        goal("g7 input: casemate check records/s / engine-driven run records/s (sekvm)",
             lambda: rates_note(r, casemate, engine, "records/s", lambda v: "%.0fk records/s" % (v / 1e3)),
             None, None),
        goal("g7 input: recorder cost per write / engine-driven run cost per write (sekvm)",
             lambda: rates_note(r, engine, recorder, "writes/s", lambda v: "%.0f ns/write" % (1e9 / v)),
             None, None),
    ]


def issue20_goals(r):
    """bench_tlb and bench_run: the TLB pass at the TPT check's cost (issue 20 item 1), the check no
    larger than the tables it checks (item 5; explore on / off is g2's goal, fast / faithful g1's)."""
    run_on, run_off = "BM_RunTlb/tlb:1", "BM_RunTlb/tlb:0"
    text_on, text_off = "BM_CheckText/tlb:1", "BM_CheckText/tlb:0"
    return [
        goal("i20.1 run --tlb on / off, time (ptx run --vms 2 --ops 500000 --threads 1)",
             lambda: rates_note(r, run_off, run_on, "sections/s", lambda v: "%.0fk sections/s" % (v / 1e3)),
             "<=", 1.25),
        goal("i20.1 run --tlb on / off, peak RSS (the same run)",
             lambda: rates_note(r, run_on, run_off, "peak_rss_mb", lambda v: "%.1f MB" % v), "<=", 1.25),
        goal("i20.1 casemate check --tlb on / off, time (1 thread)",
             lambda: rates_note(r, text_off, text_on, "records/s", lambda v: "%.0fk records/s" % (v / 1e3)),
             "<=", 1.10),
        goal("i20.5 memory: peak RSS / engine page-table memory (default run)",
             lambda: need(r, "BM_RunMemory", "peak_rss_mb") / nonzero(need(r, "BM_RunMemory", "engine_pt_mb")),
             "<=", 1.3),
    ]


def issue20_4_goals(r):
    """bench_casemate: traces at disk speed (issue 20 item 4), on the bench's trace in memory; the
    4 M-record trace's figures are in docs/performance.md."""
    one, two = "BM_CasemateText/policy:0", "BM_CasemateText2/policy:0"
    millions = lambda name: need(r, name, "records/s") / 1e6
    return [
        goal("i20.4 casemate check records/s, 1 thread (sekvm)", lambda: millions(one), ">=", 2,
             unit="M records/s"),
        goal("i20.4 casemate check records/s, 2 threads / 1 thread (sekvm)",
             lambda: rates_note(r, two, one, "records/s", lambda v: "%.2fM records/s" % (v / 1e6)), None, None),
        goal("i20.4 ptx trace check records/s of the same sections, 1 thread (sekvm)",
             lambda: millions("BM_PtxTrace/policy:0/threads:1"), None, None, unit="M records/s"),
        goal("i20.4 ptx trace check records/s of the same sections, 2 threads (sekvm)",
             lambda: millions("BM_PtxTrace/policy:0/threads:2"), None, None, unit="M records/s"),
    ]


def issue21_goals(r):
    """bench_schedules: thread schedules of Linux's code (issue 21 item 6)."""
    return [
        goal("i21 schedules/s, linux-6.12 same-page, every check, 1 thread",
             lambda: need(r, "BM_Schedules/check:1", "schedules/s"), ">=", 2000, unit="schedules/s"),
        goal("i21 schedules/s every check / run only",
             lambda: rates_note(r, "BM_Schedules/check:1", "BM_Schedules/check:0", "schedules/s",
                                lambda v: "%.0f schedules/s" % v), None, None),
        goal("i21 entry accesses/s with a thread switch at each / with none",
             lambda: rates_note(r, "BM_Handoff/sched:1", "BM_Handoff/sched:0", "accesses/s",
                                lambda v: "%.3gM accesses/s" % (v / 1e6)), None, None),
    ]


def all_goals(r):
    return (g1_goals(r) + g2_goals(r) + g3_goals(r) + g4_goals(r) + g5_goals(r) + g6_goals(r) + g7_goals(r) +
            issue20_goals(r) + issue20_4_goals(r) + issue21_goals(r))


# --- Output -----------------------------------------------------------------------------------

def machine():
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu}


def fmt_measured(g):
    if g["measured"] is None:
        return "-"
    return "%.3g %s" % (g["measured"], g["unit"]) if g["unit"] != "x" else "%.3gx" % g["measured"]


def print_table(goals, out):
    out.write("| goal | measured | target | holds |\n|---|---:|---|---|\n")
    for g in goals:
        holds = {True: "yes", False: "NO", None: "(reported)"}[g["holds"]]
        note = " (%s)" % g["note"] if "note" in g else ""
        out.write("| %s | %s | %s | %s%s |\n" % (g["name"], fmt_measured(g), g["target"], holds, note))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="the JSON file to write")
    ap.add_argument("--command", default=None, help="the command that ran the benchmarks (recorded)")
    ap.add_argument("results", nargs="*", help="Google Benchmark JSON files, one per bench binary")
    a = ap.parse_args(argv)
    r, raw = Results(), {}
    for path in a.results:
        name = os.path.splitext(os.path.basename(path))[0]
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            sys.stderr.write("goals.py: %s: %s (its goals will be missing)\n" % (path, e))
            continue
        if not r.add_file(data):
            sys.stderr.write("goals.py: %s: not Google Benchmark JSON (no benchmarks list)\n" % path)
            continue
        raw[name] = data
    goals = all_goals(r)
    doc = {"command": a.command, "machine": machine(), "benchmarks": raw, "goals": goals}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print_table(goals, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
