"""Kuznetsov, Makalkin, Taylor & Perelson (1994).

Nonlinear dynamics of immunogenic tumors: parameter estimation and global bifurcation
analysis. Bull Math Biol 56(2):295–321. BioModels BIOMD0000000762.

Effector cells E (cytotoxic T lymphocytes) and tumour cells T (BCL1 lymphoma in the
spleen of chimeric mice). The dimensional model, eqs (1)–(2) after the quasi-steady
reduction of the effector–tumour conjugates::

    dE/dt = s + p·E·T/(g + T) − m·E·T − d·E
    dT/dt = a·T·(1 − b·T) − n·E·T

Written as reactions (influx, recruitment, inactivation, death; growth, crowding, kill)
so that the stochastic engines read it event by event.
"""

from iosim.model import ModelBuilder, Reference

MODEL_ID = "kuznetsov1994"
_SRC = "Kuznetsov et al. 1994, parameter estimates for BCL1 lymphoma (p. 303); BIOMD0000000762"


def build():
    b = ModelBuilder(
        MODEL_ID,
        "Immunogenic tumour: surveillance, dormancy and escape",
        reference=Reference(
            "Kuznetsov VA, Makalkin IA, Taylor MA, Perelson AS (1994). Nonlinear dynamics of "
            "immunogenic tumors: parameter estimation and global bifurcation analysis. "
            "Bull Math Biol 56:295-321",
            doi="10.1007/BF02460644",
            biomodels="BIOMD0000000762",
        ),
        description="Two-population CTL–tumour model with a dormant focus and an escape node.",
    )
    E = b.state("E", "cells", "effector cells (CTL) at the tumour site", initial=3.2e5)
    T = b.state("T", "cells", "tumour cells", initial=1e6)

    s = b.parameter("s", 1.3e4, "cells/day", "normal (non-tumour-driven) influx of effector cells", source=_SRC)
    p = b.parameter("p", 0.1245, "1/day", "maximal tumour-stimulated recruitment of effector cells", source=_SRC)
    g = b.parameter("g", 2.019e7, "cells", "tumour size giving half-maximal recruitment", source=_SRC)
    m = b.parameter("m", 3.422e-10, "1/(cell*day)", "effector inactivation by tumour cells", source=_SRC)
    d = b.parameter("d", 0.0412, "1/day", "effector death rate", source=_SRC)
    a = b.parameter("a", 0.18, "1/day", "maximal tumour growth rate", source=_SRC)
    bb = b.parameter("b", 2.0e-9, "1/cell", "inverse tumour carrying capacity", source=_SRC)
    n = b.parameter("n", 1.101e-7, "1/(cell*day)", "rate of tumour-cell kill by effector cells", source=_SRC)

    b.reaction("influx", s, {E: +1}, description="non-specific supply of effector cells")
    b.reaction("recruitment", p * E * T / (g + T), {E: +1}, description="tumour-stimulated proliferation")
    b.reaction("inactivation", m * E * T, {E: -1}, description="effector cells inactivated in conjugates")
    b.reaction("effector_death", d * E, {E: -1})
    b.reaction("growth", a * T, {T: +1}, description="tumour cell division")
    b.reaction("crowding", a * bb * T * T, {T: -1}, description="logistic limitation of growth")
    b.reaction("kill", n * E * T, {T: -1}, description="tumour cells lysed by effector cells")

    b.output("tumour_cells", T, "cells", "total tumour cells")
    b.note(
        "The deposit (BIOMD0000000762) and the paper agree on every parameter. The deposit "
        "starts from T(0)=5e6; iosim starts from T(0)=1e6 and E(0)=3.2e5 (about s/d, the "
        "tumour-free level) so that `simulate` shows dormancy by default."
    )
    return b.build()
