#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Regenerates the golden reports of tests/cli/golden_report_test.cc with BUILD_DIR's ptx.
# Only for a deliberate report format change: say so in the commit that runs it.
#   scripts/regenerate_golden.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
PTX=${1:-build}/tools/ptx/ptx
"$PTX" run --vms 2 --ops 200 --report-all --quiet --report tests/data/qemu_virt_2x200_report_all.json >/dev/null
"$PTX" run --vms 2 --ops 200 --sections batched --compare translation --report-all --quiet \
  --report tests/data/qemu_virt_2x200_batched_translation_report_all.json >/dev/null
echo "regenerated tests/data/qemu_virt_2x200_*.json"
