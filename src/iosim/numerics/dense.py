"""Dense output between the ends of a step, and the first threshold crossing located on it.

Three interpolants, picked per step by the kernel (``mode``):

* ``DOPRI``: the explicit pairs' 4th-order continuous extension in Dormand–Prince's form
  (``r1..r4`` from :func:`iosim.numerics.explicit.dense_coefficients`, for either pair);
* ``RODAS``: Rodas4P2's own, ``y(th) = (1 - th) y0 + th (y1 + (1 - th) (r1 + th r2))``;
* ``HERMITE``: the cubic Hermite interpolant on the end values and slopes ``r1 = f(y0)``, ``r2 = f(y1)``.

The extinction rule needs the time at which a population falls below its threshold inside a
step: :func:`first_crossing` finds it by safeguarded secant steps on the interpolant.
"""

from iosim.numerics.flags import kernel

DOPRI, RODAS, HERMITE = 0, 1, 2


@kernel
def value(mode, th, y0, y1, h, r1, r2, r3, r4, j):
    """State component ``j`` at fraction ``th`` of the step of size ``h`` from ``y0`` to ``y1``."""
    th1 = 1.0 - th
    if mode == RODAS:
        return th1 * y0[j] + th * (y1[j] + th1 * (r1[j] + th * r2[j]))
    if mode == HERMITE:
        t2 = th * th
        t3 = t2 * th
        return (
            (2.0 * t3 - 3.0 * t2 + 1.0) * y0[j]
            + (3.0 * t2 - 2.0 * t3) * y1[j]
            + h * ((t3 - 2.0 * t2 + th) * r1[j] + (t3 - t2) * r2[j])
        )
    return y0[j] + th * (r1[j] + th1 * (r2[j] + th * (r3[j] + th1 * r4[j])))


@kernel
def crossing_fraction(mode, y0, y1, h, r1, r2, r3, r4, thr, j):
    """Fraction of the step at which component ``j`` falls to ``thr`` (it is above at 0, below at 1).

    Secant steps, with a bisection every third try so that the bracket always shrinks; the
    upper end of the final bracket (already below the threshold) is returned.
    """
    lo = 0.0
    hi = 1.0
    glo = y0[j] - thr
    ghi = y1[j] - thr
    for it in range(100):
        mid = hi - ghi * (hi - lo) / (ghi - glo) if ghi != glo else 0.5 * (lo + hi)
        if not (lo < mid and mid < hi) or it % 3 == 2:
            mid = 0.5 * (lo + hi)
        gm = value(mode, mid, y0, y1, h, r1, r2, r3, r4, j) - thr
        if gm > 0.0:
            lo = mid
            glo = gm
        else:
            hi = mid
            ghi = gm
        if hi - lo < 1e-15:
            break
    return hi


@kernel
def first_crossing(mode, y0, y1, h, r1, r2, r3, r4, thr, armed):
    """The earliest armed component that ends the step below its threshold: (fraction, index), (2.0, -1) if none."""
    th_cross = 2.0
    i_cross = -1
    for i in range(y0.shape[0]):
        if armed[i] and y1[i] < thr[i]:
            th = crossing_fraction(mode, y0, y1, h, r1, r2, r3, r4, thr[i], i)
            if th < th_cross:
                th_cross = th
                i_cross = i
    return th_cross, i_cross
