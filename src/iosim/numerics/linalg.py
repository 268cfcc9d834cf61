"""Dense LU factorisation with partial pivoting and its solve, for the Rosenbrock stages.

Used when a model is too large for the unrolled sparse LU its code generator writes, or when
that one's pivots lose their digits (see :func:`iosim.cohort.codegen.lu_source`).
"""

import math

from iosim.numerics.flags import kernel


@kernel
def lu(a, piv):
    """In-place LU factorisation with partial pivoting; False when singular."""
    n = a.shape[0]
    for k in range(n):
        m = k
        big = abs(a[k, k])
        for i in range(k + 1, n):
            if abs(a[i, k]) > big:
                big = abs(a[i, k])
                m = i
        piv[k] = m
        if big == 0.0 or not math.isfinite(big):
            return False
        if m != k:
            for j in range(n):
                tmp = a[k, j]
                a[k, j] = a[m, j]
                a[m, j] = tmp
        inv = 1.0 / a[k, k]
        for i in range(k + 1, n):
            a[i, k] *= inv
            f = a[i, k]
            if f != 0.0:
                for j in range(k + 1, n):
                    a[i, j] -= f * a[k, j]
    return True


@kernel
def solve(a, piv, b):
    """Solve ``LU x = P b`` in place (``a``, ``piv`` from :func:`lu`)."""
    n = a.shape[0]
    for k in range(n):
        m = piv[k]
        if m != k:
            tmp = b[k]
            b[k] = b[m]
            b[m] = tmp
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= a[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= a[i, j] * b[j]
        b[i] = s / a[i, i]
