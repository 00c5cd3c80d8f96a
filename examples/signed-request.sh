#!/usr/bin/env bash
# Sends one request signed with UpgradeLink's legacy v1 signature and prints the answer.
#
#   examples/signed-request.sh ACCESS_KEY SECRET_KEY PATH [JSON_BODY]
#
#   examples/signed-request.sh "$AK" "$SK" /v1/win/version '{"winKey":"...","versionCode":1,"arch":"x64"}'
#
# Signature = lowercase hex MD5 of
#   body=<body>&nonce=<nonce>&secretKey=<secret>&timestamp=<timestamp>&url=<path[?query]>
# with the "body=" part left out when there is no body. Every request needs a fresh nonce.
# Environment: UPSHIFT_SERVER (default http://127.0.0.1:8080).
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
access_key=$1 secret=$2 path=$3 body=${4:-}
server=${UPSHIFT_SERVER:-http://127.0.0.1:8080}
timestamp=$(date +%Y-%m-%dT%H:%M:%S%:z)
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
if [ -n "$body" ]; then
  to_sign="body=${body}&nonce=${nonce}&secretKey=${secret}&timestamp=${timestamp}&url=${path}"
  method=POST
else
  to_sign="nonce=${nonce}&secretKey=${secret}&timestamp=${timestamp}&url=${path}"
  method=GET
fi
signature=$(printf '%s' "$to_sign" | md5sum | cut -d' ' -f1)
args=(-sS -X "$method" "${server}${path}"
  -H "Content-Type: application/json"
  -H "X-Timestamp: ${timestamp}"
  -H "X-Nonce: ${nonce}"
  -H "X-AccessKey: ${access_key}"
  -H "X-Signature: ${signature}"
  -w '\nHTTP %{http_code}\n')
if [ -n "$body" ]; then
  args+=(--data-binary "$body")
fi
curl "${args[@]}"
