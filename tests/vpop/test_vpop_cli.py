"""``iosim vpop build`` and ``iosim vpop compare`` end to end, on a small synthetic data set."""

import subprocess
import sys

import numpy as np
import pandas as pd
import yaml

from iosim.trials.population import load_population

SPEC = """
name: tiny
cancer: nsclc
seed: 3
patients_per_arm: 50
follow_up_months: 9
assessment_every_weeks: 6
arms:
  - name: atezolizumab
    therapies: [{drug: atezolizumab, regimen: "1200mg-q3w"}]
"""


def _iosim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "iosim", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_build_then_trial_then_compare(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC)
    rng = np.random.default_rng(0)
    rows = []
    for p in range(40):  # observed lesions: half shrink, half grow, six-weekly scans
        rate = rng.choice([-0.004, 0.003]) + 0.001 * rng.standard_normal()
        for k in range(5):
            rows.append((p, 42.0 * k, 40.0 * np.exp(rate * 42 * k)))
    pd.DataFrame(rows, columns=["patient", "day", "diameter_mm"]).to_csv(tmp_path / "obs.csv", index=False)
    r = _iosim("vpop", "build", "spec.yaml", "--arm", "atezolizumab", "--data", "obs.csv", "--plausible", "600",
               "--seed", "2", "--max-patients", "100", "--out", "pop/nsclc.yaml", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    pop = load_population(tmp_path / "pop" / "nsclc.yaml")
    pool = pd.read_parquet(tmp_path / "pop" / "nsclc.parquet")
    assert pop.pool is not None and pop.anatomy_seed == 2 and 0 < len(pool) <= 100
    assert pop.selection["plausible"] > 400 and pop.selection["selected"] >= len(pool)
    spec = yaml.safe_load(SPEC) | {"population": "pop/nsclc.yaml"}
    (tmp_path / "trial.yaml").write_text(yaml.safe_dump(spec))
    r = _iosim("trial", "trial.yaml", "--out", "t", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = _iosim("vpop", "compare", "t", "--arm", "atezolizumab", "--data", "obs.csv", "--plot", "cmp.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "share_best_le_minus30" in r.stdout and (tmp_path / "cmp.png").stat().st_size > 10_000


def test_bad_inputs_are_one_line_errors(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC)
    r = _iosim("vpop", "build", "spec.yaml", "--arm", "nope", "--data", "oak_atezolizumab", "--plausible", "5000",
               "--out", "p.yaml", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "no arm 'nope'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = _iosim("vpop", "build", "spec.yaml", "--arm", "atezolizumab", "--data", "missing.csv", "--out", "p.yaml",
               cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "oak_atezolizumab" in r.stderr
