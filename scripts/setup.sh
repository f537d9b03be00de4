#!/usr/bin/env bash
# Everything nnviz needs on a fresh Debian machine: manim's system libraries and what builds
# pycairo and ManimPango from source (installed only when missing), a virtual environment in
# .venv, and the package with its extras, pinned by requirements.lock (Playwright among them).
# With --test, also what the tests need: Debian's chromium for the browser test of the HTML deck,
# and reveal.js from npm in slides/reveal.js.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libcairo2-dev libpango1.0-dev pkg-config build-essential python3-dev python3-venv)
[ "${1:-}" = "--test" ] && packages+=(chromium)  # npm, for reveal.js, comes with the machine
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then  # none yet, or a broken one
    rm -rf .venv
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.nnviz-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q -c requirements.lock -e ".[slides,test]"
    touch "$stamp"
fi

# reveal.js for the offline deck's browser test; quick when already there.
[ "${1:-}" = "--test" ] && bash scripts/revealjs.sh
exit 0
