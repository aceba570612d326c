#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Regenerates the golden files of tests/cli/golden_report_test.cc that come from qemu-virt runs
# with BUILD_DIR's ptx: the --tlb off reports of tests/data/ and the --tlb off run summary of
# tests/data/golden_tlb_off/ (without the lines of speeds and memory, as the test compares it).
# Only for a deliberate change of the report format or of the qemu-virt workload: say so in the
# commit that runs it.
#   scripts/regenerate_golden.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
PTX=${1:-build}/tools/ptx/ptx
"$PTX" run --vms 2 --ops 200 --tlb off --report-all --quiet --report tests/data/qemu_virt_2x200_report_all.json >/dev/null
"$PTX" run --vms 2 --ops 200 --sections batched --compare translation --tlb off --report-all --quiet \
  --report tests/data/qemu_virt_2x200_batched_translation_report_all.json >/dev/null
# Exit 1: the two-step-update engine's violations.
"$PTX" run --engine two-step-update --vms 1 --ops 2000 --threads 1 --tlb off 2>/dev/null |
  grep -v -e '/s ' -e '^memory:' >tests/data/golden_tlb_off/run_two_step_update_1x2000.txt || true
echo "regenerated tests/data/qemu_virt_2x200_*.json and tests/data/golden_tlb_off/run_two_step_update_1x2000.txt"
