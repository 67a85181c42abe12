#!/usr/bin/env bash
# Creates baselines/python/.venv and installs the pinned dependencies, once.
#
# Usage: baselines/python/setup.sh [--dev]
#   --dev   also install requirements-dev.txt (pytest, for the tests)
#
# Idempotent and fast when already done: each requirements file is installed only when its
# content (or the venv's Python) changed since the last successful install, as recorded by
# a stamp inside the venv. Progress goes to stderr. Set PYTHON to use another interpreter
# than python3 (3.11 or newer). A missing python3 or venv module is installed as root
# (scripts/ensure-tools.sh), or named in one message.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

say() { echo "python baselines: $*" >&2; }
die() {
  say "$*"
  exit 1
}

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
}

dev=false
for arg in "$@"; do
  case "$arg" in
    --dev) dev=true ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage
      die "unknown argument: $arg"
      ;;
  esac
done

files=(requirements.txt)
if [[ $dev == true ]]; then files+=(requirements-dev.txt); fi

# The stamp of one requirements file: its hash and the venv interpreter's version.
stamp_of() {
  local file="$1" version
  version="$("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null)" || return 1
  printf '%s python-%s\n' "$(sha256sum <"$here/$file" | cut -d' ' -f1)" "$version"
}

stamp_path() { printf '%s/.stamp-%s' "$venv" "$1"; }

up_to_date() {
  local file="$1" want
  want="$(stamp_of "$file")" || return 1
  [[ -f "$(stamp_path "$file")" && "$(cat "$(stamp_path "$file")")" == "$want" ]]
}

all_up_to_date() {
  local file
  for file in "${files[@]}"; do up_to_date "$file" || return 1; done
}

# Fast path: nothing to do.
if [[ -x "$venv/bin/python" ]] && all_up_to_date; then
  exit 0
fi

# python3 and its venv module (Debian and Ubuntu ship it apart, as python3-venv): installed
# as root with apt-get, otherwise one message says what to install.
if [[ $python == python3 ]]; then
  "$here/../../scripts/ensure-tools.sh" python3 python3-venv || exit 1
fi
command -v "$python" >/dev/null 2>&1 ||
  die "$python not found. Install Python 3.11 or newer, or unset PYTHON to use python3."

"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  die "$python is $("$python" -c 'import sys; print(sys.version.split()[0])'); the pinned aiohttp stack needs 3.11 or newer (set PYTHON=python3.11 or similar)."

"$python" -c 'import venv, ensurepip' >/dev/null 2>&1 ||
  die "$python cannot create virtual environments (no venv/ensurepip module). Debian/Ubuntu: apt-get install python3-venv (or python3.N-venv for your python3.N)"

# One setup at a time (the harness and the tests may both call this).
mkdir -p "$venv"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$venv/.setup.lock"
  flock 9
  if [[ -x "$venv/bin/python" ]] && all_up_to_date; then exit 0; fi
fi

# A venv whose interpreter no longer runs (Python upgraded or removed) is rebuilt.
if [[ -e "$venv/bin/python" ]] && ! "$venv/bin/python" -c 'pass' >/dev/null 2>&1; then
  say "the virtual environment's Python no longer runs; rebuilding $venv"
  find "$venv" -mindepth 1 -maxdepth 1 ! -name .setup.lock -exec rm -rf {} +
fi

if [[ ! -x "$venv/bin/python" ]]; then
  say "creating virtual environment $venv ($("$python" --version 2>&1))"
  "$python" -m venv "$venv" ||
    die "'$python -m venv' failed. Debian/Ubuntu: apt-get install python3-venv (or python3.N-venv for your python3.N)"
fi

"$venv/bin/python" -m pip --version >/dev/null 2>&1 ||
  die "pip is missing from $venv. Debian/Ubuntu: apt-get install python3-venv python3-pip, then delete $venv and rerun"

for file in "${files[@]}"; do
  up_to_date "$file" && continue
  say "installing $file into $venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$here/$file" >&2 ||
    die "pip install -r $file failed (is PyPI reachable? see the pip output above)"
  stamp_of "$file" >"$(stamp_path "$file")"
done
say "ready: $venv"
