#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Self-test of bench/goals.py (CTest: bench_goals): feeds it small hand-made Google Benchmark JSON
# files and checks the goals it computes: medians over iteration runs, run-control name parts,
# real/CPU time, counters, a missing benchmark (measured null, holds false, a note), files that are
# unreadable or not Google Benchmark JSON. Runs no benchmark.
#   bash tests/bench/goals_test.sh [path/to/goals.py]
set -euo pipefail
goals=${1:-$(cd "$(dirname "$0")/../.." && pwd)/bench/goals.py}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'EOF'
import json, sys
d = sys.argv[1]

def it(name, real, cpu=None, unit="ns", **counters):
    e = {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 1,
         "iterations": 10, "real_time": real, "cpu_time": real if cpu is None else cpu,
         "time_unit": unit}
    e.update(counters)
    return e

def med(name, real, cpu=None, unit="ns", **counters):
    e = it(name, real, cpu, unit, **counters)
    e.update({"name": name + "_median", "run_type": "aggregate", "aggregate_name": "median"})
    return e

def write(binary, entries):
    with open("%s/%s.json" % (d, binary), "w") as f:
        json.dump({"context": {"date": "test"}, "benchmarks": entries}, f)

explore = []
for row in range(6):  # fast = 2 x make, CPU time (wall time inflated by a busy machine)
    explore.append(it("BM_CaseRowFast/row:%d/min_time:0.200" % row, 900, 200))
    if row != 5:      # BM_MakeSection/row:5 missing
        explore.append(it("BM_MakeSection/row:%d/min_time:0.200" % row, 100, 100))
explore.append(it("BM_CaseRowFaithful/row:0/min_time:0.200", 5000, 5000))   # 25x fast
explore.append(it("BM_BatchedFast/n:512/min_time:0.200", 200, 150, "us"))    # 0.2 ms real
explore.append({"name": "BM_BatchedFast/n:4096", "run_name": "BM_BatchedFast/n:4096",
                "run_type": "iteration", "error_occurred": True, "error_message": "x"})
write("bench_explore", explore)

run = [  # repeated: the median aggregate is used, not the iteration runs
    it("BM_RunDefault/explore:1/real_time/threads:1", 999, **{"sections/s": 1.0}),
    med("BM_RunDefault/explore:1/real_time/threads:1", 3, **{"sections/s": 100.0}),
    med("BM_RunDefault/explore:0/real_time/threads:1", 1, **{"sections/s": 250.0}),
    med("BM_RunDefault/explore:1/real_time/threads:2", 2, **{"sections/s": 180.0}),
    med("BM_RunDefault/explore:0/real_time/threads:2", 1, **{"sections/s": 300.0}),
    med("BM_CheckSections400k/iterations:1/real_time", 1.2, unit="s"),
    med("BM_MakeSections400k/iterations:1/real_time", 1000, unit="ms"),
    med("BM_RunMemory/iterations:1", 1, peak_rss_mb=300.0, engine_pt_mb=100.0),
]
write("bench_run", run)

write("bench_walk", [
    it("BM_WalkHotEngine", 240), it("BM_WalkHotFloor", 200), it("BM_WalkHotHashMap", 1200),
    it("BM_WalkColdEngine", 3000), it("BM_WalkColdFloor", 2000), it("BM_WalkColdHashMap", 6000),
])
write("bench_map", [
    it("BM_SetNptVms/iterations:1048576/real_time/threads:1", 80, 80, items_per_second=10e6),
    it("BM_SetNptVms/iterations:1048576/real_time/threads:2", 90, 90, items_per_second=19e6),
    it("BM_SetNptOneVm/iterations:1048576/real_time/threads:2", 200, 400, items_per_second=5e6),
    it("BM_MapRss/iterations:1", 1, rss_bytes_per_page=8.25),
])
write("bench_casemate", [
    it("BM_EnginePath/policy:0/min_time:0.500/real_time", 1, **{"records/s": 400e3, "writes/s": 200e3}),
    it("BM_CasemateText/policy:0/min_time:0.500/real_time", 1, **{"records/s": 100e3}),
    it("BM_CasemateText2/policy:0/min_time:0.500/real_time", 1, **{"records/s": 150e3}),
    it("BM_PtxTrace/policy:0/threads:1/min_time:0.500/real_time", 1, **{"records/s": 2.5e6}),
    it("BM_Recorder/policy:0/min_time:0.500/real_time", 1, **{"writes/s": 50e3}),
])
write("bench_tlb", [  # the engine path 1.5x slower and 1.2x larger with the TLB pass; casemate 1.05x
    med("BM_RunTlb/tlb:0/iterations:1/real_time", 1, unit="s", **{"sections/s": 300e3, "peak_rss_mb": 40.0}),
    med("BM_RunTlb/tlb:1/iterations:1/real_time", 1.5, unit="s", **{"sections/s": 200e3, "peak_rss_mb": 48.0}),
    it("BM_CheckText/tlb:0/min_time:1.000/real_time", 1, **{"records/s": 1.05e6}),
    it("BM_CheckText/tlb:1/min_time:1.000/real_time", 1, **{"records/s": 1.0e6}),
])
with open("%s/bench_broken.json" % d, "w") as f:
    f.write("{ not json")
