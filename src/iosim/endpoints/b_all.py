"""Remission criteria for B-cell acute lymphoblastic leukaemia, on the marrow blast fraction.

References: NCCN Guidelines, Acute Lymphoblastic Leukemia (response criteria: CR = < 5% marrow blasts,
no circulating blasts or extramedullary disease, ANC >= 1000/uL and platelets >= 100,000/uL; CRi = CR
without that count recovery); ELIANA, Maude SL et al. NEJM 2018;378:439-448 (overall remission rate
within 3 months, remission maintained >= 28 days; MRD by flow cytometry, negative below 0.01%).

Time-point codes: CR=0 (blasts < 5% with count recovery), CRi=1 (< 5% without), NR=2 (>= 5%, no
remission yet), REL=3 (>= 5% after a remission: relapse), NE=4 (not done, or no morphological disease at
baseline: blasts < 5% at enrolment).

Per patient:

* best response **CR** (or **CRi**): a remission reached within :data:`WITHIN_MONTHS` months and still
  a remission at an assessment >= :data:`MAINTAIN_DAYS` days later, with no assessment >= 5% between;
  CR where count recovery held throughout that run. **NR** otherwise (no remission, or one lost within
  28 days); NE without an evaluable assessment. ORR counts CR + CRi.
* ``mrd_negative``: a responder with blasts below :data:`MRD_NEGATIVE` at some assessment in remission.
* progression (event-free survival's disease event): relapse, dated at the first assessment >= 5% after
  the remission; a non-responder's treatment failure is dated at the first evaluable assessment (the
  convention of counting induction failure as an event on day 1, e.g. TOWER, Kantarjian 2017 NEJM
  376:836, moved to the first assessment iosim has).
* duration of response (remission): from the first remission assessment to relapse (event) or the last
  evaluable assessment (censored).
"""

from __future__ import annotations

import numpy as np

from iosim.endpoints.criteria import Scored
from iosim.errors import InputError

CR, CRI, NR, REL, NE = 0, 1, 2, 3, 4
LABELS = np.array(["CR", "CRi", "NR", "REL", "NE"], dtype=object)
BLAST_REMISSION = 0.05  # < 5% marrow blasts (NCCN ALL response criteria; Maude 2018)
MRD_NEGATIVE = 1e-4  # flow-cytometry MRD negative: < 0.01% of marrow cells (Maude 2018)
WITHIN_MONTHS = 3.0  # remission within 3 months of infusion (Maude 2018, primary end point)
MAINTAIN_DAYS = 28.0  # remission maintained >= 28 days (Maude 2018)
_WEEKS_PER_MONTH = 365.25 / 12 / 7


def assess(blasts, *, count_recovery=None) -> np.ndarray:
    """Time-point codes ``(n, m - 1)`` for blast fractions ``(n, m)`` (baseline in column 0).

    ``count_recovery``: bool per patient ``(n,)`` or per assessment ``(n, m)``; None = counts recovered."""
    b = np.asarray(blasts, dtype=float)
    b = b[None, :] if b.ndim == 1 else b
    if b.ndim != 2 or b.shape[1] < 2:
        raise InputError(f"blasts must have shape (n_patients, n_assessments >= 2), got {b.shape}")
    n, m = b.shape
    if count_recovery is None:
        rec = np.ones((n, m - 1), dtype=bool)
    else:
        r = np.asarray(count_recovery, dtype=bool)
        if r.shape == (n,):
            rec = np.broadcast_to(r[:, None], (n, m - 1))
        elif r.shape == (n, m):
            rec = r[:, 1:]
        else:
            raise InputError(f"count_recovery must have shape ({n},) or {b.shape}, got {r.shape}")
    cur = b[:, 1:]
    ev = ~np.isnan(cur)
    remission = ev & (cur < BLAST_REMISSION)
    before = np.cumsum(remission, axis=1) - remission > 0
    out = np.full(cur.shape, NR, dtype=np.int8)
    out[before & ev & ~remission] = REL
    out[remission & rec] = CR
    out[remission & ~rec] = CRI
    out[~ev | ~(b[:, :1] >= BLAST_REMISSION)] = NE
    return out


def score(blasts, times_weeks, *, count_recovery=None) -> Scored:
    """Codes, best response, relapse/treatment failure, remission duration and MRD negativity."""
    b = np.asarray(blasts, dtype=float)
    b = b[None, :] if b.ndim == 1 else b
    codes = assess(b, count_recovery=count_recovery)
    n, m = codes.shape
    t = np.asarray(times_weeks, dtype=float)
    t = np.broadcast_to(t[None, :], codes.shape) if t.ndim == 1 else t
    if t.shape != codes.shape:
        raise InputError(f"times_weeks must have shape ({m},) or {codes.shape}, got {t.shape}")
    within, hold = WITHIN_MONTHS * _WEEKS_PER_MONTH, MAINTAIN_DAYS / 7.0
    got_cr = _maintained(codes, t, codes == CR, within, hold)
    got_any = _maintained(codes, t, codes <= CRI, within, hold)
    evaluable = codes != NE
    best = np.full(n, NE, dtype=np.int8)
    best[evaluable.any(axis=1)] = NR
    best[got_any] = CRI
    best[got_cr] = CR
    responder = got_any
    rem = codes <= CRI
    start = np.where(rem.any(axis=1), t[np.arange(n), rem.argmax(axis=1)], np.nan)
    relapse = codes == REL
    t_rel = np.where(relapse.any(axis=1), t[np.arange(n), relapse.argmax(axis=1)], np.nan)
    first_ev = np.where(evaluable.any(axis=1), t[np.arange(n), evaluable.argmax(axis=1)], np.nan)
    before_rel = np.cumsum(relapse, axis=1) == 0
    last_ev = np.where(evaluable & before_rel, t, 0.0).max(axis=1, initial=0.0)
    relapsed = responder & ~np.isnan(t_rel)
    failed = ~responder & ~np.isnan(first_ev)
    prog_ev = relapsed | failed
    prog_w = np.where(relapsed, t_rel, np.where(failed, first_ev, last_ev))
    dor_w = np.where(responder, np.where(relapsed, t_rel, last_ev) - start, np.nan)
    cur = b[:, 1:]
    mrd_neg = responder & (rem & (cur < MRD_NEGATIVE)).any(axis=1)
    return Scored(codes, LABELS, LABELS[best], prog_w, prog_ev, dor_w, relapsed, {"mrd_negative": mrd_neg})


def _maintained(codes, t, member, within: float, hold: float) -> np.ndarray:
    """True where a run of consecutive evaluable ``member`` assessments starts by ``within`` weeks and
    spans >= ``hold`` weeks (NE assessments neither break nor extend a run)."""
    n, m = codes.shape
    run_start = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    for j in range(m):
        ev, mem = codes[:, j] != NE, member[:, j]
        run_start = np.where(ev & ~mem, np.nan, run_start)
        run_start = np.where(ev & mem & np.isnan(run_start), t[:, j], run_start)
        ok |= ev & mem & (run_start <= within + 1e-9) & (t[:, j] - run_start >= hold - 1e-9)
    return ok
