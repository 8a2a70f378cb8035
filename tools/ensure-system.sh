#!/usr/bin/env bash
# Make sure the system programs the test suite drives are present: Java (for the Nu HTML
# Checker) and Debian's Chromium (for the real-browser tests). Installs them with apt when
# running as root; otherwise says what to install and fails, rather than skipping tests.
set -euo pipefail

missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "the tests need these system packages: ${missing[*]}" >&2
  echo "install them (e.g. sudo apt-get install ${missing[*]}) and run make test again" >&2
  exit 1
fi
