#!/usr/bin/env bash
# Fetches NVIDIA's runtime CUDA compiler (NVRTC) from the non-free component of the Debian archive
# this machine already uses, and unpacks it into a folder: nothing is installed system-wide, no GPU
# is needed. The CUDA backend and the NVRTC tests find it there (or wherever MGPU_NVRTC_PATH points).
#
#   tools/fetch-nvrtc.sh [FOLDER]     default: ${XDG_CACHE_HOME:-~/.cache}/mistral-gpu/nvrtc
#
# Prints the folder holding libnvrtc.so.* on its last line. On bookworm that is libnvrtc11.2 with
# libnvrtc-builtins11.8 (NVRTC 11.8); elsewhere the newest libnvrtc the archive serves.
set -euo pipefail

dest=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/mistral-gpu/nvrtc}

library_folder() { find "$1" -name 'libnvrtc.so.*' ! -name '*builtins*' -printf '%h\n' 2>/dev/null | head -n 1; }

if [ -n "$(library_folder "$dest")" ]; then
  library_folder "$dest"
  exit 0
fi
if [ -e "$dest" ] && ! rmdir "$dest" 2>/dev/null; then
  echo "fetch-nvrtc: $dest exists and holds no libnvrtc; not touching it (remove it or name another folder)" >&2
  exit 1
fi
command -v apt-get >/dev/null && command -v dpkg >/dev/null || { echo "fetch-nvrtc: needs apt-get and dpkg (Debian or Ubuntu)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"

# The machine's Debian sources (deb822 stanzas and one-line entries) with the component set to non-free.
{
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -e "$file" ] || continue
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /URIs:[^\n]*debian/ { gsub(/Components:[^\n]*/, "Components: non-free"); print }' "$file"
  done
} > "$work/nonfree.sources"
{
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true
} | awk '$1 == "deb" && $0 ~ /debian/ { for (i = 1; i <= NF; i++) if ($i ~ /^(main|contrib|non-free|non-free-firmware)$/) $i = ""; print $0, "non-free" }' > "$work/nonfree.list"

apt_options=(
  -o Dir::Etc::sourcelist="$work/nonfree.list" -o Dir::Etc::sourceparts="$work/parts"
  -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Debug::NoLocking=1
)
# As root, apt hands downloads to its _apt user, who cannot write our private folders.
[ "$(id -u)" -eq 0 ] && apt_options+=(-o APT::Sandbox::User=root)
cp "$work/nonfree.sources" "$work/parts/nonfree.sources"
[ -s "$work/nonfree.sources" ] || [ -s "$work/nonfree.list" ] || { echo "fetch-nvrtc: no Debian source in /etc/apt to take the non-free component from" >&2; exit 1; }

apt-get -qq "${apt_options[@]}" update >&2 || { echo "fetch-nvrtc: apt-get update of the non-free component failed" >&2; exit 1; }
newest() { apt-cache "${apt_options[@]}" pkgnames "$1" | grep -E "^$1[0-9][0-9.]*\$" | sort -V | tail -n 1; }
nvrtc=$(newest libnvrtc)
builtins=$(newest libnvrtc-builtins)
[ -n "$nvrtc" ] && [ -n "$builtins" ] || { echo "fetch-nvrtc: the archive's non-free component has no libnvrtc package" >&2; exit 1; }

(cd "$work/debs" && apt-get -qq "${apt_options[@]}" download "$nvrtc" "$builtins" >&2) || { echo "fetch-nvrtc: apt-get download $nvrtc $builtins failed" >&2; exit 1; }
for deb in "$work"/debs/*.deb; do
  dpkg -x "$deb" "$work/root"
done
[ -n "$(library_folder "$work/root")" ] || { echo "fetch-nvrtc: $nvrtc holds no libnvrtc.so.*" >&2; exit 1; }

mkdir -p "$(dirname "$dest")"
mv -T "$work/root" "$dest"
echo "fetch-nvrtc: unpacked $nvrtc and $builtins into $dest" >&2
library_folder "$dest"
