"""Calibrate the NSCLC tumour growth inhibition–OS model (iosim.endpoints.tgi_os) on POPLAR.

    python examples/calibrate_tgi_os.py            # about two minutes on 2 cores

Runs POPLAR (examples/poplar.yaml, 1,000 virtual patients per arm) once to get each patient's growth
rate g and death uniform, then fits intercept, slope and sigma of the log-normal OS model so that the
two arms' median OS and the Cox hazard ratio match the registry's `calibrated` POPLAR rows (a search on
the three numbers; OS does not feed back into g). Prints the coefficients to copy into TGI_OS.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from iosim.endpoints.survival import hazard_ratio, kaplan_meier
from iosim.endpoints.tgi_os import TgiOsModel
from iosim.trials import load_trial_spec, run_trial
from iosim.trials.rng import uniforms
from iosim.trials.runner import _DEATH_STREAM
from iosim.trials.store import ResultStore
from iosim.validation.registry import load_registry

HERE = Path(__file__).resolve().parent


def main() -> None:
    registry = load_registry()
    target = {arm: registry.find("poplar", arm, "median_os_months").observed for arm in ("atezolizumab", "docetaxel")}
    target_hr = registry.find("poplar", "atezolizumab", "hr_os").observed
    spec = load_trial_spec(HERE / "poplar.yaml").with_patients(1000)
    with tempfile.TemporaryDirectory() as tmp:
        run = run_trial(spec, Path(tmp) / "poplar", spec_dir=HERE, workers=2)
        with ResultStore(run.out / "results.duckdb", read_only=True) as store:
            people = store.table("patients")
    people = people[people["status"] == "ok"]
    u = uniforms(spec.seed, people["patient"].to_numpy(), _DEATH_STREAM)
    follow_up = spec.follow_up_months

    def outcomes(x: np.ndarray) -> pd.DataFrame:
        model = TgiOsModel(intercept=x[0], beta_log_g=x[1], sigma=math.exp(x[2]), source="fit")
        months, died = model.sample_with_uniforms(people["tgi_g_per_day"].to_numpy(), u, follow_up)
        return pd.DataFrame({"arm": people["arm"].to_numpy(), "os_months": months, "os_event": died})

    def loss(x: np.ndarray) -> float:
        df = outcomes(x)
        err = 0.0
        for arm, want in target.items():
            d = df[df["arm"] == arm]
            median = kaplan_meier(d["os_months"], d["os_event"]).median_survival_time_
            err += (math.log(min(median, 1e3) / want)) ** 2
        hr = hazard_ratio(df, duration="os_months", event="os_event", arm="atezolizumab", reference="docetaxel")
        return err + (math.log(hr["hr"] / target_hr)) ** 2

    # A few starts (slopes from flat to steep): the loss is flat in sigma and Nelder-Mead stops early.
    starts = [np.array([2.3, slope, 0.0]) for slope in (-0.2, -0.5, -0.8)]
    fits = [minimize(loss, x0, method="Nelder-Mead", options={"maxfev": 300, "xatol": 1e-3}) for x0 in starts]
    best = min(fits, key=lambda f: f.fun)
    x = best.x
    df = outcomes(x)
    hr = hazard_ratio(df, duration="os_months", event="os_event", arm="atezolizumab", reference="docetaxel")
    print(f"intercept={x[0]:.3f} beta_log_g={x[1]:.3f} sigma={math.exp(x[2]):.3f}  (loss {best.fun:.2e})")
    for arm in target:
        d = df[df["arm"] == arm]
        print(f"  {arm}: median OS {kaplan_meier(d['os_months'], d['os_event']).median_survival_time_:.2f} "
              f"(observed {target[arm]})")  # fmt: skip
    print(f"  HR {hr['hr']:.3f} (observed {target_hr})")


if __name__ == "__main__":
    main()
