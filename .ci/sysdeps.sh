#!/bin/sh
# Install the Debian packages the tests need, when missing and when we may (root with apt-get).
set -e
need=""
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need="$need fonts-noto-cjk"
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || need="$need libharfbuzz-subset0"
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need="$need libpango-1.0-0 libpangoft2-1.0-0"
[ -x /usr/bin/chromium ] || need="$need chromium"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing:$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
else
  echo "missing system packages:$need (install them with your package manager)" >&2
  exit 1
fi
