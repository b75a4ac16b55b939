#!/usr/bin/env bash
# Side by side, in one run, 2 workers each: Ensemble's process pool, Python's multiprocessing.Pool(2) and
# PP4J 2.2 (fetched from Maven Central by the Maven wrapper). Prints a Markdown table with each peer's value
# as a ratio to Ensemble's, and writes it to docs/bench/processes-compare.md.
# Usage: ensemble-bench/compare/compare.sh   (from anywhere; takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA_HOME="$(.mvn/find-jdk)"; export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

./mvnw -q -B -DskipTests -pl ensemble-bench -am package
bench_cp="ensemble-bench/target/classes:$(cat ensemble-bench/target/classpath.txt)"

pp4j_cp=""
repo="${MAVEN_REPO:-$HOME/.m2/repository}"
pp4j_jars=(net/viktorc/pp4j/2.2/pp4j-2.2.jar org/apache/commons/commons-pool2/2.4.2/commons-pool2-2.4.2.jar
           org/slf4j/slf4j-api/1.7.25/slf4j-api-1.7.25.jar)
if ./mvnw -q -B dependency:get -Dartifact=net.viktorc:pp4j:2.2 >/dev/null 2>&1; then
  for jar in "${pp4j_jars[@]}"; do pp4j_cp="$pp4j_cp${pp4j_cp:+:}$repo/$jar"; done
  "$JAVA_HOME/bin/javac" -d "$work/pp4j" -cp "$pp4j_cp" ensemble-bench/compare/Pp4jPeer.java
fi

{
  echo "== ensemble" >&2
  "$JAVA" --sun-misc-unsafe-memory-access=allow -Xmx1g -cp "$bench_cp" dev.ensemble.bench.ProcessComparison \
    | grep '^ensemble '
  echo "== python $(python3 --version 2>&1)" >&2
  python3 ensemble-bench/compare/python_peer.py | grep '^python '
  if [[ -n $pp4j_cp ]]; then
    echo "== pp4j 2.2" >&2
    # PP4J starts its workers with the class path of this JVM.
    "$JAVA" -Xmx1g -cp "$work/pp4j:$pp4j_cp" Pp4jPeer "$work" 2>/dev/null | grep '^pp4j '
  else
    echo "pp4j unavailable: net.viktorc:pp4j:2.2 could not be resolved"
  fi
} | tee "$work/results.txt" >&2

python3 - "$work/results.txt" <<'PY' | tee docs/bench/processes-compare.md
import sys, collections
rows = collections.defaultdict(dict); notes = []
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 3 and parts[1] != "kill":
        rows[parts[1]][parts[0]] = float(parts[2])
    else:
        notes.append(line.strip())
better_low = {"start_ms", "submit_us", "array_ms"}
names = {"start_ms": "pool creation to first result (ms, median)", "submit_us": "trivial submit round trip (µs, median)",
         "map_per_s": "trivial tasks per second (map, automatic chunks)", "speedup": "200 x 10 ms CPU: speedup 1 -> 2 workers",
         "array_ms": "8 MiB double[] argument + result round trip (ms, median)"}
print("| measure | ensemble | python multiprocessing | ratio | pp4j 2.2 | ratio |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for metric, label in names.items():
    r = rows.get(metric, {}); e = r.get("ensemble")
    cells = [label, f"{e:.4g}" if e else "-"]
    for peer in ("python", "pp4j"):
        v = r.get(peer)
        if v is None or e is None:
            cells += ["-", "-"]
        else:
            ratio = v / e if metric in better_low else e / v
            cells += [f"{v:.4g}", f"{ratio:.2f}x" if metric != "speedup" else f"{e / v:.2f}x"]
    print("| " + " | ".join(cells) + " |")
print()
print("Ratio > 1: Ensemble is better by that factor (time measures: peer / ensemble; rates: ensemble / peer).")
print("PP4J has no map: its rate is 20,000 submits collected in order.")
for n in notes:
    print(f"- {n}")
PY
