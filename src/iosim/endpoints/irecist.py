"""iRECIST: RECIST 1.1 adapted for immunotherapy, with unconfirmed (iUPD) and confirmed (iCPD) progression.

Reference: Seymour L et al. "iRECIST: guidelines for response criteria for use in trials testing
immunotherapeutics". Lancet Oncol 2017;18:e143-e152 (table 2: time-point response after iUPD), and the
RECIST working group's iRECIST FAQ (recist.eortc.org), which says sequential increases add up.

Simplified rule implemented here (target lesions and a per-assessment new-lesion flag only):

1. Until the first RECIST 1.1 PD, the time-point response is the RECIST one (iCR, iPR, iSD).
2. The first RECIST PD becomes **iUPD**; the sum at that assessment is the reference of the episode.
3. At each later evaluable assessment while in iUPD:

   * **iCPD** if the sum has risen by >= 5 mm over the episode's reference sum (increases add up across
     assessments), or if ``new_lesion_growth`` is set there (new lesions grew or more appeared);
   * still **iUPD** if RECIST PD criteria are still met (>= 20% and >= 5 mm over the nadir, or a new
     lesion is present) without that further increase;
   * otherwise the status **resets** to iCR/iPR/iSD against the original baseline, and a later
     RECIST PD (against the nadir of the whole course) opens a new iUPD episode.

4. iCPD is final. NaN sums give iNE and leave the state unchanged.

The guideline asks for the confirming scan 4-8 weeks after iUPD; a simulated trial cannot add scans, so
the next scheduled assessment confirms whatever its distance. With only a yes/no new-lesion flag, new
lesions alone cannot confirm progression unless ``new_lesion_growth`` is given.

iRECIST progression: the date of the iUPD that was later confirmed (the guideline's convention for PFS).
An iUPD still open at the last evaluable assessment counts as progression at its date by default
(``unconfirmed_at_end=True``; the patient could not be confirmed before follow-up or life ended).
"""

from __future__ import annotations

import numpy as np

from iosim.endpoints import recist
from iosim.errors import InputError

ICR, IPR, ISD, IUPD, ICPD, INE = 0, 1, 2, 3, 4, 5
CODES = {"iCR": ICR, "iPR": IPR, "iSD": ISD, "iUPD": IUPD, "iCPD": ICPD, "iNE": INE}
NAMES = np.array(list(CODES), dtype=object)
CONFIRM_MM = 5.0  # iRECIST table 2: further increase in the sum of measures >= 5 mm confirms iCPD


def names(codes) -> np.ndarray:
    """iRECIST names ("iCR", ..., "iCPD", "iNE") for an array of codes."""
    return NAMES[np.asarray(codes, dtype=np.int64)]


def assess(sld, *, new_lesion=None, new_lesion_growth=None, cr_mm: float = 0.0) -> np.ndarray:
    """iRECIST time-point response for every post-baseline assessment.

    Same inputs as :func:`iosim.endpoints.recist.assess`, plus ``new_lesion_growth`` (bool, same shape
    as ``sld``, or None): new lesions grew (>= 5 mm in their sum, or any growth of non-measurable ones)
    or further new lesions appeared. Returns int8 codes of shape ``(n_patients, n_assessments - 1)``.
    """
    sld = np.asarray(sld, dtype=float)
    if sld.ndim == 1:
        sld = sld[None, :]
    rc = recist.assess(sld, new_lesion=new_lesion, cr_mm=cr_mm)
    cur = sld[:, 1:]
    n, m = rc.shape
    if new_lesion_growth is None:
        growth = np.zeros((n, m), dtype=bool)
    else:
        g = np.asarray(new_lesion_growth, dtype=bool)
        g = g[None, :] if g.ndim == 1 else g
        if g.shape != sld.shape:
            raise InputError(f"new_lesion_growth must have the shape of sld {sld.shape}, got {g.shape}")
        growth = g[:, 1:]
    out = np.empty((n, m), dtype=np.int8)
    in_upd = np.zeros(n, dtype=bool)
    confirmed = np.zeros(n, dtype=bool)
    ref = np.full(n, np.nan)
    for j in range(m):
        r, s = rc[:, j], cur[:, j]
        ne = r == recist.NE
        tol = 1e-9 * np.maximum(np.abs(ref), 1.0)
        further = in_upd & ~ne & ((s - ref >= CONFIRM_MM - tol) | growth[:, j])
        confirmed |= further
        open_new = ~in_upd & ~confirmed & (r == recist.PD)
        still = in_upd & ~confirmed & ~ne & (r == recist.PD)
        reset = in_upd & ~confirmed & ~ne & (r != recist.PD)
        ref = np.where(open_new, s, ref)
        in_upd = (in_upd | open_new) & ~reset & ~confirmed
        code = r.astype(np.int8)  # iCR/iPR/iSD share RECIST's codes 0-2
        code[ne] = INE
        code[open_new | still] = IUPD
        code[confirmed] = ICPD
        # an iNE assessment during an open iUPD stays iNE; the episode continues
        out[:, j] = code
    return out


