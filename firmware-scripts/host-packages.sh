#!/usr/bin/env bash
# Installs the operating-system packages sohoa needs on a Debian 12 host (or container image).
# Idempotent: does nothing when everything is already there. Used by the README, .ci/run and the Dockerfile.
#   host-packages.sh            runtime packages (SANE client tools for diagnostics)
#   host-packages.sh --test     plus what the test suite drives for real (saned, poppler, qpdf, chromium, tesseract, strace)
#   host-packages.sh --bench    plus the native Tesseract CLI, saned, and iproute2/iptables for the shaped-link sync bench
#   host-packages.sh --programs prints the table below (tests/firmware/host-packages.test.ts checks it)
set -euo pipefail

# Every program the appliance, the tests or the benchmarks spawn, the Debian package that brings it, and the modes
# that need it. A program of an Essential package (coreutils, util-linux…) is on every Debian system and is not listed.
# The test named above fails when the code spawns a program this table does not name.
PROGRAMS='
saned       sane-utils      test bench
scanimage   sane-utils      runtime
pdftoppm    poppler-utils   test
pdftotext   poppler-utils   test
pdfimages   poppler-utils   test
pdfinfo     poppler-utils   test
pdffonts    poppler-utils   test
pdfsig      poppler-utils   test
qpdf        qpdf            test
chromium    chromium        test
openssl     openssl         test
strace      strace          test
tesseract   tesseract-ocr   test bench
ip          iproute2        bench
ss          iproute2        bench
tc          iproute2        bench
iptables    iptables        bench
'
# Packages wanted for what they hold rather than a program: certificates, SANE's backends, Tesseract's Vietnamese model.
EXTRA_runtime='ca-certificates'
EXTRA_test='libsane1 tesseract-ocr-vie'
EXTRA_bench='libsane1 tesseract-ocr-vie'

modes=(runtime)
for arg in "$@"; do
  case "$arg" in
    --test) modes+=(test) ;;
    --bench) modes+=(bench) ;;
    --programs) printf '%s' "$PROGRAMS" | sed '/^$/d'; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

want=()
for mode in "${modes[@]}"; do
  extra="EXTRA_$mode"
  # shellcheck disable=SC2206
  want+=(${!extra})
  while read -r _program package needs; do
    [ -n "$package" ] || continue
    for need in $needs; do [ "$need" = "$mode" ] && want+=("$package"); done
  done <<< "$PROGRAMS"
done
mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)

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
