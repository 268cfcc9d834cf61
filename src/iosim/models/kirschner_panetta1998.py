"""Kirschner & Panetta (1998).

Modeling immunotherapy of the tumor–immune interaction. J Math Biol 37(3):235–252.
DOI 10.1007/s002850050127. BioModels BIOMD0000000732.

Effector cells E (activated immune cells, e.g. CTLs), tumour cells T and the
concentration IL of interleukin-2 at the tumour site. The paper's eqs (1)–(3), time in
days::

    dE/dt  = c·T − μ2·E + p1·E·IL/(g1 + IL) + s1
    dT/dt  = r2·T·(1 − b·T) − a·E·T/(g2 + T)
    dIL/dt = p2·E·T/(g3 + T) − μ3·IL + s2

c is the antigenicity of the tumour, s1 a constant adoptive transfer of effector cells
(adoptive cellular immunotherapy, ACI) and s2 a constant infusion of IL-2; both
treatments are constants in the paper and are parameters here (0 by default: no
treatment). Pulsed or timed therapy is a regimen of boluses/infusions on E or IL.

Results of the paper reproduced by the tests:

* the tumour-free state (E, T, IL) = (s1/μ2, 0, s2/μ3) is stable iff
  s1 > r2·μ2·g2/a (= 540 cells/day with a = 1), as long as IL-2 does not drive E
  unboundedly;
* IL-2 alone (s1 = 0) makes E grow without bound once p1·IL/(g1 + IL) > μ2 at the
  tumour-free IL level s2/μ3, i.e. s2 > μ2·μ3·g1/(p1 − μ2) ≈ 6.35e7;
* without treatment, a moderately antigenic tumour oscillates on a stable limit cycle:
  the tumour-present equilibrium loses stability in a Hopf bifurcation at c ≈ 0.0325
  (period ≈ 94 days there); for c ≈ 0.02–0.03 the cycle's troughs fall from thousands of
  cells (c = 0.03) to ~1e-4 cells (c = 0.02), and the tumour regrows from there
  ("relapse" in the paper). The deposit's c = 0.035 gives damped oscillations.

Decisions
---------
* The deposit writes the IL-2 term of dE/dt as ``p1·E·IL/g1`` (the "+ IL" of the
  Michaelis–Menten denominator is missing). The paper's eq (1) has p1·E·IL/(g1 + IL);
  iosim follows the paper.
* Initial state: the paper shows trajectories from several starting points without a
  single default; iosim uses the deposit's (E, T, IL) = (0, 1, 0) and its c = 0.035.
* The troughs of the oscillations reach ~1e-300 cells in a pure ODE, and the tumour then
  regrows: "relapse" from a fraction of a cell. iosim's extinction rule (a cell state
  below 1 cell becomes exactly 0) removes that artefact; ``simulate(..., extinction=False)``
  restores the paper's pure ODE behaviour.
"""

from iosim.model import ModelBuilder, Reference

MODEL_ID = "kirschner_panetta1998"
_T1 = "Kirschner & Panetta 1998, Table 1; BIOMD0000000732"
_DEP = "BIOMD0000000732 (value used in the deposit; the paper varies it over the range in Table 1)"
_TREAT = "Kirschner & Panetta 1998, eqs (1) and (3): treatment input, 0 = untreated (as in BIOMD0000000732)"


