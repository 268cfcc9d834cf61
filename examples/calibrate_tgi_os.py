"""Calibrate a cancer's tumour growth inhibition–OS model (iosim.endpoints.tgi_os) on the registry's allowed rows.

    python examples/calibrate_tgi_os.py nsclc      # POPLAR: intercept, slope and sigma (a few minutes on 2 cores)
    python examples/calibrate_tgi_os.py melanoma   # CheckMate 066 dacarbazine arm: the intercept

Runs the trial (1,000 virtual patients per arm) once to get each patient's growth rate g, prognostic
factors, radiological progression and death uniform, then searches the coefficients so that the
registry's `calibrated` OS rows are matched (OS does not feed back into g or progression). NSCLC: both
POPLAR arms' median OS and the Cox hazard ratio fix intercept, slope (bounded at <= 0) and sigma. Melanoma:
the one allowed OS observation, CheckMate 066's dacarbazine median OS, fixes the intercept; slope and sigma
stay NSCLC's (docs/endpoints.md).
Rerun after a change to the population, the drugs or the NSCLC coefficients (melanoma after NSCLC), and
copy the printed coefficients into tgi_os.py.
"""

from __future__ import annotations

import math
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq, minimize

from iosim.endpoints.survival import hazard_ratio, kaplan_meier
from iosim.endpoints.tgi_os import NSCLC_KG_SIGMA, NSCLC_KG_SLOPE, TGI_OS, TgiOsModel
from iosim.trials import load_trial_spec, run_trial
from iosim.trials.prognosis import next_line_treated
from iosim.trials.rng import uniforms
from iosim.trials.runner import _DEATH_STREAM
from iosim.trials.store import ResultStore
from iosim.validation.registry import load_registry

HERE = Path(__file__).resolve().parent
TRIAL = {"nsclc": ("poplar", "poplar.yaml"), "melanoma": ("checkmate066", "checkmate066.yaml")}


def simulated_patients(spec_file: str, arms: list[str] | None = None, workers: int = 2):
    spec = load_trial_spec(HERE / spec_file).with_patients(1000)
    if arms is not None:
        spec = spec.model_copy(update={"arms": [a for a in spec.arms if a.name in arms]})
    with tempfile.TemporaryDirectory() as tmp:
        run = run_trial(spec, Path(tmp) / spec.name, spec_dir=HERE, workers=workers)
        with ResultStore(run.out / "results.duckdb", read_only=True) as store:
            people = store.table("patients")
    people = people[people["status"] == "ok"].reset_index(drop=True)
    treated = np.zeros(len(people), dtype=bool)
    for arm in spec.arms:
        rows = (people["arm"] == arm.name).to_numpy()
        share = arm.next_line.share if arm.next_line is not None else 0.0
        treated[rows] = next_line_treated(spec.seed, people.loc[rows, "patient"].to_numpy(), share)
    u = uniforms(spec.seed, people["patient"].to_numpy(), _DEATH_STREAM)
    return spec, people, treated, u


def outcomes(model: TgiOsModel, people: pd.DataFrame, treated, u, follow_up: float) -> pd.DataFrame:
    factors = {f.name: people[f.name].to_numpy() for f in model.factors}
    months, died = model.sample_with_uniforms(
        people["tgi_g_per_day"].to_numpy(), u, follow_up, factors,
        progression_months=people["progression_months"].to_numpy(), next_line=treated,
    )  # fmt: skip
    return pd.DataFrame({"arm": people["arm"].to_numpy(), "os_months": months, "os_event": died})


def median_os(df: pd.DataFrame, arm: str) -> float:
    d = df[df["arm"] == arm]
    return float(kaplan_meier(d["os_months"], d["os_event"]).median_survival_time_)


def calibrate_nsclc() -> None:
    registry = load_registry()
    target = {arm: registry.find("poplar", arm, "median_os_months").observed for arm in ("atezolizumab", "docetaxel")}
    target_hr = registry.find("poplar", "atezolizumab", "hr_os").observed
    spec, people, treated, u = simulated_patients("poplar.yaml")
    base = TGI_OS["nsclc"]

    def model(x: np.ndarray) -> TgiOsModel:
        return replace(base, intercept=x[0], beta_log_g=x[1], sigma=math.exp(x[2]), source="fit")

    def loss(x: np.ndarray) -> float:
        df = outcomes(model(x), people, treated, u, spec.follow_up_months)
        err = sum(math.log(min(median_os(df, arm), 1e3) / want) ** 2 for arm, want in target.items())
        hr = hazard_ratio(df, duration="os_months", event="os_event", arm="atezolizumab", reference="docetaxel")
        return err + (math.log(hr["hr"] / target_hr)) ** 2

    # A few starts (slopes from flat to steep): the loss is flat in sigma and Nelder-Mead stops early. The slope
    # stays <= 0: faster regrowth never lengthens life (negative in every TGI-OS model, Claret 2018, Chan 2021).
    starts = [np.array([2.3, slope, 0.0]) for slope in (-0.2, -0.5, -0.8)]
    bounds = [(None, None), (None, 0.0), (None, None)]
    fits = [
        minimize(loss, x0, method="Nelder-Mead", bounds=bounds, options={"maxfev": 300, "xatol": 1e-3})
        for x0 in starts
    ]
    best = min(fits, key=lambda f: f.fun)
    x = best.x
    df = outcomes(model(x), people, treated, u, spec.follow_up_months)
    hr = hazard_ratio(df, duration="os_months", event="os_event", arm="atezolizumab", reference="docetaxel")
    print(f"nsclc: intercept={x[0]:.3f} beta_log_g={x[1]:.3f} sigma={math.exp(x[2]):.3f}  (loss {best.fun:.2e})")
    for arm in target:
        print(f"  {arm}: median OS {median_os(df, arm):.2f} (observed {target[arm]})")
    print(f"  HR {hr['hr']:.3f} (observed {target_hr})")


def calibrate_melanoma() -> None:
    want = load_registry().find("checkmate066", "dacarbazine", "median_os_months").observed
    # Slope and sigma are NSCLC's (docs/endpoints.md says why); the growth rates do not depend on the intercept.
    base = replace(TGI_OS["melanoma"], beta_log_g=NSCLC_KG_SLOPE, sigma=NSCLC_KG_SIGMA)
    spec, people, treated, u = simulated_patients("checkmate066.yaml", arms=["dacarbazine"])

    def gap(a: float) -> float:
        df = outcomes(replace(base, intercept=a), people, treated, u, spec.follow_up_months)
        return math.log(median_os(df, "dacarbazine") / want)

    a = brentq(gap, 0.0, 5.0, xtol=1e-4)
    df = outcomes(replace(base, intercept=a), people, treated, u, spec.follow_up_months)
    print(f"melanoma: intercept={a:.3f} (slope {base.beta_log_g}, sigma {base.sigma}: NSCLC's POPLAR fit with KG)")
    print(f"  dacarbazine: median OS {median_os(df, 'dacarbazine'):.2f} (observed {want})")


if __name__ == "__main__":
    cancer = sys.argv[1] if len(sys.argv) > 1 else "nsclc"
    if cancer not in TRIAL:
        sys.exit(f"usage: calibrate_tgi_os.py {{{'|'.join(TRIAL)}}}")
    calibrate_nsclc() if cancer == "nsclc" else calibrate_melanoma()
