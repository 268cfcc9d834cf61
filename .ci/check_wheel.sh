#!/usr/bin/env bash
# The web app from an installed wheel, in a fresh venv, far from the repository: build the wheel,
# install it with the locked dependencies, serve a trial (.ci/wheel_web_smoke.py). A few minutes
# (the dependencies' install); tests/web/test_wheel.py is the quick in-suite version.
# Usage: .ci/check_wheel.sh [PYTHON]   (default python3.11)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
py="${1:-python3.11}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$py" -m pip wheel "$repo" -w "$work/whl" --no-deps -q
"$py" -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-deps -r "$repo/requirements.lock"
"$work/venv/bin/pip" install -q --no-deps "$work"/whl/iosim-*.whl
cd "$work"  # not the repository: nothing of it on sys.path
"$work/venv/bin/python" "$repo/.ci/wheel_web_smoke.py"
