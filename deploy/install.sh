#!/usr/bin/env bash
# Installs wattguard as a systemd service on this machine (Debian 12 or any systemd distribution).
#
#   deploy/install.sh [--jar PATH]
#
# Copies the jar to /usr/share/wattguard/, the unit, sysusers.d and tmpfiles.d files to /etc/, a
# `wattguard` command to /usr/local/bin/, creates the `wattguard` service user and its folders, and puts a
# configuration skeleton in /etc/wattguard/wattguard.yaml unless one exists: an existing configuration is
# never overwritten. Safe to run again (that is how to upgrade). It does not enable or start the service.
#
# DESTDIR=/some/folder stages the files under that folder instead, without creating the user, changing
# owners or talking to systemd (for packaging, and for trying the script as a normal user).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
jar="$top/collector/target/wattguard.jar"
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar=${2:?--jar needs a path}; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

dest=${DESTDIR:-}
staged() { [ -n "$dest" ]; }
say() { echo "install.sh: $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

[ -f "$jar" ] || die "no jar at $jar: build it first (mvn -B -q -ntp -DskipTests package), or pass --jar PATH"
if ! staged; then
  [ "$(id -u)" -eq 0 ] || die "run as root (or with DESTDIR=... to stage the files)"
  command -v java > /dev/null || die "java not found: install a Java 17 runtime (apt-get install openjdk-17-jre-headless)"
  java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "${java_major:-0}" -ge 17 ] 2> /dev/null || die "java is version ${java_major:-unknown}; wattguard needs 17 or later"
  [ -x /usr/bin/java ] || die "the unit runs /usr/bin/java, which does not exist here; adjust ExecStart= in a drop-in"
fi

# Files: put (mode, source, target). The jar is replaced by rename, so a running JVM keeps its open copy.
put() {
  local mode=$1 src=$2 dst="$dest$3"
  install -d -m 0755 "$(dirname "$dst")"
  install -m "$mode" "$src" "$dst.new"
  mv -f "$dst.new" "$dst"
}
put 0644 "$jar" /usr/share/wattguard/wattguard.jar
for f in "$top"/examples/*.yaml; do
  put 0644 "$f" "/usr/share/wattguard/examples/$(basename "$f")"
done
for f in "$top"/docs/*.md; do
  put 0644 "$f" "/usr/share/wattguard/docs/$(basename "$f")"
done
put 0644 "$top/deploy/systemd/wattguard.service" /etc/systemd/system/wattguard.service
put 0644 "$top/deploy/systemd/wattguard.sysusers.conf" /etc/sysusers.d/wattguard.conf
put 0644 "$top/deploy/systemd/wattguard.tmpfiles.conf" /etc/tmpfiles.d/wattguard.conf
wrapper=$(mktemp)
trap 'rm -f "$wrapper"' EXIT
cat > "$wrapper" <<'SH'
#!/bin/sh
# wattguard's command line (check-config, version, ...); the service itself runs from wattguard.service.
exec /usr/bin/java -Xmx256m -XX:+UnlockDiagnosticVMOptions -XX:GCLockerRetryAllocationCount=100 \
  -Xlog:disable -Xlog:all=warning:stderr ${WATTGUARD_JAVA_OPTS:-} -jar /usr/share/wattguard/wattguard.jar "$@"
SH
put 0755 "$wrapper" /usr/local/bin/wattguard

# The service user and its folders.
if ! staged; then
  if ! getent passwd wattguard > /dev/null; then
    if command -v systemd-sysusers > /dev/null; then
      systemd-sysusers /etc/sysusers.d/wattguard.conf
    else
      useradd --system --user-group --home-dir /var/lib/wattguard --no-create-home \
        --shell /usr/sbin/nologin --comment "wattguard telemetry collector" wattguard
    fi
    say "created the service user wattguard"
  fi
  if command -v systemd-tmpfiles > /dev/null; then
    systemd-tmpfiles --create /etc/tmpfiles.d/wattguard.conf
  else
    install -d -m 0750 -o root -g wattguard /etc/wattguard /etc/wattguard/secrets
    install -d -m 0750 -o wattguard -g wattguard /var/lib/wattguard
    install -d -m 0700 -o wattguard -g wattguard /var/lib/wattguard/spool
  fi
else
  install -d -m 0750 "$dest/etc/wattguard" "$dest/etc/wattguard/secrets" "$dest/var/lib/wattguard"
  install -d -m 0700 "$dest/var/lib/wattguard/spool"
fi

# The configuration: written once, never overwritten.
config="$dest/etc/wattguard/wattguard.yaml"
if [ -e "$config" ]; then
  say "kept the existing $config (not overwritten); compare with $dest/usr/share/wattguard/examples/"
else
  if staged; then
    install -m 0640 "$top/deploy/wattguard.yaml" "$config"
  else
    install -m 0640 -o root -g wattguard "$top/deploy/wattguard.yaml" "$config"
  fi
  say "wrote the skeleton $config: it collects only wattguard's own health until you add sources"
fi

if staged; then
  say "staged under $dest"
  exit 0
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if systemctl is-active --quiet wattguard; then
    say "wattguard is running the previous jar; to switch: wattguard check-config --config /etc/wattguard/wattguard.yaml && systemctl restart wattguard"
    exit 0
  fi
fi
say "next: edit /etc/wattguard/wattguard.yaml, then"
say "  wattguard check-config --config /etc/wattguard/wattguard.yaml"
say "  systemctl enable --now wattguard && curl -s 127.0.0.1:9273/health"
