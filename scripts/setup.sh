#!/usr/bin/env bash
# Installs what wattguard needs on a Debian machine, only what is missing, so it is cheap to call every time.
#   scripts/setup.sh demo   JDK 17, Maven, influxd (the demo's private InfluxDB), fonts-droid-fallback (zh-CN PDF reports),
#                           gcc and NVIDIA's NVML packages extracted into build/nvml (the demo's GPUs: the NVML test
#                           double, compiled against NVIDIA's nvml.h)
#   scripts/setup.sh test   the above plus the real peers the tests talk to: pymodbus, mbpoll, socat, rsyslog, poppler-utils,
#                           chromium (the report's HTML in a real browser),
#                           Node + node-opcua-server
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-demo}

need=()
have() { command -v "$1" >/dev/null 2>&1; }
want() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || need+=("$1"); }

have javac || need+=(openjdk-17-jdk-headless)
have mvn || need+=(maven)
have influxd || need+=(influxdb)
# A TrueType font with Chinese glyphs that PDFBox can embed, for 'wattguard report --lang zh-CN' PDFs.
want fonts-droid-fallback
# The live demo's GPUs are the NVML test double, built with gcc against NVIDIA's nvml.h (fetched below).
have gcc || need+=(gcc libc6-dev)
if [ "$what" = test ]; then
  # python3-pymodbus only recommends these, and apt here runs --no-install-recommends: its serial (RTU) server
  # imports serial and serial_asyncio, so each is checked and installed by name (the tests import all three).
  want python3-pymodbus
  want python3-serial
  want python3-serial-asyncio
  have mbpoll || need+=(mbpoll)
  have socat || need+=(socat)
  have node || need+=(nodejs)
  have npm || need+=(npm)
  have curl || need+=(curl)
  want rsyslog
  # The report's tests read its PDFs back: pdftotext for the text, pdftoppm to render pages.
  have pdftotext || need+=(poppler-utils)
  # The report's HTML is opened in a real browser: Debian's chromium, headless, driven over DevTools.
  have chromium || need+=(chromium)
fi

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "wattguard setup: missing Debian packages: ${need[*]}" >&2
    echo "  install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "wattguard setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -qq update
  apt-get -qq install -y --no-install-recommends "${need[@]}" >/dev/null
fi

"$top/scripts/fetch-nvml.sh"
if [ "$what" = test ]; then
  if [ ! -d "$top/interop/node-opcua/node_modules/node-opcua-server" ]; then
    echo "wattguard setup: npm install node-opcua-server (interop/node-opcua)" >&2
    (cd "$top/interop/node-opcua" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
