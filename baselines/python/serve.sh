#!/usr/bin/env bash
# Runs one of the seed's Python servers in the foreground, with the venv's Python.
#
# Usage: baselines/python/serve.sh VARIANT [--addr HOST:PORT] [--delay-ms N]
#   VARIANT   sync            http.server, one request at a time, time.sleep    (default :9000)
#             async           aiohttp, await asyncio.sleep                      (default :9001)
#             async-blocking  aiohttp, time.sleep inside the async handler      (default :9002)
#   Other flags go to the server; `serve.sh VARIANT --help` explains them.
#
# The script execs Python, so its PID is the server's and SIGTERM/SIGINT reach the server
# (clean exit 0). Run baselines/python/setup.sh once first.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
}

if [[ $# -lt 1 ]]; then
  usage
  exit 2
fi

case "$1" in
  sync) server=sync_server.py ;;
  async) server=async_server.py ;;
  async-blocking) server=async_blocking_server.py ;;
  -h | --help)
    usage
    exit 0
    ;;
  *)
    echo "serve.sh: unknown variant '$1' (expected sync, async or async-blocking)" >&2
    exit 2
    ;;
esac
shift

want="$(sha256sum <"$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$venv/.stamp-requirements.txt" ]]; then
  echo "serve.sh: the Python baselines are not set up: run baselines/python/setup.sh first" >&2
  exit 1
fi
if [[ "$(cut -d' ' -f1 "$venv/.stamp-requirements.txt")" != "$want" ]]; then
  echo "serve.sh: requirements.txt changed since the last setup: run baselines/python/setup.sh" >&2
  exit 1
fi

exec "$venv/bin/python" "$here/$server" "$@"
