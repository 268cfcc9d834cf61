"""Barros, Paixão, Valli, Naozuka, Fassoni & Almeida (2021): CARTmath.

CARTmath — A Mathematical Model of CAR-T Immunotherapy in Preclinical Studies of
Hematological Cancers. Cancers 13(12):2941. doi:10.3390/cancers13122941.
BioModels BIOMD0000001019 (the HDLM-2 Hodgkin-lymphoma cell-line parameter set).

Effector CAR-T cells C_T, memory CAR-T cells C_M and tumour cells T in immunodeficient
mice (counts of cells, time in days)::

    dC_T/dt = φ·C_T − ρ·C_T + θ·T·C_M − α·T·C_T
    dC_M/dt = ε·C_T − θ·T·C_M − μ·C_M
    dT/dt   = r·T·(1 − b·T) − γ·C_T·T

φ is the effector expansion rate; ρ the effector reduction rate, which (the paper says)
lumps natural death *and* differentiation into memory, so the ε·C_T source of memory
cells carries no matching loss term in dC_T/dt; θ is the memory-to-effector conversion
on meeting tumour cells; α the inhibition of effectors by the tumour; μ memory death;
r, b logistic tumour growth; γ the kill coefficient.

Treatment is not part of the equations: the CAR-T dose is a bolus on ``CT`` and a tumour
re-challenge a bolus on ``T``, e.g. the paper's HDLM-2 protocol (tumour 2×10⁶ cells at
day 0, 2×10⁶ CAR-T cells at day 42, re-challenge with 10⁶ tumour cells at day 250)::

    from iosim.dosing import bolus
    regimen = bolus("CT", 2e6, at=42) + bolus("T", 1e6, at=250)

Decisions
---------
* State names ``CT``, ``CM``, ``T`` (the paper's C_T, C_M, T). Parameter names follow
  the paper (φ→``phi``, ρ→``rho``, ε→``epsilon``, θ→``theta``, α→``alpha``, μ→``mu``,
  r→``r``, b→``b``, γ→``gamma``); the deposit renames ρ to ``pi``, r to ``rho`` and b to
  ``beta`` — same numbers, same equations.
* Default initial state is the deposit's and the paper's: no CAR-T cells, 2×10⁶ tumour
  cells. The deposit's dose events (C_T := 2×10⁶ at day 45, T := 10⁶ at day 250) are not
  part of the model; the dose day is 42 in the authors' CARTmath application (HDLM-2
  examples) and 45 in the deposit — the outcome (elimination, then rejection of the
  re-challenge) is the same for either day.
"""

from iosim.model import ModelBuilder, Reference

MODEL_ID = "cartmath2021"
_SRC = "Barros et al. 2021, HDLM-2 parameter set (parameter table); BIOMD0000001019; CARTmath app defaults"


def build():
    b = ModelBuilder(
        MODEL_ID,
        "CARTmath: effector and memory CAR-T cells against a haematological tumour (HDLM-2)",
        reference=Reference(
            "Barros LRC, Paixão EA, Valli AMP, Naozuka GT, Fassoni AC, Almeida RC (2021). CARTmath—A "
            "Mathematical Model of CAR-T Immunotherapy in Preclinical Studies of Hematological Cancers. "
            "Cancers 13:2941",
            doi="10.3390/cancers13122941",
            biomodels="BIOMD0000001019",
        ),
        description=(
            "Three-population CAR-T model with effector and memory CAR-T cells; a CAR-T bolus clears the "
            "tumour and memory cells reject a later re-challenge."
        ),
    )
    CT = b.state("CT", "cells", "effector CAR-T cells", initial=0.0)
    CM = b.state("CM", "cells", "memory CAR-T cells", initial=0.0)
    T = b.state("T", "cells", "tumour cells (HDLM-2)", initial=2.0e6)

    phi = b.parameter("phi", 0.265, "1/day", "effector CAR-T expansion rate", source=_SRC)
    rho = b.parameter(
        "rho",
        0.35,
        "1/day",
        "effector CAR-T reduction rate (natural death plus differentiation into memory); deposit name 'pi'",
        source=_SRC,
    )
    epsilon = b.parameter(
        "epsilon", 0.15, "1/day", "effective conversion rate of effector into memory CAR-T cells", source=_SRC
    )
    theta = b.parameter(
        "theta", 6.0e-6, "1/(cell*day)", "conversion of memory into effector CAR-T cells on meeting tumour", source=_SRC
    )
    alpha = b.parameter("alpha", 4.5e-8, "1/(cell*day)", "inhibition of effector CAR-T cells by tumour", source=_SRC)
    mu = b.parameter("mu", 5.0e-3, "1/day", "memory CAR-T death rate", source=_SRC)
    r = b.parameter("r", 5.650026e-2, "1/day", "tumour proliferation rate; deposit name 'rho'", source=_SRC)
    bb = b.parameter("b", 1.404029e-12, "1/cell", "inverse tumour carrying capacity; deposit name 'beta'", source=_SRC)
    gamma = b.parameter("gamma", 3.715843e-6, "1/(cell*day)", "tumour kill by effector CAR-T cells", source=_SRC)

    b.reaction("effector_expansion", phi * CT, {CT: +1}, description="effector CAR-T proliferation")
    b.reaction("effector_reduction", rho * CT, {CT: -1}, description="effector death and loss to memory")
    b.reaction("memory_formation", epsilon * CT, {CM: +1}, description="memory CAR-T cells formed from effectors")
    b.reaction(
        "memory_activation", theta * T * CM, {CM: -1, CT: +1}, description="memory cells turn effector on tumour"
    )
    b.reaction("effector_inhibition", alpha * T * CT, {CT: -1}, description="tumour-induced effector inhibition")
    b.reaction("memory_death", mu * CM, {CM: -1})
    b.reaction("tumour_growth", r * T, {T: +1}, description="tumour cell division")
    b.reaction("tumour_crowding", r * bb * T * T, {T: -1}, description="logistic limitation of growth")
    b.reaction("tumour_kill", gamma * CT * T, {T: -1}, description="tumour cells killed by effector CAR-T")

    b.output("tumour_cells", T, "cells", "tumour cells")
    b.output("car_t_cells", CT + CM, "cells", "all CAR-T cells (effector plus memory)")

    b.note(
        "Equations and HDLM-2 parameters agree between the paper, the authors' CARTmath application and "
        "BIOMD0000001019; the deposit only renames rho->pi, r->rho, b->beta (kept as the paper's names here)."
    )
    b.note(
        "rho lumps effector death and differentiation into memory, so memory formation (epsilon*CT) adds to CM "
        "without a matching loss from CT, as in the paper; the implied effector death rate rho - epsilon "
        "= 0.2/day is positive."
    )
    b.note(
        "Treatment is given as doses, not built into the model: CAR-T as a bolus on CT (2e6 cells at day 42 in "
        "the authors' HDLM-2 example, day 45 in the deposit's event), re-challenge as a bolus on T (1e6 cells "
        "at day 250, as in the deposit and the authors' application). Defaults are untreated: CT=CM=0, T=2e6."
    )
    b.note(
        "Elimination: the authors' CARTmath code sets any population below 1e-6 cells to 0; iosim's extinction "
        "rule uses 1 cell. After the HDLM-2 dose the tumour falls below both (to ~1e-10 cells by day 80 without "
        "the rule), so the outcome is the same. Without any such rule the deterministic system would return to "
        "its stable coexistence focus (about CT=1.5e4, CM=2.0e5, T=1.1e3)."
    )
    return b.build()
