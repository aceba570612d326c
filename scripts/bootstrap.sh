#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs what ptx needs on Debian 12 (by package name), only where something is missing.
set -euo pipefail
PKGS=(cmake g++ make libtbb-dev libboost-dev libgtest-dev libgmock-dev libbenchmark-dev
      libcli11-dev nlohmann-json3-dev libfmt-dev graphviz pkg-config
      chromium chromium-driver python3-selenium clang libclang-rt-14-dev ccache python3-jsonschema
      # Linux's source trees (tarballs under /usr/src), for the kernel engines linux-6.1 and
      # linux-6.12 (linux/; docs/linux-engine.md). Without them ptx builds with its other engines.
      linux-source-6.1 linux-source-6.12 patch xz-utils)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "bootstrap: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# The SARIF validator of tests/report/sarif_validate.py: Microsoft's SARIF Multitool, from npm (the
# Linux build, a self-contained program), into .tools/ of this checkout (ignored by git).
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v npm >/dev/null; then  # Debian's npm, unless a Node.js with its npm is there already
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
MULTITOOL="$ROOT/.tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -x "$MULTITOOL" ]; then
  echo "bootstrap: installing @microsoft/sarif-multitool-linux (npm) into .tools/"
  npm install --prefix "$ROOT/.tools" --no-audit --no-fund --loglevel=error @microsoft/sarif-multitool-linux@5.7.0
  chmod u+x "$MULTITOOL"
fi
