"""RECIST 1.1 response assessment on the sum of target-lesion diameters, vectorised over patients.

Reference: Eisenhauer EA et al. "New response evaluation criteria in solid tumours: revised RECIST
guideline (version 1.1)". Eur J Cancer 2009;45:228-247 (section numbers below refer to it).

Inputs are arrays of shape ``(n_patients, n_assessments)``; column 0 of ``sld`` is the baseline.
Response codes are small integers (:data:`CR` ... :data:`NE`); :func:`names` turns them into text.

Rules as implemented (time-point response: section 4.3.1 for target lesions, 4.3.5 for new lesions,
4.4.1 and table 1 for the combination; target lesions only, non-target lesions are not modelled):

* **PD** if the sum rose by >= 20% *and* by >= 5 mm over the nadir (the smallest sum on study before
  this assessment, baseline included), or if a new lesion is present (section 4.3.5). PD wins over
  every other category, so a sum still 50% below baseline is PD when it doubled from its nadir.
* **CR** if the sum is <= ``cr_mm`` (default 0: every target lesion has disappeared). RECIST 1.1 counts
  lymph nodes with a short axis < 10 mm as normal, so a patient with nodal target lesions can be in CR
  with a non-zero sum; a model of nodes passes ``cr_mm=10.0 * n_nodes`` (or any documented residual).
* **PR** if the sum is >= 30% below the baseline sum (exactly -30% is PR).
* **SD** otherwise; **NE** where the sum is NaN (not evaluated) or the baseline is not positive.

Thresholds are compared with a relative tolerance of 1e-9 so that decimal inputs that sit exactly on a
threshold (70 mm from 100 mm) are classified as the guideline intends despite binary rounding.
"""

from __future__ import annotations

import numpy as np

from iosim.errors import InputError

CR, PR, SD, PD, NE = 0, 1, 2, 3, 4
CODES = {"CR": CR, "PR": PR, "SD": SD, "PD": PD, "NE": NE}
NAMES = np.array(["CR", "PR", "SD", "PD", "NE"], dtype=object)

PR_DECREASE = 0.30  # section 4.3.1: at least a 30% decrease from the baseline sum
PD_INCREASE = 0.20  # section 4.3.1: at least a 20% increase over the nadir ...
PD_ABSOLUTE_MM = 5.0  # ... and an absolute increase of at least 5 mm
_RTOL = 1e-9


def names(codes: np.ndarray) -> np.ndarray:
    """Response names ("CR", "PR", ...) for an array of codes (any shape)."""
    return NAMES[np.asarray(codes, dtype=np.int64)]


def codes_of(labels) -> np.ndarray:
    """Codes for an array of response names; unknown names raise :class:`InputError`."""
    arr = np.asarray(labels, dtype=object)
    out = np.full(arr.shape, -1, dtype=np.int8)
    for name, code in CODES.items():
        out[arr == name] = code
    if (out < 0).any():
        bad = sorted({str(x) for x in arr[out < 0].ravel()})[:3]
        raise InputError(f"unknown response name(s) {bad}: use one of {', '.join(CODES)}")
    return out


