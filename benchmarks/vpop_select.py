"""Benchmark: selecting virtual patients from N plausible ones, `iosim vpop build` end to end.

Runs the command line as a user would (plausible patients -> cohort simulation of one arm ->
first-lesion metrics and tumour growth-inhibition fits -> selection -> population files) in a
child process and reports the wall time. Target (issue 13): 200,000 plausible patients for one
cancer in <= 15 minutes on a 2-core machine.

    .venv/bin/python benchmarks/vpop_select.py --plausible 200000 --workers 2 --json out.json

The flagship kernel is compiled (or loaded from the cache) before the clock starts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "oak.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--plausible", type=int, default=200_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="iosim-bench-vpop-") as tmp:
        spec = yaml.safe_load(SPEC.read_text()) | {"population": None}
        (Path(tmp) / "oak.yaml").write_text(yaml.safe_dump(spec))
        warm = [sys.executable, "-m", "iosim", "trial", "oak.yaml", "--patients", "20", "--out", "warm"]
        subprocess.run(warm, cwd=tmp, check=True, capture_output=True)
        cmd = [sys.executable, "-m", "iosim", "vpop", "build", "oak.yaml", "--arm", "atezolizumab",
               "--data", "oak_atezolizumab", "--plausible", str(args.plausible), "--workers", str(args.workers),
               "--seed", "1", "--out", "pop/nsclc.yaml"]  # fmt: skip
        start = time.perf_counter()
        run = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if run.returncode != 0:
            sys.exit(run.stderr)
        selection = yaml.safe_load((Path(tmp) / "pop" / "nsclc.yaml").read_text())["selection"]
    result = {
        "plausible": args.plausible, "workers": args.workers, "wall_s": round(wall, 1),
        "plausible_per_s": round(args.plausible / wall, 1), "selected": selection["selected"],
        "ks_best_pct_change": selection["ks_best_pct_change"], "target_s": 900, "met": wall <= 900,
    }  # fmt: skip
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
