"""The explainer's text and its demos agree (server side: pages and the API they call)."""

import pytest

from .conftest import MATRIX_CANCERS, MATRIX_THERAPIES, small_app


def test_matrix_first_load_says_what_it_is_doing():
    from fastapi.testclient import TestClient

    with TestClient(small_app()) as fresh:  # a new app: the matrix is not computed yet
        page = fresh.get("/learn/matrix").text
    assert "Computing the matrix: a group of virtual patients for every cell" in page
    assert f"({len(MATRIX_CANCERS)} cancer types &times;\n{len(MATRIX_THERAPIES)} therapies)" in page
    assert 'class="spinner"' in page and "refreshes itself" in page


def test_immune_page_preselects_the_comparison_it_describes(client):
    page = client.get("/learn/immune-system").text
    assert 'id="sim-immune"' in page and 'id="sim-immune-few"' in page
    assert page.count('<option value="1e9" selected>') == 2
    assert '<option value="melanoma" selected>' in page and '<option value="pancreatic" selected>' in page


def _run(client, cancer, therapies=(), days=365, **extra):
    r = client.post("/api/simulate", json={"cancer": cancer, "therapies": list(therapies), "days": days, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def test_melanoma_is_held_and_pancreatic_escapes_from_the_same_size(client):
    # The immune page's promise: many antigens (melanoma) vs few (pancreatic), same 1e9-cell start, no therapy.
    many = _run(client, "melanoma", tumour_cells=1e9)
    few = _run(client, "pancreatic", tumour_cells=1e9)
    assert many["final"]["tumour_cells"] < 0.1 * 1e9
    assert few["final"]["tumour_cells"] > 10 * 1e9
    assert max(many["series"]["effector_cells"]) > 5 * max(few["series"]["effector_cells"])


@pytest.mark.parametrize("cancer", ["b_all"])
def test_car_t_clears_the_typical_b_all_patient(client, cancer):
    # What the therapies page tells: CAR-T clears the CD19+ leukaemia within weeks and, in the typical patient,
    # the remission lasts (ELIANA: about 70% of remissions held two years). The relapses, most of them from
    # CD19- cells, are a minority of the trial population (tests/flagship/test_b_all_relapse.py).
    d = _run(client, cancer, ["tisagenlecleucel"])
    total = d["series"]["tumour_cells"]
    assert min(total) < total[0] / 1e6 and d["final"]["tumour_cells"] < 1
