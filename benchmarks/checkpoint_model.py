"""The benchmark problem of /work/shared/benchmarks.md as an iosim model (not a library model).

A deliberately simple tumour–immune model with a checkpoint-like antibody, for timing
engines against each other; it is not validated. The effector equation and its constants
s, p, g, m are those of Kuznetsov et al. (1994) (BIOMD0000000762); every value below is
the one the benchmark specification fixes.
"""

from __future__ import annotations

import math

import numpy as np

from iosim import Reference, bolus
from iosim.model import ModelBuilder

SPEC = "iosim benchmark specification (benchmarks.md)"
#: Per-patient parameters: typical values, log-normal with 30% CV (benchmarks.md).
TYPICAL = {"a": 0.05, "kk": 3.0, "EC50": 5.0, "kel": math.log(2.0) / 20.0}
CV = 0.3
T_END = 365.0


def build():
    b = ModelBuilder(
        "benchmark_checkpoint",
        "Benchmark: tumour, effector cells, IL-2 and a checkpoint antibody",
        reference=Reference("iosim benchmark problem (not a published model)"),
    )
    Ts = b.state("Ts", "cells", "immune-sensitive tumour cells", initial=1e9 - 1e5)
    Tr = b.state("Tr", "cells", "immune-resistant tumour cells", initial=1e5)
    E = b.state("E", "cells", "tumour-specific effector T cells", initial=1e6)
    I_ = b.state("I", "a.u.", "IL-2-like cytokine", initial=0.0)
    A = b.state("A", "ug/mL", "antibody concentration", initial=0.0)

    def par(name, value, unit, text):
        return b.parameter(name, value, unit, text, source=SPEC)

    a = par("a", TYPICAL["a"], "1/day", "tumour growth rate")
    K = par("K", 5e10, "cells", "carrying capacity")
    kk = par("kk", TYPICAL["kk"], "1/day", "maximal kill rate per effector-to-tumour ratio")
    hT = par("hT", 1e9, "cells", "tumour size of half-maximal kill")
    cr = par("cr", 0.1, "1", "relative kill of resistant cells")
    s = par("s", 6e6, "cells/day", "effector influx")
    p = par("p", 0.1245, "1/day", "tumour-driven recruitment")
    g = par("g", 2.019e7, "cells", "tumour size of half-maximal recruitment")
    m = par("m", 3.422e-10, "1/(cell*day)", "effector inactivation by tumour")
    d = par("d", 0.2, "1/day", "effector death rate")
    pI = par("pI", 0.3, "1/day", "IL-2-driven proliferation")
    gI = par("gI", 1.0, "a.u.", "IL-2 of half-maximal proliferation")
    kI = par("kI", 1.17e-7, "a.u./(cell*day)", "IL-2 production")
    muI = par("muI", 11.7, "1/day", "IL-2 clearance")
    Emax = par("Emax", 0.95, "1", "maximal antibody effect on inactivation")
    EC50 = par("EC50", TYPICAL["EC50"], "ug/mL", "antibody concentration of half-maximal effect")
    kel = par("kel", TYPICAL["kel"], "1/day", "antibody elimination rate")

    T = b.intermediate("T", Ts + Tr, unit="cells", description="total tumour")
    kill = b.intermediate("kill", kk * E / (hT + T), unit="1/day")
    f = b.intermediate("fA", 1 - Emax * A / (EC50 + A), unit="1")
    b.equation(Ts, a * Ts * (1 - T / K) - kill * Ts)
    b.equation(Tr, a * Tr * (1 - T / K) - cr * kill * Tr)
    b.equation(E, s + p * E * T / (g + T) + pI * E * I_ / (gI + I_) - m * f * E * T - d * E)
    b.equation(I_, kI * E * T / (g + T) - muI * I_)
    b.equation(A, -kel * A)
    b.output("T", T, "cells", "total tumour")
    return b.build()


def regimen():
    """40 ug/mL into A at t = 0, 21, ..., 357 (18 doses)."""
    return bolus("A", 40.0, at=0.0, every=21.0, count=18)


def patients(n: int, seed: int = 2026) -> dict[str, np.ndarray]:
    """Log-normal per-patient parameters around the typical values (median = typical)."""
    rng = np.random.default_rng(seed)
    sigma = math.sqrt(math.log(1.0 + CV**2))
    return {k: v * np.exp(sigma * rng.standard_normal(n)) for k, v in TYPICAL.items()}
