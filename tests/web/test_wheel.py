"""The web app from an installed wheel, not the repository: ``.ci/wheel_web_smoke.py`` in a fresh venv.

The wheel is built from this checkout and installed into a new venv without its dependencies,
which come from the running interpreter's site-packages through a ``.pth`` line (a path line does
not run the ``.pth`` files there, so an editable iosim in it stays out). The smoke script, run
from a temporary folder, checks that iosim is imported from the venv's site-packages and serves
a small trial on a calibrated population (package data) with its plots and report. About a
minute with a warm kernel cache. ``.ci/check_wheel.sh`` is the full version: the locked
dependencies installed into the venv too.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(*cmd: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=900)


def test_installed_wheel_serves_a_trial(tmp_path):
    pytest.importorskip("hatchling")
    built = _run(sys.executable, "-m", "pip", "wheel", str(REPO), "-w", str(tmp_path / "whl"), "--no-deps",
                 "--no-build-isolation", "-q")  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "whl").glob("iosim-*.whl"))
    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", "--without-pip", str(venv)).returncode == 0
    python = venv / "bin" / "python"
    installed = _run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel))
    assert installed.returncode == 0, installed.stderr[-2000:]
    purelib = _run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "iosim_test_deps.pth").write_text("\n".join(deps) + "\n")
    smoke = _run(str(python), str(REPO / ".ci" / "wheel_web_smoke.py"), cwd=tmp_path)
    assert smoke.returncode == 0, smoke.stdout[-2000:] + smoke.stderr[-4000:]
    assert f"from {purelib}" in smoke.stdout
