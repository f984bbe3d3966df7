#!/usr/bin/env bash
# The real-GPU profile for a GPU machine that has neither Maven nor a network (an air-gapped GPU host, a lent test
# machine): builds here, from this checkout, one archive with a jlinked Java runtime, the compiled binding and its
# tests, the jars, NVIDIA's packaged library and header, and run.sh. There:
#   tar -xJf real-gpu-bundle.tar.xz && real-gpu-bundle/run.sh [REPORT_DIR]
# run.sh prints `wattguard gpus` and everything the binding reads, idle and under a GPU load when python3 has
# torch, runs the binding's tests and RealGpuTest (in a JVM of its own: see nvml-bindings/pom.xml), then the
# sampling benchmark against the machine's driver. Usage: nvml-bindings/scripts/real-gpu-bundle.sh [OUTPUT.tar.xz]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-$top/nvml-bindings/target/real-gpu-bundle.tar.xz}")
cd "$top"
"$top/scripts/setup.sh" test >/dev/null
mvn -B -q -ntp -pl collector -am test-compile
mvn -B -q -ntp -pl collector dependency:build-classpath -Dmdep.includeScope=compile \
  -Dmdep.outputFile="$top/nvml-bindings/target/bundle.classpath" >/dev/null
console=$(find ~/.m2/repository/org/junit/platform/junit-platform-console-standalone -name '*.jar' | sort | tail -1)
if [ -z "$console" ]; then
  mvn -B -q -ntp dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.13.4 >/dev/null
  console=$(find ~/.m2/repository/org/junit/platform/junit-platform-console-standalone -name '*.jar' | tail -1)
fi
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
b=$stage/real-gpu-bundle
mkdir -p "$b/lib" "$b/classes" "$b/root/build/nvml/include" "$b/root/build/nvml/lib" "$b/root/scripts" \
  "$b/root/nvml-bindings/src/test"
# The tests find their components from a repository root: the packaged library, nvml.h, and the C test double.
cp -L build/nvml/include/*.h "$b/root/build/nvml/include/"
cp -L build/nvml/lib/libnvidia-ml.so.1 "$b/root/build/nvml/lib/"
cp scripts/fetch-nvml.sh "$b/root/scripts/"
cp -r nvml-bindings/src/test/c "$b/root/nvml-bindings/src/test/"
for m in config nvml-bindings meters analytics collector; do cp -r "$m/target/classes" "$b/classes/$m"; done
cp -r nvml-bindings/target/test-classes "$b/classes/nvml-tests"
# Wattguard's own modules come from classes/ above; the rest are the collector's compile-scope jars.
tr ':' '\n' < nvml-bindings/target/bundle.classpath | grep -v '/wattguard-' | xargs -I{} cp {} "$b/lib/"
cp "$console" "$b/junit-console.jar"
jlink --add-modules java.base,java.logging,java.management,jdk.management,java.naming,java.xml,java.sql,jdk.unsupported,jdk.zipfs,jdk.crypto.ec \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$b/jre"
cat > "$b/run.sh" <<'RUN'
#!/usr/bin/env bash
set -u
b=$(cd "$(dirname "$0")" && pwd); report=$(realpath -m "${1:-$b/report}"); mkdir -p "$report"
java=$b/jre/bin/java
ncp=$b/classes/nvml-bindings:$b/classes/nvml-tests:$(ls "$b"/lib/jna-*.jar)
gcp=$(ls -d "$b"/classes/{config,nvml-bindings,meters,analytics,collector} | tr '\n' ':')$(ls "$b"/lib/*.jar | tr '\n' ':')
cd "$b/root"
echo "== machine"; uname -srm; nvidia-smi --query-gpu=name,driver_version,power.draw,power.limit,pstate --format=csv
cat /proc/driver/nvidia/version 2>/dev/null; command -v gcc || echo "no gcc: the binding's tests compile a C test double"
echo "== wattguard gpus (idle)"; "$java" -cp "$gcp" io.wattguard.cli.Main gpus
echo "== what the binding reads (idle)"; timeout 60 "$java" -cp "$ncp" io.wattguard.nvml.bench.RealGpuReport ""
if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  echo "== a 100 s bf16 matrix-product load (python3, torch)"
  timeout 110 python3 -c "
import torch, time
a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16); t = time.time()
while time.time() - t < 100: a @ a
torch.cuda.synchronize()" >"$report/load.log" 2>&1 &
  sleep 12
  echo "== wattguard gpus (under load)"; "$java" -cp "$gcp" io.wattguard.cli.Main gpus
  echo "== what the binding reads (under load)"; timeout 60 "$java" -cp "$ncp" io.wattguard.nvml.bench.RealGpuReport ""
fi
echo "== the binding's tests"
timeout 300 "$java" -cp "$ncp:$b/junit-console.jar" org.junit.platform.console.ConsoleLauncher execute \
  --scan-class-path "$b/classes/nvml-tests" --exclude-classname '.*RealGpuTest' --disable-banner \
  --details=summary --details-theme=ascii --reports-dir="$report/junit"
echo "== RealGpuTest, in a JVM of its own"
timeout 120 "$java" -cp "$ncp:$b/junit-console.jar" org.junit.platform.console.ConsoleLauncher execute \
  --select-class io.wattguard.nvml.RealGpuTest --disable-banner --details=tree --details-theme=ascii \
  --disable-ansi-colors --reports-dir="$report/junit-real"
echo "== sampling benchmark against this driver"
timeout 180 "$java" -Xmx256m -cp "$ncp" io.wattguard.nvml.bench.NvmlBench --library libnvidia-ml.so.1
wait
RUN
chmod +x "$b/run.sh"
mkdir -p "$(dirname "$out")"
tar -C "$stage" -cJf "$out" real-gpu-bundle
echo "wrote $out ($(du -h "$out" | cut -f1)); on the GPU machine: tar -xJf $(basename "$out") && real-gpu-bundle/run.sh"
