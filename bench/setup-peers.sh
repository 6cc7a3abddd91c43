#!/bin/sh
# Installs what the benchmark runs beside pixvault from Debian's archive when the binaries are
# missing: the peers (nginx with its WebDAV module, rclone) and Info-ZIP's zip and unzip (the
# `zip -0` baseline of the archive rows and the check of the zips pixvault serves).
# Usage: setup-peers.sh [tool…] (default: nginx rclone zip unzip; each is also its package name).
# Idempotent: with all present it does nothing and needs no root.
# Exit status: 0 when all are present afterwards, 1 otherwise (bench/run.ts then skips the
# missing peer, or marks the zip -0 row skipped, with a note in its table rather than failing).
set -u

[ $# -eq 0 ] && set -- nginx rclone zip unzip
missing=""
for tool in "$@"; do
  case "$tool" in
    nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx" ;;
    *) command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool" ;;
  esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "setup-peers: missing:$missing; run as root (or: sudo apt-get install -y$missing) to benchmark with them" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-peers: missing:$missing and no apt-get here; install them by hand to benchmark with them" >&2
  exit 1
fi

# Debian's nginx package starts a system nginx on port 80 when installed; the benchmark runs its
# own, so keep the package from starting services unless the machine already has a policy.
policy=/usr/sbin/policy-rc.d
added_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && added_policy=1
fi
cleanup() { [ -n "$added_policy" ] && rm -f "$policy"; }
trap cleanup EXIT INT TERM

echo "setup-peers: installing$missing with apt-get" >&2
status=0
DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || status=$?
if [ "$status" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$missing >&2 || status=$?
fi
if [ "$status" != 0 ]; then
  echo "setup-peers: apt-get failed ($status); the benchmark will skip:$missing" >&2
  exit 1
fi
exit 0
