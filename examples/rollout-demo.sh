#!/usr/bin/env bash
# A staged rollout from scratch, against a running server (./upshift serve, run from the repository root):
# a tauri app and a win app with three versions each, a 10% rollout of the newest version, and a forced upgrade
# of that version for the devices in one group. Then it asks as several devices and prints what each one gets.
#
#   examples/rollout-demo.sh            # UPSHIFT_SERVER defaults to http://127.0.0.1:8080
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
server=${UPSHIFT_SERVER:-http://127.0.0.1:8080}
up() { ./upshift "$@" --server "$server"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

key=$(up key create --description "rollout demo")
ak=$(field "['accessKey']" <<<"$key"); sk=$(field "['secretKey']" <<<"$key")

# Devices "tester-1" and "tester-2" form the group that gets the forced upgrade.
group=$(up device group-create --name "testers-$RANDOM" | field "['id']")
up device group-add --group "$group" tester-1 tester-2 >/dev/null

# --- tauri: 1.0.0, 1.1.0, 1.2.0 ---------------------------------------------------------------------------
tauri=$(up app create --kind tauri --name "Demo Tauri" | field "['key']")
for v in 1.0.0 1.1.0 1.2.0; do
  head -c 20000 /dev/urandom > "$tmp/demo_${v}_amd64.AppImage"
  id=$(up version add --app "$tauri" --name "$v" --target linux --arch x86_64 --signature "sig-of-$v" \
       --file "$tmp/demo_${v}_amd64.AppImage" --role update | field "['id']")
  eval "tauri_${v//./_}=$id"
done
up strategy create --app "$tauri" --version-id "$tauri_1_1_0" --upgrade-type 1 --prompt "1.1.0 for everyone" >/dev/null
up strategy create --app "$tauri" --version-id "$tauri_1_2_0" --percentage 10 --upgrade-type 1 --prompt "1.2.0 (10% rollout)" >/dev/null
up strategy create --app "$tauri" --version-id "$tauri_1_2_0" --groups "$group" --upgrade-type 3 --prompt "1.2.0 (forced for testers)" >/dev/null

# --- win: codes 1, 2, 3 ---------------------------------------------------------------------------------------
win=$(up app create --kind win --name "Demo Win" --package-name com.example.demo | field "['key']")
for c in 1 2 3; do
  head -c 20000 /dev/urandom > "$tmp/Demo-$c.exe"
  id=$(up version add --app "$win" --name "v$c" --code "$c" --arch x64 --file "$tmp/Demo-$c.exe" | field "['id']")
  eval "win_$c=$id"
done
up strategy create --app "$win" --version-id "$win_2" --prompt "v2 for everyone" >/dev/null
up strategy create --app "$win" --version-id "$win_3" --percentage 10 --prompt "v3 (10% rollout)" >/dev/null
up strategy create --app "$win" --version-id "$win_3" --groups "$group" --upgrade-type 3 --prompt "v3 (forced for testers)" >/dev/null

echo "== Tauri: GET /v1/tauri/upgrade for a client on 1.0.0 (204 = no update)"
for dev in tester-1 device-1 device-2 device-3 device-4 device-5 device-6 device-7 device-8 device-9; do
  printf '%-9s ' "$dev"
  curl -s -w ' HTTP %{http_code}\n' -H "X-AccessKey: $ak" \
    "$server/v1/tauri/upgrade?tauriKey=$tauri&versionName=1.0.0&target=linux&arch=x86_64&devKey=$dev"
done

echo "== Win: signed POST /v1/win/upgrade for a client on code 1"
for dev in tester-2 device-1 device-2 device-3 device-4 device-5 device-6 device-7 device-8 device-9; do
  body="{\"winKey\":\"$win\",\"versionCode\":1,\"arch\":\"x64\",\"devKey\":\"$dev\"}"
  printf '%-9s ' "$dev"
  UPSHIFT_SERVER=$server examples/signed-request.sh "$ak" "$sk" /v1/win/upgrade "$body" \
    | python3 -c "import json,sys; r=json.loads(sys.stdin.readline()); d=r['data']; print(r['code'], d['versionName'] or '-', 'upgradeType', d['upgradeType'], '|', d['promptUpgradeContent'])"
done
