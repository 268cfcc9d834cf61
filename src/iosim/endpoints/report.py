"""The trial report: one self-contained, offline HTML file (inline CSS, images as base64 PNG, no links).

Sections: summary table, waterfall plot, spider plot, Kaplan-Meier curves for PFS and OS with censor
marks and numbers at risk (lifelines' ``add_at_risk_counts``), hazard ratios, and the
observed-vs-simulated calibration/prediction table when given. Large arms are subsampled for the
waterfall (``WATERFALL_MAX`` patients per arm) and spider (``SPIDER_MAX``) plots, with a note saying
so; the subsample is drawn from a fixed seed so the same results give the same report.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from iosim.endpoints import survival
from iosim.errors import InputError

WATERFALL_MAX = 2000
SPIDER_MAX = 100
COLOURS = {"CR": "#1b5e20", "PR": "#43a047", "SD": "#9e9e9e", "PD": "#c62828", "NE": "#d7ccc8"}
ASSESSMENT_COLUMNS = ("arm", "patient", "week", "sld_mm", "pct_change", "response")

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0} th,td{padding:.25em .6em;text-align:right}
th{background:#f0f0f0} tr:nth-child(even){background:#fafafa} td:first-child,th:first-child{text-align:left}
img{max-width:100%} .note{color:#555;font-size:.9em}
"""


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return '<img alt="figure" src="data:image/png;base64,' + base64.b64encode(buf.getvalue()).decode("ascii") + '">'


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, border=0, na_rep="–", escape=True, float_format=lambda x: f"{x:.3g}")


def _fmt_median(row, ep: str) -> str:
    med, lo, hi = (row.get(f"median_{ep}_months"), row.get(f"median_{ep}_lower"), row.get(f"median_{ep}_upper"))

    def f(x):
        return "NR" if x is None or not np.isfinite(x) else f"{x:.1f}"

    return f"{f(med)} ({f(lo)}–{f(hi)})"


def _summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"Arm": summary["arm"], "N": summary["n"]})
    if "n_failed" in summary:
        out["Failed"] = summary["n_failed"]
    for col, label in (("orr", "ORR"), ("cr_rate", "CR rate"), ("dcr", "DCR")):
        if col in summary:
            out[label] = [f"{100 * x:.1f}%" if np.isfinite(x) else "–" for x in summary[col]]
    for ep, label in (("dor", "DOR"), ("pfs", "PFS"), ("os", "OS")):
        if f"median_{ep}_months" in summary:
            out[f"Median {label}, months (95% CI)"] = [_fmt_median(r, ep) for _, r in summary.iterrows()]
    return out


