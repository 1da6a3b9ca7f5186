#!/usr/bin/env bash
# Debian's chromium + chromedriver for the labelling page's browser tests.
# Never fatal: without them those tests skip and say why.
set -uo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "no chromium/chromedriver and no root apt-get: the browser tests of 'har label' will skip"
  exit 0
fi
echo "installing Debian's chromium and chromium-driver (browser tests of 'har label')"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null 2>&1; then
  apt-get update -q >/dev/null 2>&1 &&
    apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null 2>&1 ||
    echo "apt-get could not install chromium: the browser tests of 'har label' will skip"
fi
exit 0
