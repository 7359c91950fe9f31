#!/usr/bin/env bash
# Install the system libraries CSE Desktop needs, when they are missing (Debian/Ubuntu).
#   tools/ensure-system-deps.sh test   # what the test suite needs (Qt offscreen, a PostgreSQL
#                                      # server for the throwaway clusters of tests/support/pg.py)
#   tools/ensure-system-deps.sh gui    # plus what a real X11/Wayland desktop session needs
# Does nothing when everything is present; needs root (or sudo) only to install.
set -euo pipefail
mode=${1:-test}

# library file -> Debian package
declare -A libs=(
  [libEGL.so.1]=libegl1 [libGL.so.1]=libgl1 [libxkbcommon.so.0]=libxkbcommon0
  [libfontconfig.so.1]=libfontconfig1 [libfreetype.so.6]=libfreetype6
  [libdbus-1.so.3]=libdbus-1-3 [libglib-2.0.so.0]=libglib2.0-0 [libX11.so.6]=libx11-6
  [libxcb.so.1]=libxcb1
)
if [ "$mode" = gui ]; then
  libs+=(
    [libxcb-cursor.so.0]=libxcb-cursor0 [libxcb-icccm.so.4]=libxcb-icccm4
    [libxcb-keysyms.so.1]=libxcb-keysyms1 [libxcb-shape.so.0]=libxcb-shape0
    [libxkbcommon-x11.so.0]=libxkbcommon-x11-0 [libxcb-randr.so.0]=libxcb-randr0
    [libxcb-render-util.so.0]=libxcb-render-util0 [libxcb-image.so.0]=libxcb-image0
  )
fi

known=$(PATH="$PATH:/usr/sbin:/sbin" ldconfig -p 2>/dev/null || true)  # sbin: off PATH for users
missing=()
for lib in "${!libs[@]}"; do
  grep -q "$lib" <<<"$known" || missing+=("${libs[$lib]}")
done

if [ "$mode" = test ]; then
  # PostgreSQL server binaries (Debian keeps them off PATH, in /usr/lib/postgresql/<version>/bin)
  have_pg=""
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then have_pg=1; fi
  for bindir in /usr/lib/postgresql/*/bin; do
    [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] && have_pg=1
  done
  [ -n "$have_pg" ] || missing+=(postgresql)
  # runuser runs PostgreSQL as an unprivileged user when the tests run as root (sbin: off PATH
  # for ordinary users)
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v runuser >/dev/null; then missing+=(util-linux); fi
  # pdftoppm renders the printed reports to PNG so tests (and people) can look at them
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
if ! command -v apt-get >/dev/null; then
  echo "Please install these packages with your system's package manager: ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
