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