with open("%s/bench_other.json" % d, "w") as f:
    json.dump({"benchmarks": "not a list", "goals": []}, f)
EOF

cd "$tmp"
python3 "$goals" --out out.json --command "test" bench_explore.json bench_run.json bench_walk.json \
  bench_map.json bench_casemate.json bench_tlb.json bench_broken.json bench_other.json no_such_file.json >table.txt 2>stderr.txt

python3 - "$tmp" <<'EOF'
import json, sys
d = sys.argv[1]
doc = json.load(open(d + "/out.json"))
goals = {g["name"]: g for g in doc["goals"]}
failures = []

def find(prefix):
    hits = [g for n, g in goals.items() if n.startswith(prefix)]
    if len(hits) != 1:
        failures.append("%d goals named %r..." % (len(hits), prefix))
        return {"measured": None, "holds": None, "target": None}
    return hits[0]

def expect(prefix, measured, holds, note=None):
    g = find(prefix)
    m = g["measured"]
    if (measured is None) != (m is None) or (m is not None and abs(m - measured) > 1e-3 * max(1, abs(measured))):
        failures.append("%s: measured %r, expected %r" % (prefix, m, measured))
    if g["holds"] is not holds:
        failures.append("%s: holds %r, expected %r" % (prefix, g["holds"], holds))
    if note is not None and note not in g.get("note", ""):
        failures.append("%s: note %r lacks %r" % (prefix, g.get("note"), note))
    for key in ("name", "measured", "target", "holds"):
        if key not in g:
            failures.append("%s: no %r" % (prefix, key))

for row in range(5):
    expect("g1 explore <= 3x make, case row %d" % row, 2.0, True)
expect("g1 explore <= 3x make, case row 5", None, False, "benchmark BM_MakeSection/row:5 missing")
expect("g1 fast >= 20x faithful", 25.0, True)
expect("g2 run: time/section explore:1 / explore:0, 1 thread", 2.5, False)
expect("g2 run: time/section explore:1 / explore:0, 2 threads", 300 / 180, True)
expect("g2 run: sections/s 2 threads / 1 thread", 1.8, True)
expect("g2 check 400k", 1.2, True)
expect("g3 batched n=512", 0.2, True)
expect("g3 batched n=4096", None, False, "benchmark BM_BatchedFast/n:4096 missing")
expect("g4 walk hot: engine pt_map / flat-array floor", 1.2, True)
expect("g4 walk cold: engine pt_map / flat-array floor", 1.5, False)
expect("g4 walk hot: hash-map model / engine", 5.0, False)
expect("g4 walk cold: hash-map model / engine", 2.0, False)
expect("g5 map: set_npt pages/s, 2 threads on 2 VMs", 1.9, True, "CPU-bound scaling 1.78x")
expect("g5 map: set_npt pages/s, 2 threads on one VM", 0.5, None)
expect("g5 map: RSS bytes per mapped 4 KiB page (dense", 8.25, None)
expect("g5 map: RSS bytes per mapped 4 KiB page (sparse", None, False, "benchmark BM_MapRssSparse missing")
expect("g6 memory", 3.0, False)
expect("g7 input: casemate check records/s", 0.25, None)
expect("g7 input: recorder cost per write", 4.0, None)
expect("i20.4 casemate check records/s, 1 thread", 0.1, False)
expect("i20.4 casemate check records/s, 2 threads / 1 thread", 1.5, None)
expect("i20.4 ptx trace check records/s of the same sections, 1 thread", 2.5, None)
expect("i20.4 ptx trace check records/s of the same sections, 2 threads", None, False,
       "benchmark BM_PtxTrace/policy:0/threads:2 missing")
expect("i21 schedules/s, linux-6.12 same-page, every check", None, False, "benchmark BM_Schedules/check:1 missing")
expect("i20.1 run --tlb on / off, time", 1.5, False, "300k sections/s")
expect("i20.1 run --tlb on / off, peak RSS", 1.2, True, "48.0 MB")
expect("i20.1 casemate check --tlb on / off, time", 1.05, True)
expect("i20.5 memory: peak RSS / engine page-table memory", 3.0, False)
if len(doc["goals"]) != 35:
    failures.append("%d goals, expected 35" % len(doc["goals"]))
if sorted(doc["benchmarks"]) != ["bench_casemate", "bench_explore", "bench_map", "bench_run", "bench_tlb", "bench_walk"]:
    failures.append("raw benchmarks kept: %r" % sorted(doc["benchmarks"]))
if doc["command"] != "test" or "nproc" not in doc["machine"]:
    failures.append("command/machine: %r %r" % (doc["command"], doc["machine"]))
table = open(d + "/table.txt").read()
if "| g4 walk hot: engine pt_map / flat-array floor (time) | 1.2x | <= 1.3 | yes |" not in table:
    failures.append("table lacks the g4 hot row:\n" + table)
stderr = open(d + "/stderr.txt").read()
if any(f not in stderr for f in ("bench_broken.json", "bench_other.json", "no_such_file.json")):
    failures.append("unreadable files not reported: " + stderr)
for f in failures:
    print("FAIL:", f)
print("goals_test: %s (%d goals)" % ("FAILED" if failures else "ok", len(doc["goals"])))
sys.exit(1 if failures else 0)
EOF
