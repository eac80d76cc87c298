#!/usr/bin/env bash
# Publishes mistral-gpu as one self-contained, trimmed linux-x64 folder (no .NET needed where it runs), to copy to a
# GPU machine that has only the NVIDIA driver and run `./mistral-gpu bench suite --out DIR` there (see the README).
# Usage: tools/publish-suite.sh [OUT_DIR]   (default: artifacts/mistral-gpu-linux-x64; it must not exist yet)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/mistral-gpu-linux-x64}"
if [ -e "$out" ]; then
  echo "error: $out already exists; remove it or give another folder (nothing is overwritten)" >&2
  exit 2
fi
dotnet publish tools/Mistral.Gpu.Cli -c Release -r linux-x64 -p:SuitePublish=true -o "$out" -v q -nologo
echo "Published $out ($(du -sm "$out" | cut -f1) MiB): copy it to the GPU machine and run $out/mistral-gpu bench suite --out report"
