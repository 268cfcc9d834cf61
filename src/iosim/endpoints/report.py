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
from iosim.endpoints.plotdata import SPIDER_MAX, WATERFALL_MAX, PlotData, finished, plot_data
from iosim.errors import InputError

__all__ = ["SPIDER_MAX", "WATERFALL_MAX", "write_report"]
COLOURS = {"CR": "#1b5e20", "PR": "#43a047", "SD": "#9e9e9e", "PD": "#c62828", "NE": "#d7ccc8"}
#: B-ALL best responses (iosim.endpoints.b_all): CRi beside PR, no remission (NR) beside PD.
COLOURS_MARROW = {"CR": "#1b5e20", "CRi": "#43a047", "NR": "#c62828", "NE": "#d7ccc8"}
#: What the waterfall and spider plots show for each family of criteria: the measure, and the response
#: thresholds drawn as dashed lines (progression, response; None where the criteria use no % change).
_PLOTTED = {
    "lesions": ("sum of target-lesion diameters", (20.0, -30.0)),
    "lymphoma": ("SPD (sum of the products of diameters)", (50.0, -50.0)),
    "marrow": ("marrow blast fraction", None),
}
ASSESSMENT_COLUMNS = ("arm", "patient", "week", "sld_mm", "pct_change", "response")

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0} th,td{padding:.25em .6em;text-align:right}
th{background:#f0f0f0} tr:nth-child(even){background:#fafafa} td:first-child,th:first-child{text-align:left}
img{max-width:100%} .note{color:#555;font-size:.9em} .miss{color:#b71c1c;font-weight:600}
pre{background:#f6f6f6;padding:.6em;font-size:.8em;overflow-x:auto}
table.left td,table.left th{text-align:left}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em} dt{font-weight:600} dd{margin:0}
"""
#: Endpoints that are proportions of the arm's patients: their observed 95% CI follows from the arm's size.
RATE_ENDPOINTS = ("orr", "cr_rate", "dcr")
#: Two-sided 95% normal quantile, for the binomial (Wald) interval of an observed rate.
Z95 = 1.959964


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
    for col, label in (("orr", "ORR"), ("cr_rate", "CR rate"), ("dcr", "DCR"), ("mrd_negative_rate", "MRD-negative")):
        if col in summary and (col != "mrd_negative_rate" or summary[col].notna().any()):
            out[label] = [f"{100 * x:.1f}%" if np.isfinite(x) else "–" for x in summary[col]]
    for ep, label in (("dor", "DOR"), ("pfs", "PFS"), ("os", "OS")):
        if f"median_{ep}_months" in summary:
            out[f"Median {label}, months (95% CI)"] = [_fmt_median(r, ep) for _, r in summary.iterrows()]
    if "criteria" in summary and summary["criteria"].astype(str).str.len().gt(0).any():
        out["Criteria"] = summary["criteria"]
    if _has_ida(summary):
        out["ORR if independent (IDA)"] = [f"{100 * x:.1f}%" if np.isfinite(x) else "–" for x in summary["orr_ida"]]
        out["Median PFS if independent (IDA)"] = [
            f"{x:.1f}" if np.isfinite(x) else ("NR" if isinstance(a, str) else "–")
            for x, a in zip(summary["median_pfs_ida_months"], summary["ida_arms"])
        ]
    return out


def _has_ida(summary: pd.DataFrame) -> bool:
    return "orr_ida" in summary and bool(np.isfinite(summary["orr_ida"].to_numpy(dtype=float)).any())


_IDA_NOTE = (
    "IDA columns: independent drug action (Palmer & Sorger 2017, Cell 171:1678), what a combination arm "
    "would give if each patient benefited from whichever of its drugs works best for them, with no "
    "interaction: built from this trial's single-drug arms (Spearman correlation 0.3 between the drugs' "
    "benefit). The mechanistic prediction is the arm's own ORR and PFS."
)


def _family(criteria: str | None) -> str:
    from iosim.endpoints.criteria import LYMPHOMA, MARROW, canonical

    crit = canonical(criteria) if criteria else "recist1.1"
    return "marrow" if crit in MARROW else "lymphoma" if crit in LYMPHOMA else "lesions"


def _legend(ax, colours: dict[str, str] = COLOURS) -> None:
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, label=n) for n, c in colours.items()], fontsize=8, loc="upper right", ncol=5)


def _lines(ax, thresholds) -> None:
    if thresholds is not None:
        ax.axhline(thresholds[0], color="#c62828", ls="--", lw=1)
        ax.axhline(thresholds[1], color="#1b5e20", ls="--", lw=1)


def _waterfall(data: PlotData, family: str = "lesions") -> str:
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    arms = data.arms
    fig, axes = plt.subplots(len(arms), 1, figsize=(10, 2.6 * len(arms)), squeeze=False, sharey=True)
    palette = COLOURS_MARROW if family == "marrow" else COLOURS
    for ax, arm in zip(axes[:, 0], arms):
        s = data.waterfall[arm]
        y = np.clip(s["best"].to_numpy(float), -100, 100)
        x = np.arange(len(s), dtype=float)
        # one PolyCollection of rectangles: thousands of ax.bar patches would take seconds to draw
        verts = np.stack([np.c_[x - 0.5, 0 * y], np.c_[x - 0.5, y], np.c_[x + 0.5, y], np.c_[x + 0.5, 0 * y]], axis=1)
        colours = [palette.get(r, "#000") for r in s["best_response"]]
        ax.add_collection(PolyCollection(list(verts), facecolors=colours, edgecolors="none"))
        _lines(ax, _PLOTTED[family][1])
        ax.axhline(0, color="black", lw=0.5)
        ax.set_xlim(-0.5, max(len(s), 1) - 0.5)
        ax.set_xticks([])
        ax.set_ylim(-105, 105)
        ax.set_title(f"{arm} (n={len(s):,})", fontsize=10)
        ax.set_ylabel("best change from\nbaseline (%)")
    _legend(axes[0, 0], palette)
    fig.tight_layout()
    return _png(fig)


def _spider(data: PlotData, family: str = "lesions") -> str:
    import matplotlib.pyplot as plt

    palette = COLOURS_MARROW if family == "marrow" else COLOURS
    arms = data.arms
    fig, axes = plt.subplots(1, len(arms), figsize=(4.2 * len(arms), 3.6), squeeze=False, sharey=True)
    for ax, arm in zip(axes[0], arms):
        for _, p in data.spider[arm].groupby("patient", sort=False):
            w, y = p["week"].to_numpy(float), p["pct_change"].to_numpy(float)
            if len(w) == 0 or w[0] > 0:
                w, y = np.r_[0.0, w], np.r_[0.0, y]
            colour = palette.get(str(p["best_response"].iloc[0]), "#000")
            ax.plot(w, np.clip(y, -100, 200), color=colour, lw=0.8, alpha=0.7)
        _lines(ax, _PLOTTED[family][1])
        ax.set_title(arm, fontsize=10)
        ax.set_xlabel("week")
    axes[0, 0].set_ylabel("change from baseline (%)")
    _legend(axes[0, -1], palette)
    fig.tight_layout()
    return _png(fig)


def _km(fitters: dict, label: str) -> str:
    import matplotlib.pyplot as plt
    from lifelines.plotting import add_at_risk_counts

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


def _fmt_p(p: float) -> str:
    if not np.isfinite(p):
        return "–"
    return f"{p:.2g}" if p >= 1e-4 else "< 0.0001"


def _hr_text(row) -> str:
    """'HR 0.62 (95% CI 0.51–0.75), log-rank p 0.0012' from a row of compare_arms."""
    hr = "HR –"
    if np.isfinite(row["hr"]):
        hr = f"HR {row['hr']:.2f} (95% CI {row['hr_lower']:.2f}–{row['hr_upper']:.2f})"
    return f"{hr}, log-rank p {_fmt_p(row['logrank_p'])}"


def _versus(ok: pd.DataFrame, hrs: pd.DataFrame, arm: str, control: str) -> str:
    """One arm against the control: PFS and OS Kaplan-Meier side by side, HR and log-rank p in the titles."""
    import matplotlib.pyplot as plt

    pair = ok[ok["arm"].astype(str).isin([arm, control])]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, (ep, label) in zip(axes, (("pfs", "PFS"), ("os", "OS"))):
        fitters = survival.fit_arms(pair, duration=f"{ep}_months", event=f"{ep}_event")
        for name in (arm, control):
            if name in fitters:
                fitters[name].plot_survival_function(
                    ax=ax, show_censors=True, censor_styles={"ms": 4, "marker": "|"},
                    color="#1565c0" if name == arm else "#616161",
                )  # fmt: skip
        row = hrs[(hrs["endpoint"] == label) & (hrs["arm"].astype(str) == arm)]
        ax.set_title(f"{label}: {_hr_text(row.iloc[0])}" if len(row) else label, fontsize=10)
        ax.set_xlabel("months")
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("probability")
    fig.suptitle(f"{arm} vs {control} (control)", fontsize=11)
    fig.tight_layout()
    return _png(fig)


def _versus_section(ok: pd.DataFrame, hazard_ratios: pd.DataFrame | None, arms: list[str], control: str) -> str:
    head = '<section id="versus-control"><h2>Against the control arm</h2>'
    if control not in arms:  # every control patient failed: nothing to compare with, but the rest is reported
        return f'{head}<p class="note">The control arm {html.escape(control)} has no simulated patients.</p></section>'
    hrs = hazard_ratios
    if hrs is None or not len(hrs) or set(hrs["reference"].astype(str)) != {control}:
        hrs = survival.compare_arms(ok, reference=control)
    note = (
        f"Each arm against the control arm {control}: Kaplan–Meier curves, Cox hazard ratio (95% CI) and "
        "log-rank p; a hazard ratio below 1 favours the arm."
    )
    figures = "".join(_versus(ok, hrs, arm, control) for arm in arms if arm != control)
    return f'{head}<p class="note">{html.escape(note)}</p>{figures}</section>'


def _what_was_simulated(spec: dict | None, meta: dict) -> str:
    """The run's identity: iosim version, date, and the trial spec (key fields, arms, then all of it)."""
    import json

    rows = dict(meta)
    if spec:
        labels = (("cancer", "cancer"), ("model", "model"), ("population", "population"), ("seed", "seed"),
                  ("patients_per_arm", "patients per arm"), ("follow_up_months", "follow-up (months)"),
                  ("assessment_every_weeks", "assessments (weeks)"),
                  ("assessment_window_days", "visit window (± days)"), ("criteria", "response criteria"),
                  ("confirm_response", "responses confirmed"))  # fmt: skip
        for key, label in labels:
            if key in spec:
                rows[label] = _spec_value(key, spec[key])
    body = "<dl>" + "".join(f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>" for k, v in rows.items())
    body += "</dl>"
    arms = (spec or {}).get("arms") or []
    if arms:
        table = pd.DataFrame(
            {
                "Arm": [a.get("name", "") + (" (control)" if a.get("control") else "") for a in arms],
                "Therapies": [_therapies(a.get("therapies") or []) for a in arms],
            }
        )
        body += table.to_html(index=False, border=0, escape=True, classes="left")
    if spec:
        text = json.dumps(spec, indent=1, ensure_ascii=False, default=str)
        body += f"<details><summary>Full trial specification</summary><pre>{html.escape(text)}</pre></details>"
    return f'<section id="simulated"><h2>What was simulated</h2>{body}</section>'


def _spec_value(key: str, value) -> str:
    if key == "population" and value is None:
        return "the cancer's default (uncalibrated)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "assessment_every_weeks" and isinstance(value, list):  # [[from_week, every_weeks], ...]
        return ", ".join(f"from week {w:g} every {e:g} weeks" for w, e in value)
    if key == "assessment_every_weeks":
        return f"every {value:g} weeks"
    return str(value)


def _therapies(items: list) -> str:
    out = []
    for t in items:
        if not isinstance(t, dict):
            out.append(str(t))
            continue
        text = str(t.get("drug", "?")) + (f" {t['regimen']}" if t.get("regimen") else " (default regimen)")
        if t.get("start_day"):
            text += f" from day {t['start_day']:g}"
        out.append(text)
    return " + ".join(out) or "no therapy"


def _observed_ci(calibration: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Observed vs simulated with the difference and whether it lies inside the observed 95% CI.

    The CI is the registry's (columns ``ci_low``, ``ci_high``); for a rate without one, the binomial
    (Wald) interval for the real arm's size (column ``observed_n``); where neither is known the row says
    "no CI" instead of passing silently."""
    if not {"endpoint", "observed", "simulated"} <= set(calibration.columns):
        return calibration, []
    cal = calibration.copy()
    obs, sim = cal["observed"].astype(float), cal["simulated"].astype(float)
    nan = pd.Series(np.nan, index=cal.index)
    n = cal["observed_n"].astype(float) if "observed_n" in cal.columns else nan
    lo = cal["ci_low"].astype(float) if "ci_low" in cal.columns else nan.copy()
    hi = cal["ci_high"].astype(float) if "ci_high" in cal.columns else nan.copy()
    wald = cal["endpoint"].isin(RATE_ENDPOINTS) & ~(np.isfinite(lo) & np.isfinite(hi)) & np.isfinite(n) & (n > 0)
    half = Z95 * np.sqrt(obs * (1 - obs) / n.where(wald, 1.0))
    lo, hi = lo.where(~wald, obs - half), hi.where(~wald, obs + half)
    cal.insert(cal.columns.get_loc("simulated") + 1, "difference", sim - obs)
    verdict, misses = [], []
    for i, row in cal.iterrows():
        if np.isfinite(lo[i]) and np.isfinite(hi[i]):
            ci = f"{lo[i]:.3g}–{hi[i]:.3g}" + (f" (n={n[i]:g})" if wald[i] else "")
            if not (np.isfinite(sim[i]) and lo[i] <= sim[i] <= hi[i]):
                verdict.append(f"MISS: outside {ci}")
                misses.append(f"{row.get('arm', '')} {row['endpoint']}: simulated {sim[i]:.3g}, observed {obs[i]:.3g} "
                              f"(95% CI {ci})")  # fmt: skip
            else:
                verdict.append(f"inside {ci}")
        else:
            verdict.append("no CI")
    cal["vs observed 95% CI"] = verdict
    # A median that was not reached is a result, not a missing value.
    cal["simulated"] = [("not reached" if str(e).startswith("median") else "–") if not np.isfinite(v) else f"{v:.3g}"
                        for e, v in zip(cal["endpoint"], sim)]  # fmt: skip
    return cal, misses


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
    spec: dict | None = None,
    meta: dict | None = None,
    control: str | None = None,
    toxicity: pd.DataFrame | None = None,
) -> Path:
    """Write the HTML report to ``path`` and return it.

    ``summary`` is :func:`iosim.endpoints.summary.summarize`'s table; ``outcomes`` one row per patient
    (``arm, patient, status, best_response, pfs_months, pfs_event, os_months, os_event``);
    ``assessments`` one row per patient and assessment (``arm, patient, week, sld_mm, pct_change,
    response``; rows at week 0 are the baseline); ``hazard_ratios`` as from
    :func:`iosim.endpoints.survival.compare_arms`; ``calibration`` observed vs simulated per arm with a
    column saying "calibrated" or "predicted" (and, where known, ``observed_n``: patients in the real arm,
    for the observed rate's 95% CI; a simulated value outside it is flagged). ``seed`` fixes the plot
    subsamples. ``spec`` (the trial specification as a dict, e.g. ``TrialSpec.model_dump()``) and ``meta``
    (extra label: value pairs) are recorded at the top with the iosim version and the date. With
    ``control`` (the name of the control arm), each other arm's PFS and OS Kaplan-Meier are plotted
    against the control's with the hazard ratio (95% CI) and log-rank p in the titles. ``toxicity``
    (``arm`` and :data:`iosim.endpoints.summary.TOXICITY_COLUMNS`) adds a small toxicity table.
    """
    missing = [c for c in ASSESSMENT_COLUMNS if c not in assessments.columns]
    if missing:
        raise InputError(f"assessments lack column(s) {', '.join(missing)}")
    ok, _ = finished(outcomes, assessments.iloc[:0])
    arms = [str(a) for a in pd.unique(ok["arm"].astype(str))]
    if not arms:
        raise InputError("no successfully simulated patients to report")
    data = plot_data(outcomes, assessments, arms=arms, seed=seed, waterfall_max=WATERFALL_MAX, spider_max=SPIDER_MAX)

    from datetime import UTC, datetime

    from iosim._version import __version__

    stamp = {"iosim version": __version__, "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts.append('<p class="note">Written by iosim. Rates are fractions of successfully simulated patients.</p>')
    parts.append(_what_was_simulated(spec, {**stamp, **(meta or {})}))
    criteria = (spec or {}).get("criteria") or None
    family = _family(criteria)
    if criteria:
        from iosim.endpoints.criteria import describe

        crit_note = f'<p class="note">Response criteria: {html.escape(describe(criteria))}.</p>'
    else:
        crit_note = ""
    ida_note = f'<p class="note">{html.escape(_IDA_NOTE)}</p>' if _has_ida(summary) else ""
    parts.append(
        '<section id="summary"><h2>Summary</h2>' + crit_note + _table(_summary_table(summary)) + ida_note + "</section>"
    )
    if calibration is not None:
        cal, misses = _observed_ci(calibration)
        note = "Observed (published) vs simulated endpoints; 'calibrated' arms were fitted, 'predicted' were not."
        if "difference" in cal.columns:
            note += (
                " The observed 95% CI is the calibration registry's; for a rate without one, the binomial interval"
                " for the real arm's size (n); 'no CI' where neither is known, so a difference there is not checked."
            )
        flags = "".join(f'<p class="miss">Outside the observed 95% CI: {html.escape(m)}</p>' for m in misses)
        parts.append(
            f'<section id="calibration"><h2>Calibration and prediction</h2><p class="note">{note}</p>'
            + flags
            + _table(cal)
            + "</section>"
        )

    measure, thresholds = _PLOTTED[family]
    img, note = _waterfall(data, family), data.notes["waterfall"]
    text = f"Best percentage change of the {measure} from baseline, one bar per patient, coloured by best "
    text += "overall response; "
    if thresholds is not None:
        text += f"dashed lines at {thresholds[1]:+g}% (PR) and {thresholds[0]:+g}% (PD); "
    text += "bars clipped to ±100%."
    if note:
        text += f" Subsampled for plotting (at most {WATERFALL_MAX:,} per arm): {note}."
    head = '<section id="waterfall"><h2>Waterfall plot</h2>'
    parts.append(f'{head}<p class="note">{html.escape(text)}</p>{img}</section>')

    img, note = _spider(data, family), data.notes["spider"]
    text = f"Change of the {measure} from baseline over time, coloured by best overall response."
    if note:
        text += f" At most {SPIDER_MAX} patients per arm: {note}."
    parts.append(f'<section id="spider"><h2>Spider plot</h2><p class="note">{html.escape(text)}</p>{img}</section>')

    for ep, label in (("pfs", "Progression-free survival"), ("os", "Overall survival")):
        sec = f'<section id="km-{ep}"><h2>Kaplan–Meier: {label}</h2>'
        sec += '<p class="note">Censored patients marked |; numbers at risk below the axis.</p>'
        parts.append(sec + _km(data.km[ep], label) + "</section>")

    hr_html = _table(hazard_ratios) if hazard_ratios is not None and len(hazard_ratios) else "<p>Single arm.</p>"
    note = "Cox proportional-hazards ratio (95% CI, Wald p) and log-rank p, each arm against the reference arm."
    parts.append(f'<section id="hazard-ratios"><h2>Hazard ratios</h2><p class="note">{note}</p>{hr_html}</section>')
    if control is not None and set(arms) != {str(control)}:
        parts.append(_versus_section(ok, hazard_ratios, arms, str(control)))
    if toxicity is not None and len(toxicity):
        parts.append(_toxicity_section(toxicity))
    doc = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
    path = Path(path)
    path.write_text(doc, encoding="utf-8")
    return path


def _toxicity_section(toxicity: pd.DataFrame) -> str:
    """Per arm, the shares of patients with each kind of toxicity (iosim.trials.toxicity), in %."""
    names = {"grade3plus_trae_rate": "grade ≥3 TRAE", "discontinued_toxicity_rate": "discontinued for toxicity",
             "crs_any_grade_rate": "CRS any grade", "crs_grade3plus_rate": "CRS grade ≥3"}  # fmt: skip
    t = toxicity.set_index("arm")[list(names)].dropna(axis=1, how="all")
    t = (100.0 * t).round(1).rename(columns=names).reset_index()
    note = (
        "Share of patients (%) with a treatment-related grade ≥3 adverse event (checkpoint irAE, CAR-T CRS, "
        "IL-2 capillary leak) and with treatment stopped for one; probabilities follow each patient's exposure."
    )
    return f'<section id="toxicity"><h2>Toxicity</h2><p class="note">{html.escape(note)}</p>{_table(t)}</section>'
