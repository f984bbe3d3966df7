#!/usr/bin/env bash
# Fetch NVIDIA's own NVML packages (libnvidia-ml1: the real libnvidia-ml.so.1; libnvidia-ml-dev: nvml.h)
# from Debian non-free into build/nvml, without touching the system's apt sources or installing anything.
# The archive URI is taken from the machine's own Debian sources, so this works behind any mirror.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/nvml"
if [ -f "$out/root/usr/include/nvml.h" ] && [ -e "$out/lib/libnvidia-ml.so.1" ]; then
  exit 0
fi
mkdir -p "$out/lists/partial" "$out/debs"
. /etc/os-release
suite=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}

uri="" keyring=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  # deb822: the first stanza whose suites include the release itself (not -security) is the main archive.
  read -r uri keyring < <(awk -v s="$suite" '
    /^URIs:/ {u=$2} /^Suites:/ {ok=0; for(i=2;i<=NF;i++) if($i==s) ok=1}
    /^Signed-By:/ {k=$2}
    /^$/ { if(ok && u!="") {print u, k; exit} u=""; k=""; ok=0 }
    END { if(ok && u!="") print u, k }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
  uri=$(awk -v s="$suite" '$1=="deb" && $3==s {print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$uri" ] || { echo "fetch-nvml: cannot find the Debian archive for '$suite' in /etc/apt/sources.list(.d)" >&2; exit 1; }
keyring=${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}

cat > "$out/nonfree.sources" <<SRC
Types: deb
URIs: $uri
Suites: $suite
Components: non-free
Signed-By: $keyring
SRC
apt_opts=(-o "Dir::Etc::SourceList=$out/nonfree.sources" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$out/lists" -o "Dir::Cache::archives=$out/debs" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
apt-get -qq "${apt_opts[@]}" update
(cd "$out/debs" && apt-get -qq "${apt_opts[@]}" download libnvidia-ml1 libnvidia-ml-dev)
rm -rf "$out/root"
for deb in "$out"/debs/*.deb; do dpkg -x "$deb" "$out/root"; done
# A stable place for tests: build/nvml/lib/libnvidia-ml.so.1 and build/nvml/include/nvml.h.
lib=$(find "$out/root" -name libnvidia-ml.so.1 | head -n 1)
[ -n "$lib" ] || { echo "fetch-nvml: libnvidia-ml.so.1 not found in the downloaded packages" >&2; exit 1; }
mkdir -p "$out/lib" "$out/include"
ln -sf "$(readlink -f "$lib")" "$out/lib/libnvidia-ml.so.1"
ln -sf "$out/root/usr/include/nvml.h" "$out/include/nvml.h"
echo "fetch-nvml: $(basename "$(readlink -f "$lib")") and nvml.h in $out"