def progression(icodes, times_weeks, *, unconfirmed_at_end: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """iRECIST progression per patient: ``(weeks, event)``.

    The event time is the date of the iUPD that opened the confirmed episode. Without iCPD the patient
    is censored at the last evaluable assessment, except (by default) an iUPD still open at the last
    evaluable assessment, which counts as progression at its date.
    """
    c = np.asarray(icodes)
    c = c[None, :] if c.ndim == 1 else c
    n, m = c.shape
    t = np.asarray(times_weeks, dtype=float)
    t = np.broadcast_to(t[None, :], c.shape) if t.ndim == 1 else t
    if t.shape != c.shape:
        raise InputError(f"times_weeks must have shape ({m},) or {c.shape}, got {t.shape}")
    episode_start = np.full(n, np.nan)
    prog = np.full(n, np.nan)
    last_eval = np.zeros(n)
    open_at_end = np.zeros(n, dtype=bool)
    for j in range(m):
        cj, tj = c[:, j], t[:, j]
        undecided = np.isnan(prog)
        starts = undecided & (cj == IUPD) & np.isnan(episode_start)
        episode_start = np.where(starts, tj, episode_start)
        episode_start = np.where(undecided & (cj <= ISD), np.nan, episode_start)
        hit = undecided & (cj == ICPD)
        prog = np.where(hit, np.where(np.isnan(episode_start), tj, episode_start), prog)
        ev = undecided & (cj != INE)
        last_eval = np.where(ev, tj, last_eval)
        open_at_end = np.where(ev, cj == IUPD, open_at_end)
    event = ~np.isnan(prog)
    if unconfirmed_at_end:
        late = ~event & open_at_end
        prog = np.where(late, episode_start, prog)
        event |= late
    return np.where(event, prog, last_eval), event


def best_overall_response(
    icodes, times_weeks, *, confirm_weeks: float | None = 4.0, sd_min_weeks: float = 6.0
) -> np.ndarray:
    """Best iRECIST response per patient (iCR > iPR > iSD > iCPD > iUPD > iNE), as iRECIST codes.

    The confirmation and SD-duration rules are those of :func:`recist.best_overall_response`, applied
    to assessments up to the first iCPD; an iUPD interrupts a confirmation run and is not SD, but a
    response after a reset iUPD counts (the point of iRECIST).
    """
    c = np.asarray(icodes)
    c = c[None, :] if c.ndim == 1 else c
    t = np.asarray(times_weeks, dtype=float)
    t = np.broadcast_to(t[None, :], c.shape) if t.ndim == 1 else t
    before = (np.cumsum(c == ICPD, axis=1) - (c == ICPD)) == 0
    evaluable = before & (c != INE)
    sd_ok = (evaluable & (c <= ISD) & (t >= sd_min_weeks - 1e-9)).any(axis=1)
    if confirm_weeks is None:
        got_cr = (evaluable & (c == ICR)).any(axis=1)
        got_pr = (evaluable & (c == IPR)).any(axis=1)
    else:
        got_cr = recist._confirmed(c, t, evaluable, c == ICR, confirm_weeks)
        got_pr = recist._confirmed(c, t, evaluable, c <= IPR, confirm_weeks)
    best = np.full(c.shape[0], INE, dtype=np.int8)
    best[(c == IUPD).any(axis=1)] = IUPD
    best[(c == ICPD).any(axis=1)] = ICPD
    best[sd_ok] = ISD
    best[got_pr] = IPR
    best[got_cr] = ICR
    return best
