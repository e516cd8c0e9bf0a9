#!/usr/bin/env bash
# The main job with the daemon: `gateway serve --simulate` puts two simulated documents into PC/SC reader
# slots (pcscd + vpcd, started if needed), then the desk client verifies each through the gRPC API.
set -euo pipefail
cd "$(dirname "$0")/.."
G=.venv/bin/gateway
ADDR=${GATEWAY_ADDR:-localhost:50051}
LOG=$(mktemp -t gateway-demo-XXXXXX.log)

$G serve --simulate --profiles td1-eu-pace,fault-tampered-dg --listen "$ADDR" 2>"$LOG" &
DAEMON=$!
trap 'kill -TERM $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null || true; echo "(daemon log: $LOG)"' EXIT

echo "== MRZ only, as the OCR read it (O for 0 in the birth date): corrected by the check digits =="
$G verify --server "$ADDR" --wait 30 --mrz-only --today 2026-11-22 \
  --mrz $'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO74O8122F1204159ZE184226B<<<<<10' || true
echo
echo "== An EU ID card (PACE) on the first reader: MRZ from the reader's scanner, chip read and checked =="
$G verify --server "$ADDR" --wait 30 --reader sim-virtual-pcd-00-00 --device-mrz --progress || true
echo
echo "== A passport whose chip data was altered after signing, on the second reader =="
$G verify --server "$ADDR" --reader sim-virtual-pcd-00-01 --device-mrz || true
echo
echo "== The same call as JSON (the shape of 'gateway chip read --json' plus verdict and checks), abridged =="
$G verify --server "$ADDR" --reader sim-virtual-pcd-00-00 --device-mrz --json \
  | .venv/bin/python -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({k: d[k] for k in ("reader","access","files","verdict")}, indent=2))'
echo
echo "== The desk document reader, one touch: scanner (white/IR/UV via SANE) + chip; place the document =="
WORK=$(mktemp -d -t gateway-desk-XXXXXX)
DESK_ADDR=${GATEWAY_DESK_ADDR:-localhost:50052}
.venv/bin/gateway-sim pki "$WORK/trust" >/dev/null
mkfifo "$WORK/desk.in"
.venv/bin/gateway-sim desk --profile genuine-td3 --port 35966 --empty --write-config "$WORK/desk.toml" \
  <"$WORK/desk.in" >"$WORK/desk.log" 2>&1 &
DESK=$!
exec 3>"$WORK/desk.in"
trap 'exec 3>&-; kill -TERM $DESK_DAEMON $DESK 2>/dev/null; kill -TERM $DAEMON 2>/dev/null; wait 2>/dev/null || true; echo "(daemon log: $LOG)"' EXIT
for _ in $(seq 100); do grep -q "desk: profile" "$WORK/desk.log" 2>/dev/null && break; sleep 0.1; done
{ printf '[server]\nlisten = ["%s"]\n[trust]\npath = "%s"\n\n' "$DESK_ADDR" "$WORK/trust"; cat "$WORK/desk.toml"; } \
  >"$WORK/gateway.toml"
$G serve --config "$WORK/gateway.toml" 2>>"$LOG" &
DESK_DAEMON=$!
one_touch() {  # $1: what to place (a desk profile)
  $G verify --server "$DESK_ADDR" --wait 30 --reader desk1 --wait-document --progress --timeout 60 &
  local verify=$!
  sleep 1.5
  echo "place $1" >&3
  wait $verify || true
  echo "remove" >&3
  sleep 0.5
}
one_touch genuine-td3
echo
echo "== The same desk, a forged page: the MRZ printed in ink that vanishes under IR (chip genuine) =="
one_touch forgery-ir-invisible-mrz