def build():
    b = ModelBuilder(
        MODEL_ID,
        "Effector cells, tumour and IL-2: adoptive cell transfer and IL-2 therapy",
        reference=Reference(
            "Kirschner D, Panetta JC (1998). Modeling immunotherapy of the tumor-immune interaction. "
            "J Math Biol 37:235-252",
            doi="10.1007/s002850050127",
            biomodels="BIOMD0000000732",
        ),
        description=(
            "Three-equation model of effector cells, tumour cells and IL-2 with constant adoptive "
            "cell transfer (s1) and IL-2 infusion (s2); oscillations, relapse and the s1 threshold."
        ),
    )
    E = b.state("E", "cells", "activated immune effector cells at the tumour site", initial=0.0)
    T = b.state("T", "cells", "tumour cells", initial=1.0)
    IL = b.state("IL", "a.u.", "IL-2 concentration in the tumour-site compartment", initial=0.0, kind="concentration")

    c = b.parameter("c", 0.035, "1/day", "antigenicity of the tumour (0 to 0.05 in the paper)", source=_DEP)
    mu2 = b.parameter("mu2", 0.03, "1/day", "natural death rate of effector cells", source=_T1)
    p1 = b.parameter("p1", 0.1245, "1/day", "maximal IL-2-driven proliferation rate of effector cells", source=_T1)
    g1 = b.parameter("g1", 2e7, "a.u.", "IL-2 level giving half-maximal effector proliferation", source=_T1)
    s1 = b.parameter("s1", 0.0, "cells/day", "adoptive cellular immunotherapy: effector cells infused", source=_TREAT)
    r2 = b.parameter("r2", 0.18, "1/day", "tumour growth rate", source=_T1)
    bb = b.parameter("b", 1e-9, "1/cell", "inverse tumour carrying capacity", source=_T1)
    a = b.parameter("a", 1.0, "1/day", "maximal tumour kill rate by effector cells (0 to 1)", source=_DEP)
    g2 = b.parameter("g2", 1e5, "cells", "tumour size giving half-maximal kill", source=_T1)
    p2 = b.parameter("p2", 5.0, "a.u./day", "maximal IL-2 production rate per effector cell", source=_T1)
    g3 = b.parameter("g3", 1e3, "cells", "tumour size giving half-maximal IL-2 production", source=_T1)
    mu3 = b.parameter("mu3", 10.0, "1/day", "IL-2 loss rate", source=_T1)
    s2 = b.parameter("s2", 0.0, "a.u./day", "IL-2 therapy: external IL-2 input", source=_TREAT)

    b.reaction("recruitment", c * T, {E: +1}, description="effector cells stimulated by tumour antigen")
    b.reaction("effector_death", mu2 * E, {E: -1})
    b.reaction("proliferation", p1 * E * IL / (g1 + IL), {E: +1}, description="IL-2-driven effector proliferation")
    b.reaction("adoptive_transfer", s1, {E: +1}, description="adoptive cellular immunotherapy (ACI)")
    b.reaction("growth", r2 * T, {T: +1}, description="tumour cell division")
    b.reaction("crowding", r2 * bb * T * T, {T: -1}, description="logistic limitation of growth")
    b.reaction("kill", a * E * T / (g2 + T), {T: -1}, description="tumour cells killed by effector cells")
    b.reaction("il2_production", p2 * E * T / (g3 + T), {IL: +1}, description="IL-2 secreted by stimulated effectors")
    b.reaction("il2_loss", mu3 * IL, {IL: -1})
    b.reaction("il2_therapy", s2, {IL: +1}, description="external IL-2 infusion")

    b.output("tumour_cells", T, "cells", "tumour cells")
    b.note(
        "Deposit error corrected: BIOMD0000000732 writes the IL-2 proliferation term of dE/dt as "
        "p1*E*IL/g1 (missing '+ IL' in the denominator). The paper's eq (1) is p1*E*IL/(g1 + IL); "
        "iosim follows the paper. Every other rate law and parameter value matches the deposit."
    )
    b.note(
        "c = 0.035 and a = 1 are the deposit's values; the paper treats c (0 to 0.05) and a (0 to 1) as "
        "ranges. s1 = s2 = 0 (no treatment) by default. Initial state (E, T, IL) = (0, 1, 0) is the deposit's."
    )
    b.note(
        "The paper's oscillating tumours drop to ~1e-300 cells and regrow ('relapse'). With iosim's "
        "extinction rule (default) a tumour that falls below 1 cell is set to exactly 0 and stays there; "
        "use simulate(..., extinction=False) for the paper's pure ODE."
    )
    b.note("IL-2 units: the paper gives none beyond 'concentration'; a.u. here, g1 and p2 in the same units.")
    return b.build()
