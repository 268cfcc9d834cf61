"""de Pillis, Radunskaya & Wiseman (2005).

A validated mathematical model of cell-mediated immune response to tumor growth.
Cancer Res 65(17):7950–7958. DOI 10.1158/0008-5472.CAN-05-0564. BioModels MODEL1907260001.

Tumour cells T, natural killer cells N and tumour-specific CD8+ T cells L, in cells,
time in days::

    dT/dt = a·T·(1 − b·T) − c·N·T − D·T
    dN/dt = σ − f·N + g·T²/(h + T²)·N − p·N·T
    dL/dt = −m·L + j·(D·T)²/(k + (D·T)²)·L − q·L·T + r·N·T
    D     = d·(L/T)^λ / (s + (L/T)^λ)

D is the paper's new "fractional cell kill" law for CD8+ T cells (a Hill function of the
effector-to-target ratio L/T), fitted to chromium-release assays; NK cells kill by mass
action. The paper fits d, λ and s (and c, g, j) separately for mice challenged with
control tumours and with NKG2D-ligand-transduced tumours (Diefenbach et al. 2001) and for
two patients (Dudley et al. 2002).

Decisions
---------
* Default parameters and initial state are the deposit's, which are the paper's mouse
  values for control (non-ligand-transduced) tumours: d = 1.43, λ = 0.58, s = 2.73,
  c = 3.23e-7, g = 2.5e-2, j = 3.75e-2, and (T, N, L)(0) = (100, 1000, 0).
* The other published sets are exposed as override dicts (``LIGAND_TRANSDUCED``,
  ``PATIENT_9``, ``PATIENT_10``) to pass as ``simulate(..., params=...)``.
* The CD8+ kill D·T is coded as d·T·L^λ/(s·T^λ + L^λ) (numerator and denominator of the
  paper's form multiplied by T^λ) and taken as 0 unless L > 0 and T > 0: the paper's
  expression is 0/0 at T = 0 (an extinct tumour) and its derivative in L is infinite at
  L = 0 (λ < 1). The value is the paper's wherever the paper's expression is defined.
* The deposit's auxiliary "Tumor_Cell_Surface_Area"/"Mean_Tumor_Surface" (3e-7 per cell)
  enter no equation and are not in the paper; they are left out.
"""

from iosim.expr import gt, maximum, minimum, piecewise
from iosim.model import ModelBuilder, Reference

MODEL_ID = "depillis2005"
_T1 = "de Pillis et al. 2005, Table 1 (mouse); MODEL1907260001"
_CTRL = "de Pillis et al. 2005, Table 1, mouse, control (non-ligand-transduced) tumour; MODEL1907260001"

#: Mouse challenged with NKG2D-ligand-transduced tumour cells (de Pillis et al. 2005,
#: Table 1, ligand-transduced column and the fourth CD8+ T-cell lysis fit): higher NK
#: lysis c and a far more lytic CD8+ response (d, λ, s). Not in the deposit; transcribed
#: from the paper's table as reproduced in public re-implementations (see notes).
LIGAND_TRANSDUCED = {"c": 3.5e-6, "d": 7.17, "lambda": 0.75, "s": 0.40}

#: Human patients 9 and 10 of Dudley et al. 2002 (de Pillis et al. 2005, Table 2): the
#: patient-specific CD8+ lysis fits; the other parameters are the mouse values.
PATIENT_9 = {"d": 5.80, "lambda": 1.36, "s": 0.25}
PATIENT_10 = {"d": 4.23, "lambda": 1.43, "s": 0.36}


