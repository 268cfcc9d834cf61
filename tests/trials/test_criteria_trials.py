"""Trials of lymphoma and B-ALL are read by their own criteria, and say so in every output."""

import numpy as np
import pandas as pd

from iosim.trials import ResultStore, parse_trial_spec, run_trial


def _spec(cancer, drug, **extra):
    return parse_trial_spec({
        "name": f"small_{cancer}", "cancer": cancer, "seed": 5, "patients_per_arm": 24, "follow_up_months": 9,
        "assessment_every_weeks": [[12, 4], [40, 8]], "arms": [{"name": "car_t", "therapies": [{"drug": drug}]}],
        **extra,
    })  # fmt: skip


def _tables(folder):
    with ResultStore(folder / "results.duckdb", read_only=True) as store:
        return {name: store.table(name) for name in ("assessments", "outcomes", "lesions")}


def test_b_all_trial_reads_marrow_remission(tmp_path):
    run_trial(_spec("b_all", "tisagenlecleucel"), tmp_path / "b")
    summary = pd.read_csv(tmp_path / "b" / "summary.csv")
    cols = list(summary.columns)
    assert summary["criteria"].tolist() == ["b_all_remission"]
    assert cols[cols.index("criteria") + 1] == "mrd_negative_rate"
    t = _tables(tmp_path / "b")
    out, a = t["outcomes"], t["assessments"]
    assert set(out["best_response"]) <= {"CR", "CRi", "NR", "NE"}
    ok = out[out["status"] == "ok"]
    assert summary["orr"].iloc[0] == ok["best_response"].isin(["CR", "CRi"]).mean()
    # the marrow is measured, not lesions: blast fractions, no sum of diameters, no lesion rows
    assert a["sld_mm"].isna().all() and a["measure"].between(0, 1).all() and t["lesions"].empty
    assert set(a.loc[a["week"] > 0, "response"]) <= {"CR", "CRi", "NR", "REL", "NE"}
    html = (tmp_path / "b" / "report.html").read_text()
    assert "B-ALL remission" in html and "marrow blast fraction" in html


def test_lymphoma_trial_reads_spd_and_names_its_criteria(tmp_path):
    run_trial(_spec("dlbcl", "axicabtagene_ciloleucel", criteria="iwg2007"), tmp_path / "d")
    summary = pd.read_csv(tmp_path / "d" / "summary.csv")
    assert summary["criteria"].tolist() == ["iwg2007"] and np.isnan(summary["mrd_negative_rate"].iloc[0])
    t = _tables(tmp_path / "d")
    a, lesions = t["assessments"], t["lesions"]
    # the criteria's measure is the SPD of the target lesions: squares of their measured diameters
    targets = lesions[lesions["target"]].assign(sq=lambda d: d["diameter_mm"] ** 2)
    spd = targets.groupby(["patient", "day"])["sq"].sum()
    first = a[(a["patient"] == spd.index[0][0]) & (a["week"] == 0)]["measure"].iloc[0]
    assert first == spd.iloc[0]
    assert "IWG 2007" in (tmp_path / "d" / "report.html").read_text()


def test_matrix_reads_each_cancer_by_its_criteria():
    from iosim.matrix import response_matrix

    # 40 patients: the ELIANA population remits ~60%, so 12 left the median patient to chance
    df = response_matrix(["b_all", "dlbcl", "melanoma"], ["tisagenlecleucel"], days=112, patients=40)
    assert dict(zip(df["cancer"], df["criteria"])) == {
        "b_all": "b_all_remission", "dlbcl": "lugano2014", "melanoma": "recist1.1"}  # fmt: skip
    b_all = df.set_index("cancer").loc["b_all"]
    # CAR-T in CD19+ leukaemia: remissions (CR or CRi) count as response, and the median patient is one
    assert b_all["orr"] > 0.5 and b_all["response"] in ("CR", "CRi")
