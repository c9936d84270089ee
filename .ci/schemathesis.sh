#!/usr/bin/env bash
# Fuzz the REST API with schemathesis against a real gunicorn on a throwaway SQLite database.
#
# Runs once as rep1 (own customers only) and once as admin (everything). Fails on any 5xx response
# (schemathesis's not_a_server_error check, double-checked against the recorded cassette and the
# server log) and when no request was accepted (2xx), i.e. the fuzzing never got past validation.
#
# Reaching the time limit is reported but is not a failure by itself: what ran is still checked for
# 5xx and for accepted requests. With ~130 operations, 25 examples each fit in the limit.
# Env: ST_MAX_EXAMPLES (default 25 per operation), ST_TIME_LIMIT (seconds per run, default 300),
#      ST_SEED (default 1), ST_KEEP=1 keeps the temp dir (database, reports, server log).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="$PWD/.venv/bin"
MAX_EXAMPLES=${ST_MAX_EXAMPLES:-25}
TIME_LIMIT=${ST_TIME_LIMIT:-300}
SEED=${ST_SEED:-1}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/guanxi-api-fuzz.XXXXXX")
server_pid=""

cleanup() {
  local rc=$?
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ "${ST_KEEP:-0}" == 1 || $rc -ne 0 ]]; then
    echo "api-fuzz: kept $tmp (database, reports, server log)"
  else
    rm -rf "$tmp"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export GUANXI_VAR_DIR="$tmp"
export GUANXI_DATABASE_URL="sqlite:///$tmp/db.sqlite3"
export GUANXI_DEBUG=0
export GUANXI_LOG_LEVEL=INFO
unset GUANXI_FAST_PASSWORD_HASHER

echo "api-fuzz: database in $tmp"
"$BIN/guanxi" migrate --noinput >"$tmp/migrate.log"
"$BIN/guanxi" demo --customers 300 --seed "$SEED" >"$tmp/demo.log"

port=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$BIN/gunicorn" config.wsgi -b "127.0.0.1:$port" -w 2 --timeout 60 \
  --access-logfile "$tmp/access.log" --access-logformat '%(s)s %(m)s %(U)s%(q)s' >"$tmp/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 100); do
  if curl -fsS "$base/health/" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "api-fuzz: gunicorn died:"; cat "$tmp/server.log"; exit 1; }
  sleep 0.2
done
curl -fsS "$base/health/" >/dev/null || { echo "api-fuzz: $base/health/ does not answer"; cat "$tmp/server.log"; exit 1; }

token_for() {
  curl -fsS -X POST "$base/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"guanxi-demo\"}" \
    | "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

status=0
for user in rep1 admin; do
  token=$(token_for "$user")
  report="$tmp/report-$user"
  echo "api-fuzz: schemathesis as $user (max $MAX_EXAMPLES examples per operation, at most ${TIME_LIMIT}s)"
  set +e
  # From inside $tmp: schemathesis keeps a .schemathesis/ cache in its working directory.
  (cd "$tmp" && exec timeout --kill-after=10 "$TIME_LIMIT" "$BIN/schemathesis" run "$base/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error \
    --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers "${ST_WORKERS:-1}" \
    --request-timeout 30 --generation-database none \
    --report vcr,junit,json --report-dir "$report" \
    --report-vcr-path "$report/cassette.yaml" --report-junit-path "$report/junit.xml" \
    --report-json-path "$report/report.json" \
    --no-color) >"$tmp/schemathesis-$user.log" 2>&1
  st_rc=$?
  set -e
  sed -n '/=* SUMMARY =*/,$p' "$tmp/schemathesis-$user.log"
  if [[ $st_rc -eq 124 || $st_rc -eq 137 ]]; then
    echo "api-fuzz: schemathesis as $user hit the ${TIME_LIMIT}s limit; judging the requests it made"
    st_rc=0
  fi
  # Count the responses in the cassette: 5xx must be 0, 2xx must not be.
  set +e
  "$BIN/python" - "$report/cassette.yaml" "$user" <<'PY'
import collections
import sys

import yaml

path, user = sys.argv[1], sys.argv[2]
try:
    with open(path, encoding="utf-8") as f:
        data = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
except FileNotFoundError:
    print(f"api-fuzz: {user}: no cassette at {path}; schemathesis did not run")
    sys.exit(1)
interactions = (data or {}).get("http_interactions") or []
classes = collections.Counter()
codes = collections.Counter()
server_errors = []
for item in interactions:
    response = item.get("response") or {}
    code = int((response.get("status") or {}).get("code") or 0)
    codes[code] += 1
    classes[f"{code // 100}xx" if code else "no response"] += 1
    if code >= 500:
        server_errors.append((item, response))
summary = ", ".join(f"{k}: {v}" for k, v in sorted(classes.items()))
print(f"api-fuzz: {user}: {len(interactions)} requests ({summary}); codes {dict(sorted(codes.items()))}")
for item, response in server_errors[:10]:
    request = item.get("request") or {}
    body = (request.get("body") or {}).get("string", "")
    answer = (response.get("body") or {}).get("string", "")
    print(f"api-fuzz: {user}: SERVER ERROR {response['status']['code']} for {request.get('method')} "
          f"{request.get('uri')}\n    request body: {body[:2000]!r}\n    response: {answer[:2000]!r}")
failed = False
if server_errors:
    print(f"api-fuzz: {user}: {len(server_errors)} server errors (5xx)")
    failed = True
if classes["2xx"] == 0:
    print(f"api-fuzz: {user}: no request was accepted (0 responses with 2xx)")
    failed = True
sys.exit(1 if failed else 0)
PY
  count_rc=$?
  set -e
  if [[ $st_rc -ne 0 || $count_rc -ne 0 ]]; then
    echo "api-fuzz: FAILED as $user (schemathesis exit $st_rc); full output: $tmp/schemathesis-$user.log"
    sed -n '/=* FAILURES =*/,/=* SUMMARY =*/p' "$tmp/schemathesis-$user.log" | head -200
    status=1
  fi
done

if grep -nE 'Traceback|ERROR|CRITICAL' "$tmp/server.log" >"$tmp/server-errors.txt"; then
  echo "api-fuzz: the server logged errors:"
  head -100 "$tmp/server-errors.txt"
  grep -A40 -m5 'Traceback' "$tmp/server.log" | head -200 || true
  status=1
fi
if grep -qE '^5[0-9][0-9] ' "$tmp/access.log"; then
  echo "api-fuzz: the access log has 5xx responses:"
  grep -E '^5[0-9][0-9] ' "$tmp/access.log" | head -20
  status=1
fi

if [[ $status -eq 0 ]]; then
  echo "api-fuzz: OK (no server errors, requests accepted as rep1 and admin)"
fi
exit $status
