"""The landscape: one drug's labelled monotherapy in every cancer type, against the cancers' biology.

``landscape("pembrolizumab")`` gives each cancer type of :mod:`iosim.cancers` a virtual trial of
``patients`` patients on the drug's ``default`` (label) regimen, read out as a trial is
(:func:`iosim.cancer_trials.cancer_trials`, the same trials the matrix and the web app show: each
cancer's criteria with confirmation, scans every 8 weeks, 24 months of follow-up). Each cancer's
population is the one its registry trials use (:func:`iosim.cancer_trials.cancer_population`); a
cancer with no calibrated registry entry is ``calibrated = False``. Where the calibration registry
holds an observed ORR of a single-drug arm of the same mechanism in that cancer (e.g. any anti-PD-1
antibody for pembrolizumab), it is shown beside the prediction (``observed_orr``); those entries
are ``predicted`` unless the cancer's population was calibrated on them, and nothing here is tuned.

A drug that cannot act on a cancer (a CD19 CAR-T in a solid tumour, whose cells lack CD19) is still
simulated: the model then shows what the mechanism implies, usually no response, and the
scenario's note says why (``note``). Results do not depend on ``workers``: every patient's random
numbers are a function of (seed, patient) (:mod:`iosim.trials.rng`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from iosim.cancer_trials import FOLLOW_UP_MONTHS, PATIENTS, SEED
from iosim.errors import InputError

#: Virtual patients per cancer, seed and follow-up: those of :mod:`iosim.cancer_trials`, shared with the matrix.
LANDSCAPE_PATIENTS = PATIENTS
#: Most virtual patients per cancer.
MAX_LANDSCAPE_PATIENTS = 10_000
LANDSCAPE_SEED = SEED
COLUMNS = ["cancer", "drug", "patients", "orr", "orr_ci_low", "orr_ci_high", "cr_rate", "median_pfs_months",
           "calibrated", "regimen", "tmb", "immunogenicity", "infiltration", "pdl1_base",
           "observed_orr", "observed_ci_low", "observed_ci_high", "observed_source", "note"]  # fmt: skip


def _check(drug: str, patients: int):
    from iosim.therapy.catalogue import get_drug

    d = get_drug(drug)  # UnknownNameError (an IosimError) names the close matches
    if isinstance(patients, bool) or not isinstance(patients, (int, np.integer)):
        raise InputError(f"patients must be a whole number, got {patients!r}")
    if not 1 <= patients <= MAX_LANDSCAPE_PATIENTS:
        raise InputError(f"patients {patients}: give a number of virtual patients from 1 to {MAX_LANDSCAPE_PATIENTS}")
    return d


def observed_orr(cancer: str, drug) -> dict | None:
    """The registry's observed ORR of a single-drug arm in ``cancer`` whose drug acts as ``drug`` does
    (same class and mechanism): an arm of that very drug first, then the largest. ``None`` when the
    registry has none."""
    from iosim.therapy.catalogue import get_drug
    from iosim.trials.spec import load_trial_spec
    from iosim.validation.populations import trial_cancer
    from iosim.validation.registry import load_registry

    registry = load_registry()
    best = None
    for e in registry:
        if e.endpoint != "orr" or trial_cancer(e.trial, registry) != cancer:
            continue
        arm = next(a for a in load_trial_spec(registry.spec_path(e.trial)).arms if a.name == e.arm)
        if len(arm.therapies) != 1:
            continue
        other = get_drug(arm.therapies[0].drug)
        if (other.drug_class, other.mechanism) != (drug.drug_class, drug.mechanism):
            continue
        rank = (arm.therapies[0].drug == drug.id, e.n or 0)  # the same drug first, then the largest arm
        if best is None or rank > best[0]:
            best = (rank, e)
    if best is None:
        return None
    best = best[1]
    return {"observed_orr": best.observed, "observed_ci_low": best.ci_low, "observed_ci_high": best.ci_high,
            "observed_source": f"{best.id} ({best.role}): {best.source}"}  # fmt: skip


def landscape(
    drug: str,
    patients: int = LANDSCAPE_PATIENTS,
    *,
    cancers: Sequence[str] | None = None,
    seed: int = LANDSCAPE_SEED,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """One row per cancer (columns :data:`COLUMNS`): the drug's label monotherapy in ``patients``
    virtual patients of each cancer type (default: every type). ``progress(done, total)`` is called
    after each chunk of patients."""
    from iosim.cancer_trials import cancer_trials
    from iosim.cancers import cancer_ids, get_cancer

    d = _check(drug, patients)
    cancers = list(cancers) if cancers else cancer_ids()
    for c in cancers:
        get_cancer(c)
    trials = cancer_trials(d.id, cancers, patients, seed=seed, follow_up_months=FOLLOW_UP_MONTHS, workers=workers,
                           progress=progress)  # fmt: skip
    rows = []
    for c, t in trials.items():
        ct = get_cancer(c)
        rows.append({
            "cancer": c, "drug": d.id, "regimen": d.regimens["default"], "patients": t.patients,
            "orr": t.orr, "orr_ci_low": t.orr_ci_low, "orr_ci_high": t.orr_ci_high, "cr_rate": t.cr_rate,
            "median_pfs_months": t.median_pfs_months, "calibrated": t.calibrated,
            "tmb": ct.neoantigen_load.value, "immunogenicity": ct.immunogenicity,
            "infiltration": ct.infiltration.value, "pdl1_base": ct.pdl1.value,
            **(observed_orr(c, d) or {"observed_orr": np.nan, "observed_ci_low": np.nan,
                                      "observed_ci_high": np.nan, "observed_source": ""}),
            "note": "; ".join(t.notes),
        })  # fmt: skip
    rates = ["orr", "orr_ci_low", "orr_ci_high", "cr_rate", "median_pfs_months", "immunogenicity"]
    return pd.DataFrame(rows, columns=COLUMNS).round({c: 4 for c in rates})


def plot_landscape(df: pd.DataFrame, path: str | Path | None = None):
    """Predicted ORR (95% CI) against TMB on a log axis, each cancer labelled, the registry's observed
    ORR beside it where there is one; and, on the right, predicted against observed."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.8), gridspec_kw={"width_ratios": [1.7, 1]})
    colour = np.where(df["calibrated"], "#1f77b4", "#d95f02")
    err = np.vstack([df["orr"] - df["orr_ci_low"], df["orr_ci_high"] - df["orr"]]) * 100
    ax.errorbar(df["tmb"], df["orr"] * 100, yerr=err, fmt="none", ecolor="grey", alpha=0.5, lw=1)
    ax.scatter(df["tmb"], df["orr"] * 100, c=colour, s=36, zorder=3)
    seen = df["observed_orr"].notna()
    for r in df[seen].itertuples():
        ax.plot([r.tmb, r.tmb], [r.orr * 100, r.observed_orr * 100], color="black", lw=0.6, alpha=0.5)
    ax.scatter(df.loc[seen, "tmb"], df.loc[seen, "observed_orr"] * 100, facecolors="none", edgecolors="black",
               s=36, zorder=3, label="observed (registry)")  # fmt: skip
    for r in df.itertuples():
        ax.annotate(r.cancer, (r.tmb, r.orr * 100), fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("neoantigen load: median TMB (mut/Mb; TMB-equivalents for RCC and Merkel)")
    ax.set_ylabel("objective response rate (%)")
    ax.scatter([], [], c="#1f77b4", label="predicted, calibrated population")
    ax.scatter([], [], c="#d95f02", label="predicted, uncalibrated")
    ax.legend(fontsize=7, loc="upper left")
    drug, n = df["drug"].iloc[0], int(df["patients"].max())
    ax.set_title(f"{drug} monotherapy: ORR of {n} virtual patients per cancer (95% CI)", fontsize=9)
    obs = df[seen]
    ax2.errorbar(obs["observed_orr"] * 100, obs["orr"] * 100,
                 yerr=np.vstack([obs["orr"] - obs["orr_ci_low"], obs["orr_ci_high"] - obs["orr"]]) * 100,
                 xerr=np.vstack([obs["observed_orr"] - obs["observed_ci_low"],
                                 obs["observed_ci_high"] - obs["observed_orr"]]).clip(min=0) * 100,
                 fmt="none", ecolor="grey", alpha=0.5, lw=1)  # fmt: skip
    ax2.scatter(obs["observed_orr"] * 100, obs["orr"] * 100, c=colour[seen.to_numpy()], s=36, zorder=3)
    for r in obs.itertuples():
        ax2.annotate(r.cancer, (r.observed_orr * 100, r.orr * 100), fontsize=7, xytext=(4, 3),
                     textcoords="offset points")  # fmt: skip
    top = max(100.0, float(np.nanmax([*(obs["orr_ci_high"] * 100), 0.0])))
    ax2.plot([0, top], [0, top], color="black", lw=0.6, ls="--")
    ax2.set_xlim(0, top)
    ax2.set_ylim(0, top)
    ax2.set_xlabel("observed ORR (%), registry")
    ax2.set_ylabel("predicted ORR (%)")
    ax2.set_title("predicted vs observed (same mechanism, single drug)", fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig
