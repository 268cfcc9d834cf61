"""The HTML trial report: sections present, images embedded, nothing fetched from the network."""

import base64
import re

import numpy as np
import pandas as pd
import pytest

from iosim.endpoints import compare_arms, recist, report, summarize, write_report
from iosim.endpoints.death import DeathModel

pytest.importorskip("lifelines")
DAYS_PER_MONTH = 365.25 / 12


def fake_arm(name: str, n: int, shrink: float, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic tumour courses run through the real endpoint functions."""
    weeks = np.arange(0.0, 105.0, 8.0)
    base = rng.uniform(30, 150, (n, 1))
    resistant = rng.random((n, 1))
    sld = base * (resistant + (1 - resistant) * np.exp(-rng.exponential(shrink, (n, 1)) * weeks))
    sld = sld * np.exp(rng.normal(0.01, 0.01, (n, 1)) * weeks)
    sld[sld < 2] = 0.0
    codes = recist.assess(sld)
    best = recist.best_overall_response(codes, weeks[1:])
    t_pd, progressed = recist.progression(codes, weeks[1:])
    dor, dor_event = recist.duration_of_response(codes, weeks[1:])
    death, died = DeathModel().sample(weeks * 7 / DAYS_PER_MONTH, sld, rng)
    pd_months = np.where(progressed, t_pd * 7 / DAYS_PER_MONTH, np.inf)
    pfs = np.minimum(pd_months, np.where(died, death, np.inf))
    pfs_event = np.isfinite(pfs)
    outcomes = pd.DataFrame(
        {
            "arm": name,
            "patient": np.arange(n),
            "status": "ok",
            "best_response": recist.names(best),
            "pfs_months": np.where(pfs_event, pfs, death),
            "pfs_event": pfs_event,
            "os_months": death,
            "os_event": died,
            "dor_months": dor * 7 / DAYS_PER_MONTH,
            "dor_event": dor_event,
        }
    )
    outcomes.loc[0, "status"] = "max_steps"
    resp = np.concatenate([np.full((n, 1), "NE", dtype=object), recist.names(codes)], axis=1)
    assessments = pd.DataFrame(
        {
            "arm": name,
            "patient": np.repeat(np.arange(n), len(weeks)),
            "week": np.tile(weeks, n),
            "sld_mm": sld.ravel(),
            "pct_change": (100 * (sld / sld[:, :1] - 1)).ravel(),
            "response": resp.ravel(),
        }
    )
    return outcomes, assessments


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    rng = np.random.default_rng(11)
    arms = [fake_arm("nivolumab", 80, 0.05, rng), fake_arm("ipilimumab", 80, 0.01, rng)]
    outcomes = pd.concat([a[0] for a in arms], ignore_index=True)
    assessments = pd.concat([a[1] for a in arms], ignore_index=True)
    calibration = pd.DataFrame(
        {"arm": ["nivolumab", "ipilimumab"], "observed_orr": [0.437, 0.19], "role": ["calibrated", "predicted"]}
    )
    mp = pytest.MonkeyPatch()
    mp.setattr(report, "WATERFALL_MAX", 50)  # small limits so the subsampling path runs on a small trial
    mp.setattr(report, "SPIDER_MAX", 10)
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(
        path,
        title="CheckMate <067> & co",
        summary=summarize(outcomes),
        outcomes=outcomes,
        assessments=assessments,
        hazard_ratios=compare_arms(outcomes, reference="ipilimumab"),
        calibration=calibration,
    )
    mp.undo()
    return path.read_text(encoding="utf-8")


def test_report_has_every_section(written):
    for section in ("summary", "waterfall", "spider", "km-pfs", "km-os", "hazard-ratios", "calibration"):
        assert f'<section id="{section}">' in written
    assert "CheckMate &lt;067&gt; &amp; co" in written  # the title is escaped
    assert "predicted" in written and "calibrated" in written
    assert "random 50 of 79 patients" in written  # the subsample is announced (one failed patient left out)
    assert "random 10 of 79 patients" in written


def test_images_are_embedded_png(written):
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', written)
    assert len(images) == 4  # waterfall, spider, two Kaplan-Meier plots
    for b64 in images:
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_is_offline(written):
    assert not re.search(r"https?://", written)
    assert "<script" not in written and "<link" not in written
    assert re.findall(r'src="([^"]{0,20})', written) == ["data:image/png;base6"] * 4


def test_single_arm_without_calibration(tmp_path):
    outcomes, assessments = fake_arm("axi-cel", 15, 0.05, np.random.default_rng(2))
    path = write_report(
        tmp_path / "r.html",
        title="one arm",
        summary=summarize(outcomes),
        outcomes=outcomes,
        assessments=assessments,
        hazard_ratios=None,
    )
    text = path.read_text(encoding="utf-8")
    assert 'id="calibration"' not in text and "Single arm." in text
    assert "Subsampled" not in text  # 14 patients: nothing left out of the plots


def _report_with(tmp_path, **kwargs) -> str:
    outcomes, assessments = fake_arm("nivolumab", 20, 0.05, np.random.default_rng(3))
    path = write_report(tmp_path / "r.html", title="t", summary=summarize(outcomes), outcomes=outcomes,
                        assessments=assessments, hazard_ratios=None, **kwargs)  # fmt: skip
    return path.read_text(encoding="utf-8")


def test_report_records_what_was_simulated_the_version_and_the_date(tmp_path):
    import datetime

    import iosim

    spec = {"name": "t", "cancer": "melanoma", "seed": 2015, "patients_per_arm": 20, "population": None,
            "arms": [{"name": "nivolumab", "therapies": [{"drug": "nivolumab", "regimen": "3mg/kg-q2w",
                                                          "start_day": 0.0}]}]}  # fmt: skip
    text = _report_with(tmp_path, spec=spec)
    assert '<section id="simulated">' in text
    assert f"<dd>{iosim.__version__}</dd>" in text
    assert datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d") in text
    for shown in ("melanoma", "2015", "nivolumab 3mg/kg-q2w", "default (uncalibrated)"):
        assert shown in text
    # The whole spec is there for whoever wants to rerun it.
    assert "Full trial specification" in text and "&quot;patients_per_arm&quot;: 20" in text


def test_a_simulated_rate_outside_the_observed_ci_is_flagged(tmp_path):
    # Observed ORR 0.437 in 316 patients: 95% CI half-width 1.96 * sqrt(.437 * .563 / 316) = 0.055.
    cal = pd.DataFrame({"arm": ["a", "b", "c"], "endpoint": ["orr", "orr", "median_pfs_months"],
                        "observed": [0.437, 0.437, 6.9], "simulated": [0.30, 0.45, 4.1],
                        "observed_n": [316, 316, 316], "role": "calibrated"})  # fmt: skip
    text = _report_with(tmp_path, calibration=cal)
    misses = re.findall(r'<p class="miss">([^<]*)</p>', text)
    assert len(misses) == 1 and misses[0].startswith("Outside the observed 95% CI: a orr: simulated 0.3")
    assert "inside 0.382–0.492 (n=316)" in text  # arm b's 0.45 lies inside it: no flag
    assert text.count("MISS: outside") == 1
    assert "<td>no CI</td>" in text  # a median's CI is not known: said, not passed over


def test_a_median_not_reached_says_so(tmp_path):
    cal = pd.DataFrame({"arm": ["a"], "endpoint": ["median_pfs_months"], "observed": [11.5], "simulated": [np.nan],
                        "role": "predicted"})  # fmt: skip
    assert "<td>not reached</td>" in _report_with(tmp_path, calibration=cal)


def test_a_rate_without_the_real_arm_size_says_no_ci(tmp_path):
    cal = pd.DataFrame({"arm": ["a"], "endpoint": ["orr"], "observed": [0.437], "simulated": [0.1], "role": "x"})
    text = _report_with(tmp_path, calibration=cal)
    assert "<td>no CI</td>" in text and "real arm's size (n)" in text
    assert 'class="miss"' not in text.split("</style>")[1]


def test_each_arm_is_plotted_against_the_control_with_its_hazard_ratio(tmp_path):
    rng = np.random.default_rng(5)
    shrink = {"dacarbazine": 0.01, "nivolumab": 0.05, "ipi": 0.02}
    arms = [fake_arm(name, 60, k, rng) for name, k in shrink.items()]
    outcomes = pd.concat([a[0] for a in arms], ignore_index=True)
    assessments = pd.concat([a[1] for a in arms], ignore_index=True)
    hrs = compare_arms(outcomes, reference="dacarbazine")
    summary = summarize(outcomes, control="dacarbazine")
    path = write_report(tmp_path / "r.html", title="t", summary=summary, outcomes=outcomes, assessments=assessments,
                        hazard_ratios=hrs, control="dacarbazine")  # fmt: skip
    text = path.read_text(encoding="utf-8")
    section = text[text.index('<section id="versus-control">') :]
    section = section[: section.index("</section>")]
    assert "against the control arm dacarbazine" in section
    # one figure per non-control arm (two panels each), after the four of a report without a control
    assert section.count("data:image/png;base64,") == 2
    assert len(re.findall(r"data:image/png;base64,", text)) == 6


def test_versus_titles_carry_hazard_ratio_ci_and_logrank_p():
    row = {"hr": 0.6234, "hr_lower": 0.512, "hr_upper": 0.759, "logrank_p": 0.00123}
    assert report._hr_text(row) == "HR 0.62 (95% CI 0.51–0.76), log-rank p 0.0012"
    assert report._hr_text({**row, "hr": np.nan, "logrank_p": 1e-9}) == "HR –, log-rank p < 0.0001"


def test_a_control_arm_without_simulated_patients_is_said_not_raised(tmp_path):
    rng = np.random.default_rng(6)
    (a, aa), (c, ca) = fake_arm("nivolumab", 20, 0.05, rng), fake_arm("docetaxel", 20, 0.01, rng)
    outcomes = pd.concat([a, c.assign(status="max_steps")], ignore_index=True)
    path = write_report(tmp_path / "r.html", title="t", summary=summarize(outcomes), outcomes=outcomes,
                        assessments=pd.concat([aa, ca]), hazard_ratios=None, control="docetaxel")  # fmt: skip
    assert "The control arm docetaxel has no simulated patients." in path.read_text(encoding="utf-8")