def _as_2d(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise InputError(f"{name} must have shape (n_patients, n_assessments), got {a.shape}")
    return a


def prior_nadir(sld: np.ndarray) -> np.ndarray:
    """Smallest sum before each post-baseline assessment, baseline included (NaN sums are skipped).

    Shape ``(n, m - 1)``: entry ``[i, k]`` is the reference for assessment ``k + 1``.
    """
    sld = _as_2d(sld, "sld")
    return np.fmin.accumulate(sld, axis=1)[:, :-1]


def assess(sld, *, new_lesion=None, cr_mm: float = 0.0) -> np.ndarray:
    """RECIST 1.1 time-point response for every post-baseline assessment.

    Parameters
    ----------
    sld
        Sum of target-lesion diameters in mm, shape ``(n_patients, n_assessments)``; column 0 is the
        baseline. NaN marks an assessment that was not done.
    new_lesion
        Boolean array of the same shape (column 0 ignored) or None: a new lesion at that assessment.
    cr_mm
        Largest sum that still counts as complete response (0: all target lesions gone).

    Returns
    -------
    int8 array of shape ``(n_patients, n_assessments - 1)`` with codes CR=0, PR=1, SD=2, PD=3, NE=4.
    """
    sld = _as_2d(sld, "sld")
    if sld.shape[1] < 2:
        raise InputError("sld needs a baseline column and at least one assessment")
    if cr_mm < 0 or not np.isfinite(cr_mm):
        raise InputError(f"cr_mm must be a finite number >= 0, got {cr_mm}")
    base = sld[:, :1]
    cur = sld[:, 1:]
    nadir = prior_nadir(sld)
    tol = _RTOL * np.maximum(np.abs(nadir), 1.0)
    rise = cur - nadir
    pd = (rise >= PD_INCREASE * nadir - tol) & (rise >= PD_ABSOLUTE_MM - tol)
    if new_lesion is not None:
        nl = np.asarray(new_lesion, dtype=bool)
        if nl.ndim == 1:
            nl = nl[None, :]
        if nl.shape != sld.shape:
            raise InputError(f"new_lesion must have the shape of sld {sld.shape}, got {nl.shape}")
        pd |= nl[:, 1:]
    pr = cur <= (1.0 - PR_DECREASE) * base + _RTOL * np.abs(base)
    return time_point_codes(cur, base, pr=pr, cr=cur <= cr_mm, pd=pd)


def time_point_codes(cur: np.ndarray, base: np.ndarray, *, pr, cr, pd) -> np.ndarray:
    """Codes from the masks of each time point, the stronger finding winning (PD over CR over PR over SD);
    NE where the measure is missing or the baseline is not positive."""
    out = np.full(cur.shape, SD, dtype=np.int8)
    out[pr] = PR
    out[cr] = CR
    out[pd] = PD
    out[np.isnan(cur) | ~(base > 0)] = NE
    return out


def _times_2d(times_weeks, shape: tuple[int, int]) -> np.ndarray:
    t = np.asarray(times_weeks, dtype=float)
    if t.ndim == 1:
        t = np.broadcast_to(t[None, :], shape)
    if t.shape != shape:
        raise InputError(f"times_weeks must have shape ({shape[1]},) or {shape}, got {t.shape}")
    return t


def _before_first_pd(codes: np.ndarray) -> np.ndarray:
    """True for assessments up to and including the first PD (RECIST stops at progression)."""
    pd_seen_before = np.cumsum(codes == PD, axis=1) - (codes == PD)
    return pd_seen_before == 0


def best_overall_response(
    codes, times_weeks, *, confirm_weeks: float | None = 4.0, sd_min_weeks: float = 6.0
) -> np.ndarray:
    """Best overall response per patient (sections 4.4.3 and 4.6, table 3), as codes.

    Only assessments up to the first PD count. With ``confirm_weeks`` (section 4.6.1 and table 3):

    * CR is confirmed by a later CR at least ``confirm_weeks`` after it, with only CR (or NE) between;
    * PR is confirmed by a later CR or PR at least ``confirm_weeks`` after a CR/PR, with only CR, PR or
      NE between (a CR followed by a PR is a confirmed PR);
    * an unconfirmed CR or PR counts as SD when the SD duration criterion is met.

    SD needs an assessment of CR, PR or SD at least ``sd_min_weeks`` after the start of treatment
    (section 4.4.3: a minimum interval "in general not less than 6-8 weeks"); otherwise the best
    response is PD if progression followed, and NE if nothing evaluable did. ``confirm_weeks=None``
    switches confirmation off (best of the time-point responses; section 4.6.1 requires confirmation
    only in non-randomised trials whose primary endpoint is response).

    Note: the RECIST working group's FAQ keeps a confirmed PR as the time-point response while the sum
    stays short of PD (100 -> 70 -> 70 -> 80 reads PR, PR, PR); :func:`assess` applies table 1 strictly
    (80 is SD). The best response, progression and duration of response are the same either way.

    ``times_weeks`` are the post-baseline assessment times (weeks since the start of treatment), shape
    ``(n_assessments,)`` or ``(n_patients, n_assessments)``.
    """
    codes = np.asarray(codes)
    if codes.ndim == 1:
        codes = codes[None, :]
    t = _times_2d(times_weeks, codes.shape)
    n, m = codes.shape
    active = _before_first_pd(codes)
    evaluable = active & (codes != NE)
    sd_ok = (evaluable & (codes != PD) & (t >= sd_min_weeks - 1e-9)).any(axis=1)
    has_pd = (codes == PD).any(axis=1)
    if confirm_weeks is None:
        got_cr = (active & (codes == CR)).any(axis=1)
        got_pr = (active & (codes == PR)).any(axis=1)
    else:
        got_cr = _confirmed(codes, t, evaluable, codes == CR, confirm_weeks)
        got_pr = _confirmed(codes, t, evaluable, codes <= PR, confirm_weeks)
    best = np.full(n, NE, dtype=np.int8)
    best[has_pd] = PD
    best[sd_ok] = SD
    best[got_pr] = PR
    best[got_cr] = CR
    return best


def _confirmed(codes, t, evaluable, member, confirm_weeks: float) -> np.ndarray:
    """True where a run of consecutive evaluable ``member`` assessments spans >= confirm_weeks."""
    n, m = codes.shape
    run_start = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    for j in range(m):
        ev, mem = evaluable[:, j], member[:, j]
        run_start = np.where(ev & ~mem, np.nan, run_start)
        start_now = ev & mem & np.isnan(run_start)
        run_start = np.where(start_now, t[:, j], run_start)
        ok |= ev & mem & (t[:, j] - run_start >= confirm_weeks - 1e-9)
    return ok


def first_time(codes, times_weeks, code_set) -> np.ndarray:
    """Time of the first assessment whose code is in ``code_set`` (NaN if none), per patient."""
    codes = np.asarray(codes)
    if codes.ndim == 1:
        codes = codes[None, :]
    t = _times_2d(times_weeks, codes.shape)
    hit = np.isin(codes, list(code_set))
    idx = hit.argmax(axis=1)
    return np.where(hit.any(axis=1), t[np.arange(codes.shape[0]), idx], np.nan)


def last_evaluable_time(codes, times_weeks) -> np.ndarray:
    """Time of the last evaluable (not NE) assessment up to the first PD; 0 if there is none."""
    codes = np.asarray(codes)
    if codes.ndim == 1:
        codes = codes[None, :]
    t = _times_2d(times_weeks, codes.shape)
    ev = _before_first_pd(codes) & (codes != NE)
    return np.where(ev, t, 0.0).max(axis=1, initial=0.0)


def progression(codes, times_weeks) -> tuple[np.ndarray, np.ndarray]:
    """Time to progression per patient: ``(weeks, event)``.

    ``weeks`` is the time of the first PD where there is one (``event`` True); otherwise the patient is
    censored at the last evaluable assessment (0 when none was evaluable).
    """
    t_pd = first_time(codes, times_weeks, {PD})
    event = ~np.isnan(t_pd)
    return np.where(event, t_pd, last_evaluable_time(codes, times_weeks)), event


def duration_of_response(
    codes, times_weeks, *, confirm_weeks: float | None = 4.0, sd_min_weeks: float = 6.0
) -> tuple[np.ndarray, np.ndarray]:
    """Duration of response per patient: ``(weeks, event)``, NaN/False for non-responders.

    Responders are patients whose best overall response is CR or PR (with the same confirmation rule as
    :func:`best_overall_response`). The duration runs from the first assessment meeting CR or PR to the
    first PD (event) or, without progression, to the last evaluable assessment (censored). Deaths
    without progression are not events here; combine with the death model if wanted.
    """
    codes = np.asarray(codes)
    if codes.ndim == 1:
        codes = codes[None, :]
    best = best_overall_response(codes, times_weeks, confirm_weeks=confirm_weeks, sd_min_weeks=sd_min_weeks)
    responder = best <= PR
    start = first_time(codes, times_weeks, {CR, PR})
    end, event = progression(codes, times_weeks)
    dur = np.where(responder, end - start, np.nan)
    return dur, responder & event
