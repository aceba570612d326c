#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs what ptx needs on Debian 12 (by package name), only where something is missing.
set -euo pipefail
PKGS=(cmake g++ make libtbb-dev libboost-dev libgtest-dev libgmock-dev libbenchmark-dev
      libcli11-dev nlohmann-json3-dev libfmt-dev graphviz pkg-config
      chromium chromium-driver python3-selenium clang libclang-rt-14-dev ccache)
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