def build():
    b = ModelBuilder(
        MODEL_ID,
        "NK and CD8+ T-cell surveillance of a growing tumour",
        reference=Reference(
            "de Pillis LG, Radunskaya AE, Wiseman CL (2005). A validated mathematical model of "
            "cell-mediated immune response to tumor growth. Cancer Res 65:7950-7958",
            doi="10.1158/0008-5472.CAN-05-0564",
            biomodels="MODEL1907260001",
        ),
        description=(
            "Tumour, NK cells and tumour-specific CD8+ T cells with the ratio-dependent CD8+ kill law; "
            "mouse control-tumour parameters by default."
        ),
    )
    T = b.state("T", "cells", "tumour cells", initial=100.0)
    N = b.state("N", "cells", "natural killer (NK) cells", initial=1000.0)
    L = b.state("L", "cells", "tumour-specific effector CD8+ T cells", initial=0.0)

    a = b.parameter("a", 0.514, "1/day", "tumour growth rate", source=_T1)
    bb = b.parameter("b", 1.02e-9, "1/cell", "inverse tumour carrying capacity", source=_T1)
    c = b.parameter("c", 3.23e-7, "1/(cell*day)", "fractional tumour cell kill by NK cells", source=_CTRL)
    d = b.parameter("d", 1.43, "1/day", "saturation level of fractional tumour kill by CD8+ T cells", source=_CTRL)
    lam = b.parameter("lambda", 0.58, "1", "exponent of the CD8+ fractional kill (effector:target ratio)", source=_CTRL)
    s = b.parameter("s", 2.73, "1", "steepness (half-saturation) of the CD8+ fractional kill", source=_CTRL)
    sigma = b.parameter("sigma", 1.3e4, "cells/day", "constant source of NK cells", source=_T1)
    f = b.parameter("f", 0.0412, "1/day", "death rate of NK cells", source=_T1)
    g = b.parameter("g", 0.025, "1/day", "maximal NK recruitment rate by tumour cells", source=_CTRL)
    h = b.parameter("h", 2.02e7, "cells^2", "steepness coefficient of NK recruitment", source=_T1)
    p = b.parameter("p", 1e-7, "1/(cell*day)", "NK inactivation by tumour cells", source=_T1)
    m = b.parameter("m", 0.02, "1/day", "death rate of CD8+ T cells", source=_T1)
    j = b.parameter("j", 0.0375, "1/day", "maximal CD8+ T-cell recruitment rate", source=_CTRL)
    k = b.parameter(
        "k", 2.02e7, "cells^2", "steepness coefficient of CD8+ recruitment (in (D*T)^2, cells^2/day^2)", source=_T1
    )
    q = b.parameter("q", 3.42e-10, "1/(cell*day)", "CD8+ T-cell inactivation by tumour cells", source=_T1)
    r = b.parameter("r", 1.1e-7, "1/(cell*day)", "CD8+ T cells stimulated by NK-lysed tumour debris", source=_T1)

    # D*T = d*T*(L/T)^lambda/(s + (L/T)^lambda), multiplied through by T^lambda so that no
    # division by T appears; 0 unless both L and T are positive (see Decisions).
    Lp, Tp = maximum(L, 0.0), maximum(T, 0.0)
    cd8_kill = b.intermediate(
        "cd8_kill",
        piecewise((d * T * Lp**lam / maximum(s * Tp**lam + Lp**lam, 1e-300), gt(minimum(L, T), 0.0)), otherwise=0.0),
        unit="cells/day",
        description="tumour cells lysed by CD8+ T cells, D*T with D = d(L/T)^lambda/(s + (L/T)^lambda)",
    )

    b.reaction("growth", a * T, {T: +1}, description="tumour cell division")
    b.reaction("crowding", a * bb * T * T, {T: -1}, description="logistic limitation of growth")
    b.reaction("nk_kill", c * N * T, {T: -1}, description="tumour cells lysed by NK cells")
    b.reaction("cd8_lysis", cd8_kill, {T: -1}, description="tumour cells lysed by CD8+ T cells")
    b.reaction("nk_source", sigma, {N: +1}, description="constant production of NK cells")
    b.reaction("nk_death", f * N, {N: -1})
    b.reaction("nk_recruitment", g * T * T / (h + T * T) * N, {N: +1}, description="tumour-stimulated NK recruitment")
    b.reaction("nk_inactivation", p * N * T, {N: -1}, description="NK cells inactivated by tumour cells")
    b.reaction("cd8_death", m * L, {L: -1})
    b.reaction(
        "cd8_recruitment",
        j * cd8_kill * cd8_kill / (k + cd8_kill * cd8_kill) * L,
        {L: +1},
        description="CD8+ T cells recruited by the debris of tumour cells they lysed",
    )
    b.reaction("cd8_inactivation", q * L * T, {L: -1}, description="CD8+ T cells inactivated by tumour cells")
    b.reaction("cd8_activation", r * N * T, {L: +1}, description="CD8+ T cells primed by NK-lysed tumour cells")

    b.output("tumour_cells", T, "cells", "tumour cells")
    b.note(
        "Defaults are the deposit's (MODEL1907260001) and equal the paper's mouse values for a control "
        "(non-ligand-transduced) tumour; rate laws match the paper's eqs. No deposit error was found in the "
        "equations; the deposit's tumour-surface bookkeeping (3e-7 per cell) enters no equation and is omitted."
    )
    b.note(
        "The CD8+ kill D*T = d*T*(L/T)^lambda/(s + (L/T)^lambda) is coded as d*T*L^lambda/(s*T^lambda + "
        "L^lambda) and taken as 0 unless L > 0 and T > 0 (0/0 at T = 0, infinite derivative at L = 0); "
        "identical to the paper wherever the paper's expression is defined."
    )
    b.note(
        "LIGAND_TRANSDUCED, PATIENT_9 and PATIENT_10 (module constants) hold the paper's other fitted sets "
        "(Tables 1-2); they are not in the deposit and were transcribed from the paper as reproduced in "
        "public re-implementations, so check them against the paper before relying on their last digit."
    )
    return b.build()
