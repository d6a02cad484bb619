#!/usr/bin/env bash
# Installs the operating-system packages sohoa needs on a Debian 12 host (or container image).
# Idempotent: does nothing when everything is already there. Used by the README, .ci/run and the Dockerfile.
#   host-packages.sh            runtime packages (SANE client tools for diagnostics)
#   host-packages.sh --test     plus what the test suite drives for real (saned, poppler, chromium, ftp)
#   host-packages.sh --bench    plus the native Tesseract CLI, saned, and iproute2/iptables for the shaped-link sync bench
set -euo pipefail

want=(ca-certificates sane-utils)
for arg in "$@"; do
  case "$arg" in
    --test)  want+=(sane-utils libsane1 poppler-utils qpdf chromium) ;;
    --bench) want+=(sane-utils libsane1 tesseract-ocr tesseract-ocr-vie iproute2 iptables) ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "sohoa: missing OS packages: ${missing[*]}; run this script as root (sudo $0 $*)" >&2
  exit 1
fi
echo "sohoa: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
