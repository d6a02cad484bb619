#!/usr/bin/env bash
# Sets up the host's saned so that sohoa (in a container, or on another machine) reaches the scanners over the
# network. Idempotent: run it again with the same arguments and nothing changes. Prints what it did.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: saned-host.sh [options] CLIENT [CLIENT...]

Lets the given clients use this host's scanners through saned (the SANE network daemon):
  1. installs sane-utils (saned, scanimage) when missing;
  2. adds each CLIENT to /etc/sane.d/saned.conf, once (lines already there are kept);
  3. enables saned: systemd's saned.socket when systemd runs, otherwise prints how to run `saned -l`.

CLIENT is a host name, an IPv4/IPv6 address or a network in CIDR form (192.168.10.0/24), i.e. the
address sohoa connects from: the appliance's LAN address, or the Docker bridge network (172.17.0.0/16).

Options:
  --data-ports MIN-MAX  fix the ports of saned's image connections (data_portrange), for a firewall;
                        the control port stays 6566/tcp
  --no-enable           only write the configuration; do not enable or start saned
  -h, --help            this text

Environment:
  SOHOA_HOST_ROOT       act on this directory instead of / (for tests): only files under it are written;
                        nothing is installed, enabled or started

Example:
  sudo firmware-scripts/saned-host.sh 127.0.0.1 172.17.0.0/16 --data-ports 10000-10100
Then in sohoa: SOHOA_SANED_HOSTS=<this host>:6566
EOF
}

root="${SOHOA_HOST_ROOT:-}"
clients=()
data_ports=""
enable=1
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --data-ports) [ $# -ge 2 ] || { echo "saned-host: --data-ports needs MIN-MAX" >&2; exit 2; }; data_ports="$2"; shift ;;
    --data-ports=*) data_ports="${1#*=}" ;;
    --no-enable) enable=0 ;;
    -*) echo "saned-host: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) clients+=("$1") ;;
  esac
  shift
done
[ ${#clients[@]} -gt 0 ] || { echo "saned-host: name at least one CLIENT (see --help)" >&2; exit 2; }

for c in "${clients[@]}"; do
  # Host names, IPv4, IPv6 and CIDR networks; nothing that could smuggle another line or a comment in.
  if ! [[ "$c" =~ ^[A-Za-z0-9.:-]+(/[0-9]{1,3})?$ ]]; then
    echo "saned-host: '$c' is not a host, an address or a network" >&2; exit 2
  fi
done
if [ -n "$data_ports" ]; then
  if ! [[ "$data_ports" =~ ^([0-9]{4,5})-([0-9]{4,5})$ ]] || [ "${BASH_REMATCH[1]}" -gt "${BASH_REMATCH[2]}" ] || [ "${BASH_REMATCH[2]}" -gt 65535 ]; then
    echo "saned-host: --data-ports wants MIN-MAX between 1024 and 65535, got '$data_ports'" >&2; exit 2
  fi
fi

say() { echo "saned-host: $*"; }
real_host() { [ -z "$root" ]; }

# 1. Package
if real_host; then
  if dpkg-query -W -f='${Status}' sane-utils 2>/dev/null | grep -q 'install ok installed'; then
    say "sane-utils already installed"
  else
    [ "$(id -u)" -eq 0 ] || { echo "saned-host: sane-utils is missing; run as root" >&2; exit 1; }
    say "installing sane-utils"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sane-utils >/dev/null
  fi
else
  say "test root $root: package installation skipped"
fi

# 2. saned.conf
conf_dir="$root/etc/sane.d"
conf="$conf_dir/saned.conf"
mkdir -p "$conf_dir"
if [ ! -e "$conf" ]; then
  printf '# saned.conf: hosts and networks allowed to use the scanners (one per line)\n' > "$conf"
  say "created $conf"
fi
for c in "${clients[@]}"; do
  # Compare with the line's comment and blanks stripped: "192.168.1.0/24  # office" counts as present.
  if sed -e 's/#.*//' -e 's/[[:space:]]//g' "$conf" | grep -qxF "$c"; then
    say "client $c already allowed"
  else
    printf '%s\n' "$c" >> "$conf"
    say "allowed client $c"
  fi
done
if [ -n "$data_ports" ]; then
  min="${data_ports%-*}"; max="${data_ports#*-}"
  line="data_portrange = $min - $max"
  if grep -qxF "$line" "$conf"; then
    say "data ports already $min-$max"
  elif grep -qE '^[[:space:]]*data_portrange[[:space:]]*=' "$conf"; then
    sed -i -E "s/^[[:space:]]*data_portrange[[:space:]]*=.*/$line/" "$conf"
    say "data ports changed to $min-$max"
  else
    printf '%s\n' "$line" >> "$conf"
    say "data ports set to $min-$max"
  fi
fi

# 3. Run saned
if [ "$enable" -eq 0 ]; then
  say "not enabling saned (--no-enable)"
elif ! real_host; then
  say "test root $root: enabling saned skipped"
elif [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  if systemctl is-enabled --quiet saned.socket 2>/dev/null && systemctl is-active --quiet saned.socket; then
    say "saned.socket already enabled and listening on 6566/tcp"
  else
    systemctl enable --now saned.socket >/dev/null
    say "enabled and started saned.socket (6566/tcp; one saned per connection)"
  fi
else
  say "systemd is not running here, so nothing was enabled. Start saned yourself, e.g.:"
  say "  saned -l -b 0.0.0.0 -u saned        # standalone daemon on 6566/tcp, as user saned"
  say "  (Debian's init script does the same: set RUN=yes in /etc/default/saned, then /etc/init.d/saned start;"
  say "   or from inetd: 'sane-port stream tcp nowait saned:saned /usr/sbin/saned saned')"
fi
say "done; scanners visible to saned: run 'scanimage -L' on this host to check (USB scanners need the saned user in group scanner)"
