"""Kimmel, Locke & Altrock (2021): T cell competition and stochastic extinction in CAR-T therapy.

The roles of T cell competition and stochastic extinction events in chimeric antigen
receptor T cell therapy. Proc R Soc B 288:20210229. doi:10.1098/rspb.2021.0229.
BioModels BIOMD0000001041.

Normal T cells N, CAR-T cells C and antigen-presenting (CD19+) tumour cells B after
lymphodepleting chemotherapy; time 0 is the CAR-T infusion. Gompertzian immune
reconstitution with competition for a shared lymphocyte pool L = N + C (the paper
writes T for L), eqs (2.1)–(2.3)::

    dN/dt = −r_N · N · ln(L / K_N)
    dC/dt = −r_C(L) · C · ln(L / K_C)
    dB/dt = r_B · B − γ_B · B · C / (k_B + C)
    r_C(L) = ρ_C + b · (L − K_N)² / (a · L² + (L − K_N)²)

Because K_C < K_N, CAR-T cells expand fast while the lymphocyte pool is depleted and are
then out-competed by the reconstituting normal T cells; their long-run level is 0, so
the tumour-free state is a saddle (unstable in the tumour direction, eigenvalue r_B):
cure is a stochastic extinction event. In iosim the extinction rule (B below one cell
becomes exactly 0) plays that role in the deterministic engine.

Decisions
---------
* Units are the paper's Table 1 (cells). The deposit uses cells/µL for N and C and ml
  for B; Table 1 equals the deposit × 5×10⁸ cells per (cell/µL) for N, C, K_N, K_C, k_B
  and × 10⁹ cells per ml for B. Both systems give the same dynamics (the logarithms and
  r_C are scale free, B enters linearly). The output ``car_t_per_uL`` converts back to
  the figures' blood counts.
* r_B: Table 1 gives only a range, (1–50)×10⁻² /day; the default is the deposit's 0.01.
* k_B: Table 1's 2.024×10⁹ cells (the deposit rounds it to 4.05 cells/µL = 2.025×10⁹).
* K_C: Table 1's 6.96×10¹⁰ cells (the deposit's 139 cells/µL is 6.95×10¹⁰).
* N and C change through explicit Gompertz equations (their net rate changes sign), B
  through reactions (growth, kill), matching the paper's hybrid scheme in which only
  the tumour is treated stochastically.
"""

from iosim.expr import log
from iosim.model import ModelBuilder, Reference

MODEL_ID = "kimmel2021"
_T1 = "Kimmel et al. 2021, Table 1; BIOMD0000001041"
#: cells per (cell/µL) between Table 1 and the deposit/figures (e.g. K_N: 2.5e11 cells vs 500 cells/µL).
CELLS_PER_UL = 5.0e8


def build():
    b = ModelBuilder(
        MODEL_ID,
        "CAR-T expansion after lymphodepletion, T cell competition and tumour extinction",
        reference=Reference(
            "Kimmel GJ, Locke FL, Altrock PM (2021). The roles of T cell competition and stochastic extinction "
            "events in chimeric antigen receptor T cell therapy. Proc R Soc B 288:20210229",
            doi="10.1098/rspb.2021.0229",
            biomodels="BIOMD0000001041",
        ),
        description=(
            "Normal and CAR T cells reconstitute after lymphodepletion (Gompertz, shared pool); CAR-T cells "
            "peak about a week after infusion and kill CD19+ large B-cell lymphoma (ZUMA-1 medians)."
        ),
    )
    N = b.state("N", "cells", "normal T cells", initial=3.0e9)
    C = b.state("C", "cells", "CAR T cells", initial=1.8e8)
    B = b.state("B", "cells", "antigen-presenting (CD19+) tumour cells", initial=9.486e10)

    K_N = b.parameter("K_N", 2.50e11, "cells", "normal T cell carrying capacity", source=_T1)
    K_C = b.parameter("K_C", 6.96e10, "cells", "CAR T cell carrying capacity", source=_T1)
    r_N = b.parameter("r_N", 0.17, "1/day", "normal T cell net growth rate", source=_T1)
    rho_C = b.parameter("rho_C", 2.51e-2, "1/day", "baseline CAR T net growth rate", source=_T1)
    a = b.parameter("a", 0.423, "1", "signalling inefficiency factor in r_C", source=_T1)
    bb = b.parameter("b", 0.525, "1/day", "immune reconstitution impact in r_C", source=_T1)
    r_B = b.parameter(
        "r_B",
        0.01,
        "1/day",
        "tumour net growth rate",
        source="BIOMD0000001041 (Kimmel et al. 2021 Table 1 gives only the range 0.01-0.5 /day)",
    )
    gamma_B = b.parameter("gamma_B", 1.15, "1/day", "maximal tumour-killing rate by CAR T cells", source=_T1)
    k_B = b.parameter("k_B", 2.024e9, "cells", "CAR T count giving half-maximal killing", source=_T1)

    L = b.intermediate("L", N + C, unit="cells", description="total lymphocyte count (the paper's T)")
    r_C = b.intermediate(
        "r_C",
        rho_C + bb * (L - K_N) ** 2 / (a * L**2 + (L - K_N) ** 2),
        unit="1/day",
        description="CAR T growth rate, muted as the lymphocyte pool refills",
    )
    b.equation(N, -r_N * N * log(L / K_N))
    b.equation(C, -r_C * C * log(L / K_C))
    b.reaction("tumour_growth", r_B * B, {B: +1}, description="net tumour growth")
    b.reaction("tumour_kill", gamma_B * B * C / (k_B + C), {B: -1}, description="saturating kill by CAR T cells")

    b.output("tumour_cells", B, "cells", "CD19+ tumour cells")
    b.output("lymphocytes", L, "cells", "total T cells N + C")
    b.output("car_t_per_uL", C / CELLS_PER_UL, "cells/uL", "CAR T cells as a peripheral-blood count (figure 2b)")

    b.note(
        "Defaults are Table 1 of the paper, in cells. BIOMD0000001041 uses cells/uL for N, C (and K_N, K_C, k_B) "
        "and ml for B: Table 1 = deposit x 5e8 (cells per cell/uL) and x 1e9 (cells per ml). The dynamics are "
        "identical under this rescaling."
    )
    b.note(
        "r_B: the paper gives a range (1-50)e-2 /day; the default 0.01 /day is the deposit's. k_B = 2.024e9 and "
        "K_C = 6.96e10 cells are Table 1's; the deposit's 4.05 and 139 cells/uL are the same numbers rounded."
    )
    b.note(
        "The r_C formula is the one printed on figure 2b and encoded in the deposit, "
        "rho_C + b(L-K_N)^2/(a L^2 + (L-K_N)^2); the inline text of section 2 prints the denominator garbled."
    )
    b.note(
        "Tumour eradication is deterministically unstable (tumour-free state is a saddle); with the extinction "
        "rule on, B drops below one cell at about day 40 and stays at 0 (cure); without it, B rebounds from "
        "about 1e-4 cells after day 160 (progression)."
    )
    return b.build()
