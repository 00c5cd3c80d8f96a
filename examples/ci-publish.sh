#!/usr/bin/env bash
# Publishes a Tauri bundle folder from CI with an access key: uploads every signed bundle, then latest.json.
# Each request carries UpgradeLink's v1 signature over its body, so the server knows the bytes came from you.
#
#   examples/ci-publish.sh APP_KEY BUNDLE_DIR LATEST_JSON
#
# Environment: UPSHIFT_URL (default http://127.0.0.1:8080), UPSHIFT_ACCESS_KEY, UPSHIFT_SECRET_KEY.
# File names must not need percent-encoding (Tauri's bundler names never do).
set -euo pipefail
if [ $# -ne 3 ]; then
  sed -n '2,8p' "$0" >&2
  exit 2
fi
app_key=$1 bundle_dir=$2 latest_json=$3
UPSHIFT_URL=${UPSHIFT_URL:-http://127.0.0.1:8080}
: "${UPSHIFT_ACCESS_KEY:?set UPSHIFT_ACCESS_KEY}" "${UPSHIFT_SECRET_KEY:?set UPSHIFT_SECRET_KEY}"

signed_curl() { # METHOD PATH FILE: sends FILE as the body, signed with the access key
  local ts nonce sig
  ts=$(date -u +%Y-%m-%dT%H:%M:%SZ); nonce=$(openssl rand -hex 16)
  sig=$( { printf 'body='; cat "$3"; printf '&nonce=%s&secretKey=%s&timestamp=%s&url=%s' \
          "$nonce" "$UPSHIFT_SECRET_KEY" "$ts" "$2"; } | openssl md5 -r | cut -c1-32)
  curl -fsS -X "$1" --data-binary @"$3" -H "X-Timestamp: $ts" -H "X-Nonce: $nonce" \
       -H "X-AccessKey: $UPSHIFT_ACCESS_KEY" -H "X-Signature: $sig" "$UPSHIFT_URL$2"
  echo
}

shopt -s nullglob
for f in "$bundle_dir"/*/*.AppImage "$bundle_dir"/*/*.deb "$bundle_dir"/*/*.rpm "$bundle_dir"/*/*.app.tar.gz \
         "$bundle_dir"/*/*.msi "$bundle_dir"/*/*-setup.exe; do
  signed_curl PUT "/v1/tauri/github-action/files/$(basename "$f")?tauriKey=$app_key" "$f"
done
signed_curl POST "/v1/tauri/github-action/upload?tauriKey=$app_key" "$latest_json"
