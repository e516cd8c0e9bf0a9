#!/usr/bin/env bash
# The main job until the daemon lands: check the ICAO and German specimen MRZs, one with OCR errors.
set -euo pipefail
cd "$(dirname "$0")/.."
G=.venv/bin/gateway
echo "== ICAO TD3 specimen passport, as OCR read it (O for 0 twice) =="
$G mrz check --today 2026-11-22 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' 'L898902C36UTO74O8122F12O4159ZE184226B<<<<<10' || true
echo
echo "== German ID card specimen (TD1, nationality D) =="
$G mrz check --today 2026-11-22 'IDD<<T220001293<<<<<<<<<<<<<<<' '6408125<2010315D<<<<<<<<<<<<<4' 'MUSTERMANN<<ERIKA<<<<<<<<<<<<<' || true
echo
echo "== ICAO TD1 specimen with a 12-character document number, as JSON =="
$G mrz check --json --today 2026-11-22 'I<UTOD23145890<1233<<<<<<<<<<<' '7408122F1204159UTO<<<<<<<<<<<2' 'ERIKSSON<<ANNA<MARIA<<<<<<<<<<' || true
