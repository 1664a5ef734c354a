#!/usr/bin/env bash
# Debian packages the tests need: Chromium for Playwright (Playwright's own browser download cannot work
# offline) and a docker compose client to validate docker-compose.yml (no engine needed for that).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || need+=(docker-compose)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Missing Debian packages: ${need[*]} (apt-get install -y ${need[*]}), then re-run." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