def _best_change(assessments: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    post = assessments[assessments["week"] > 0].dropna(subset=["pct_change"])
    best = post.groupby(["arm", "patient"], sort=False)["pct_change"].min().rename("best").reset_index()
    resp = outcomes[["arm", "patient", "best_response"]]
    return best.merge(resp, on=["arm", "patient"], how="left").fillna({"best_response": "NE"})


def _drop_failed(assessments: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Assessments of successfully simulated patients (failed ones are few: no merge of the big table)."""
    if "status" not in outcomes.columns:
        return assessments
    failed = outcomes[outcomes["status"] != "ok"]
    if failed.empty:
        return assessments
    drop = np.zeros(len(assessments), dtype=bool)
    for arm, g in failed.groupby("arm", sort=False):
        drop |= (assessments["arm"] == arm).to_numpy() & assessments["patient"].isin(g["patient"]).to_numpy()
    return assessments[~drop]


def _subsample(df: pd.DataFrame, k: int, rng: np.random.Generator) -> pd.DataFrame:
    return df if len(df) <= k else df.iloc[np.sort(rng.choice(len(df), size=k, replace=False))]


def _legend(ax) -> None:
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, label=n) for n, c in COLOURS.items()], fontsize=8, loc="upper right", ncol=5)


def _waterfall(best: pd.DataFrame, arms: list[str], rng) -> tuple[str, str]:
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    fig, axes = plt.subplots(len(arms), 1, figsize=(10, 2.6 * len(arms)), squeeze=False, sharey=True)
    notes = []
    for ax, arm in zip(axes[:, 0], arms):
        g = best[best["arm"].astype(str) == arm]
        s = _subsample(g, WATERFALL_MAX, rng).sort_values("best", ascending=False)
        if len(s) < len(g):
            notes.append(f"{arm}: random {len(s):,} of {len(g):,} patients")
        y = np.clip(s["best"].to_numpy(float), -100, 100)
        x = np.arange(len(s), dtype=float)
        # one PolyCollection of rectangles: thousands of ax.bar patches would take seconds to draw
        verts = np.stack([np.c_[x - 0.5, 0 * y], np.c_[x - 0.5, y], np.c_[x + 0.5, y], np.c_[x + 0.5, 0 * y]], axis=1)
        colours = [COLOURS.get(r, "#000") for r in s["best_response"]]
        ax.add_collection(PolyCollection(verts, facecolors=colours, edgecolors="none"))
        ax.axhline(20, color="#c62828", ls="--", lw=1)
        ax.axhline(-30, color="#1b5e20", ls="--", lw=1)
        ax.axhline(0, color="black", lw=0.5)
        ax.set_xlim(-0.5, max(len(s), 1) - 0.5)
        ax.set_xticks([])
        ax.set_ylim(-105, 105)
        ax.set_title(f"{arm} (n={len(s):,})", fontsize=10)
        ax.set_ylabel("best change from\nbaseline (%)")
    _legend(axes[0, 0])
    fig.tight_layout()
    return _png(fig), "; ".join(notes)


def _spider(assessments: pd.DataFrame, outcomes: pd.DataFrame, arms: list[str], rng) -> tuple[str, str]:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(arms), figsize=(4.2 * len(arms), 3.6), squeeze=False, sharey=True)
    resp = outcomes.set_index(["arm", "patient"])["best_response"]
    notes = []
    for ax, arm in zip(axes[0], arms):
        a = assessments[assessments["arm"].astype(str) == arm]
        patients = pd.unique(a["patient"])
        chosen = patients if len(patients) <= SPIDER_MAX else rng.choice(patients, size=SPIDER_MAX, replace=False)
        if len(chosen) < len(patients):
            notes.append(f"{arm}: random {len(chosen)} of {len(patients):,} patients")
        sub = a[a["patient"].isin(chosen)].sort_values(["patient", "week"])
        for pid, p in sub.groupby("patient", sort=False):
            w, y = p["week"].to_numpy(float), p["pct_change"].to_numpy(float)
            if len(w) == 0 or w[0] > 0:
                w, y = np.r_[0.0, w], np.r_[0.0, y]
            colour = COLOURS.get(str(resp.get((p["arm"].iloc[0], pid), "NE")), "#000")
            ax.plot(w, np.clip(y, -100, 200), color=colour, lw=0.8, alpha=0.7)
        ax.axhline(20, color="#c62828", ls="--", lw=1)
        ax.axhline(-30, color="#1b5e20", ls="--", lw=1)
        ax.set_title(arm, fontsize=10)
        ax.set_xlabel("week")
    axes[0, 0].set_ylabel("change from baseline (%)")
    _legend(axes[0, -1])
    fig.tight_layout()
    return _png(fig), "; ".join(notes)


def _km(outcomes: pd.DataFrame, ep: str, label: str) -> str:
    import matplotlib.pyplot as plt
    from lifelines.plotting import add_at_risk_counts

    fitters = survival.fit_arms(outcomes, duration=f"{ep}_months", event=f"{ep}_event")
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for kmf in fitters.values():
        kmf.plot_survival_function(ax=ax, show_censors=True, censor_styles={"ms": 4, "marker": "|"})
    ax.set_xlabel("months")
    ax.set_ylabel(f"{label} probability")
    ax.set_ylim(0, 1.02)
    ax.set_title(label)
    add_at_risk_counts(*fitters.values(), ax=ax, fig=fig, rows_to_show=["At risk"])
    fig.tight_layout()
    return _png(fig)


def write_report(
    path,
    *,
    title: str,
    summary: pd.DataFrame,
    outcomes: pd.DataFrame,
    assessments: pd.DataFrame,
    hazard_ratios: pd.DataFrame | None,
    calibration: pd.DataFrame | None = None,
    seed: int = 0,
) -> Path:
    """Write the HTML report to ``path`` and return it.

    ``summary`` is :func:`iosim.endpoints.summary.summarize`'s table; ``outcomes`` one row per patient
    (``arm, patient, status, best_response, pfs_months, pfs_event, os_months, os_event``);
    ``assessments`` one row per patient and assessment (``arm, patient, week, sld_mm, pct_change,
    response``; rows at week 0 are the baseline); ``hazard_ratios`` as from
    :func:`iosim.endpoints.survival.compare_arms`; ``calibration`` observed vs simulated per arm with a
    column saying "calibrated" or "predicted". ``seed`` fixes the plot subsamples.
    """
    missing = [c for c in ASSESSMENT_COLUMNS if c not in assessments.columns]
    if missing:
        raise InputError(f"assessments lack column(s) {', '.join(missing)}")
    rng = np.random.default_rng(seed)
    ok = outcomes[outcomes["status"] == "ok"] if "status" in outcomes.columns else outcomes
    assess_ok = _drop_failed(assessments, outcomes)
    arms = [str(a) for a in pd.unique(ok["arm"].astype(str))]
    if not arms:
        raise InputError("no successfully simulated patients to report")

    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts.append('<p class="note">Written by iosim. Rates are fractions of successfully simulated patients.</p>')
    parts.append('<section id="summary"><h2>Summary</h2>' + _table(_summary_table(summary)) + "</section>")

    img, note = _waterfall(_best_change(assess_ok, ok), arms, rng)
    text = "Best percentage change of the sum of target-lesion diameters from baseline, one bar per patient, "
    text += "coloured by best overall response; dashed lines at -30% (PR) and +20% (PD); bars clipped to ±100%."
    if note:
        text += f" Subsampled for plotting (at most {WATERFALL_MAX:,} per arm): {note}."
    head = '<section id="waterfall"><h2>Waterfall plot</h2>'
    parts.append(f'{head}<p class="note">{html.escape(text)}</p>{img}</section>')

    img, note = _spider(assess_ok, ok, arms, rng)
    text = "Change of the sum of diameters from baseline over time, coloured by best overall response."
    if note:
        text += f" At most {SPIDER_MAX} patients per arm: {note}."
    parts.append(f'<section id="spider"><h2>Spider plot</h2><p class="note">{html.escape(text)}</p>{img}</section>')

    for ep, label in (("pfs", "Progression-free survival"), ("os", "Overall survival")):
        sec = f'<section id="km-{ep}"><h2>Kaplan–Meier: {label}</h2>'
        sec += '<p class="note">Censored patients marked |; numbers at risk below the axis.</p>'
        parts.append(sec + _km(ok, ep, label) + "</section>")

    hr_html = _table(hazard_ratios) if hazard_ratios is not None and len(hazard_ratios) else "<p>Single arm.</p>"
    note = "Cox proportional-hazards ratio (95% CI, Wald p) and log-rank p, each arm against the reference arm."
    parts.append(f'<section id="hazard-ratios"><h2>Hazard ratios</h2><p class="note">{note}</p>{hr_html}</section>')
    if calibration is not None:
        note = "Observed (published) vs simulated endpoints; 'calibrated' arms were fitted, 'predicted' were not."
        parts.append(
            f'<section id="calibration"><h2>Calibration and prediction</h2><p class="note">{note}</p>'
            + _table(calibration)
            + "</section>"
        )
    doc = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
    path = Path(path)
    path.write_text(doc, encoding="utf-8")
    return path
