#!/usr/bin/env bash
# Installs the Debian packages the gateway needs, only those that are missing, so that
# `make run` and `make test` work on a fresh machine and cost nothing on a prepared one.
set -euo pipefail

PACKAGES=(
  python3 python3-venv python3-dev build-essential   # interpreter, venv, headers for wheels that compile
  pcscd libpcsclite-dev swig pcsc-tools              # PC/SC stack; pyscard builds against it
  vsmartcard-vpcd                                    # virtual reader driver: simulated chips reach pcscd
  tesseract-ocr fonts-ocr-b                          # MRZ OCR
  libusb-1.0-0                                       # pyusb's backend: USB HID line readers
  fonts-dejavu-core                                  # document renderer: visual-zone text (Latin + Cyrillic)
  libgl1 libglib2.0-0                                # shared libraries opencv-python loads
  espeak-ng opus-tools                               # offline speech for the interview phrasebook (WAV, Opus)
  fonts-noto-core fonts-dejavu-core poppler-utils    # first-information sheet: Arabic/Cyrillic fonts, pdftotext
  sane-utils libsane1                                # scanimage + libsane (net backend): SANE document scanners
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
