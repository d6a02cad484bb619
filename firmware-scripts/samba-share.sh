#!/usr/bin/env bash
# Optional: a Samba share per unit on the host, for copiers' scan-to-folder (SMB), watched by sohoa.
# Idempotent: existing share sections, users and folders are left as they are. Prints what it did.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: samba-share.sh [options] UNIT:FOLDER [UNIT:FOLDER...]

For each UNIT:FOLDER (a unit code of sohoa and an absolute folder on this host):
  1. installs samba when missing;
  2. creates the dedicated user the copiers log in as (system account, no shell), and its Samba password
     when one is given;
  3. creates the folder (owned by that user, group-writable, setgid) when missing;
  4. adds a share section [sohoa-UNIT] to /etc/samba/smb.conf only when no such section exists,
     checks the file with testparm and reloads Samba.

Options:
  --user NAME            the copiers' account (default: sohoa-scan)
  --group NAME           group that also owns the folders, e.g. the user sohoa runs as (default: the
                         user's own group); sohoa must be able to read and move the files
  --password-file FILE   the Samba password for --user, first line of FILE (or env SOHOA_SMB_PASSWORD);
                         without it an existing Samba password is kept, a missing one is explained
  -h, --help             this text

Environment:
  SOHOA_HOST_ROOT        act on this directory instead of / (for tests): folders and smb.conf under it are
                         written; nothing is installed, no user is created, Samba is not reloaded

Example:
  sudo firmware-scripts/samba-share.sh 622:/srv/sohoa/scans/622 623:/srv/sohoa/scans/623 --password-file /root/smb.pw
Then in sohoa: SOHOA_WATCH_FOLDERS=622:/srv/sohoa/scans/622,623:/srv/sohoa/scans/623
and on the copier: \\<this host>\sohoa-622, user sohoa-scan.
EOF
}

root="${SOHOA_HOST_ROOT:-}"
user="sohoa-scan"
group=""
password_file=""
shares=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --user) [ $# -ge 2 ] || { echo "samba-share: --user needs a name" >&2; exit 2; }; user="$2"; shift ;;
    --group) [ $# -ge 2 ] || { echo "samba-share: --group needs a name" >&2; exit 2; }; group="$2"; shift ;;
    --password-file) [ $# -ge 2 ] || { echo "samba-share: --password-file needs a file" >&2; exit 2; }; password_file="$2"; shift ;;
    -*) echo "samba-share: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) shares+=("$1") ;;
  esac
  shift
done
[ ${#shares[@]} -gt 0 ] || { echo "samba-share: name at least one UNIT:FOLDER (see --help)" >&2; exit 2; }
[[ "$user" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || { echo "samba-share: '$user' is not a valid user name" >&2; exit 2; }
[ -z "$group" ] || [[ "$group" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || { echo "samba-share: '$group' is not a valid group name" >&2; exit 2; }
for s in "${shares[@]}"; do
  unit="${s%%:*}"; folder="${s#*:}"
  # The unit code names the share; the folder goes verbatim into smb.conf, so no newlines or odd characters.
  [[ "$unit" =~ ^[0-9A-Za-z.]{1,35}$ ]] || { echo "samba-share: '$s': the unit code must be letters, digits and dots" >&2; exit 2; }
  [[ "$folder" =~ ^/[A-Za-z0-9._/-]+$ ]] || { echo "samba-share: '$s': the folder must be an absolute path of letters, digits, . _ - /" >&2; exit 2; }
done

say() { echo "samba-share: $*"; }
real_host() { [ -z "$root" ]; }
if real_host && [ "$(id -u)" -ne 0 ]; then echo "samba-share: run as root (it installs packages, adds a user, edits smb.conf)" >&2; exit 1; fi

password=""
if [ -n "$password_file" ]; then
  password="$(head -n 1 "$password_file")"
elif [ -n "${SOHOA_SMB_PASSWORD:-}" ]; then
  password="$SOHOA_SMB_PASSWORD"
fi

# 1. Package
if ! real_host; then
  say "test root $root: package installation skipped"
elif dpkg-query -W -f='${Status}' samba 2>/dev/null | grep -q 'install ok installed'; then
  say "samba already installed"
else
  say "installing samba"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq samba >/dev/null
fi

# 2. The copiers' account
if ! real_host; then
  say "test root $root: user $user not created"
elif id -u "$user" >/dev/null 2>&1; then
  say "user $user already exists"
else
  useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  say "created system user $user (no shell, no home)"
fi
[ -n "$group" ] || group="$user"
if real_host; then
  getent group "$group" >/dev/null || { echo "samba-share: group '$group' does not exist" >&2; exit 1; }
  if pdbedit -L 2>/dev/null | cut -d: -f1 | grep -qxF "$user"; then
    if [ -n "$password" ]; then
      printf '%s\n%s\n' "$password" "$password" | smbpasswd -s "$user" >/dev/null
      say "Samba password of $user changed"
    else
      say "Samba user $user already exists (password kept)"
    fi
  elif [ -n "$password" ]; then
    printf '%s\n%s\n' "$password" "$password" | smbpasswd -s -a "$user" >/dev/null
    say "Samba user $user added"
  else
    say "Samba user $user has no password yet: run 'smbpasswd -a $user' (or pass --password-file)"
  fi
fi

# 3. Folders, 4. share sections
conf_dir="$root/etc/samba"
conf="$conf_dir/smb.conf"
mkdir -p "$conf_dir"
[ -e "$conf" ] || { printf '[global]\n   workgroup = WORKGROUP\n   server role = standalone server\n' > "$conf"; say "created $conf"; }
changed=0
for s in "${shares[@]}"; do
  unit="${s%%:*}"; folder="${s#*:}"
  dir="$root$folder"
  if [ -d "$dir" ]; then
    say "folder $folder already exists (owner and mode kept)"
  else
    mkdir -p "$dir"
    # setgid: files the copier writes keep the group, so sohoa (in that group) can read and move them.
    chmod 2770 "$dir"
    if real_host; then chown "$user:$group" "$dir"; fi
    say "created folder $folder (mode 2770${root:+, owner not set in test root})"
  fi
  share="sohoa-$unit"
  if grep -qiE "^[[:space:]]*\[$share\][[:space:]]*$" "$conf"; then
    say "share [$share] already in smb.conf (left as it is)"
  else
    cat >> "$conf" <<EOF

[$share]
   comment = sohoa scan-to-folder, unit $unit
   path = $folder
   valid users = $user
   force group = $group
   read only = no
   browseable = yes
   create mask = 0660
   directory mask = 2770
EOF
    changed=1
    say "added share [$share] -> $folder"
  fi
done

if ! real_host; then
  say "test root $root: testparm and reload skipped"
elif [ "$changed" -eq 1 ]; then
  testparm -s "$conf" >/dev/null 2>&1 || { echo "samba-share: testparm finds $conf invalid; check it" >&2; exit 1; }
  if [ -d /run/systemd/system ] && systemctl is-active --quiet smbd; then
    systemctl reload smbd; say "reloaded smbd"
  elif [ -d /run/systemd/system ]; then
    systemctl enable --now smbd >/dev/null; say "enabled and started smbd"
  else
    smbcontrol all reload-config >/dev/null 2>&1 && say "asked running Samba to reload" || say "Samba is not running: start smbd"
  fi
else
  say "smb.conf unchanged: no reload needed"
fi
watch=""
for s in "${shares[@]}"; do watch="${watch:+$watch,}$s"; done
say "done; in sohoa set SOHOA_WATCH_FOLDERS=$watch (each folder gets done/ and failed/ inside)"
