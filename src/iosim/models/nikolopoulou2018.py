"""Nikolopoulou, Johnson, Harris, Nagy, Stites & Kuang (2018).

Tumour-immune dynamics with an immune checkpoint inhibitor. Letters in Biomathematics
5(sup1):S137–S159. DOI 10.1080/23737867.2018.1440978. BioModels MODEL1908270001.

Cancer cells C, activated T cells T and the anti-PD-1 antibody A, all densities (g/cm³:
the deposit declares no units; these are those of the Lai & Friedman 2017 model this one
reduces), time in days::

    dC/dt = lambda_C·C·(1 − C/C_K) − eta·T·C
    dT/dt = [lambda_TI_12·T_N·I_12/(K_I_12 + I_12) + lambda_TI_2·T·I_2/(K_I_2 + I_2)] / (1 + Q/K_TQ)
            − d_T·T
    dA/dt = gamma_A − mu_PA·P·A − d_A·A

    P = (rho_P − gamma·A)·T          free PD-1 on T cells (anti-PD-1 blocks part of it)
    L = rho_L·(T + epsilon_C·C)      PD-L1 on T cells and cancer cells
    Q = sigma·P·L                    PD-1–PD-L1 complex, which inhibits T-cell activation

IL-12 and IL-2 (I_12, I_2) and naive T cells (T_N) are held at constant levels.
gamma_A is the anti-PD-1 dosing rate: a constant parameter (continuous treatment, as in
the paper), 0 by default (untreated); intermittent treatment is a regimen of boluses or
infusions on A.

Decisions
---------
* The deposit writes the source of dA/dt as ``A`` (a first-order self-production that
  leaves A ≡ 0 from A(0) = 0 and would grow exponentially from any dose), and declares
  gamma_A = 1e-10 without using it. The drug input of the Lai–Friedman anti-PD-1
  equation, on which the paper builds, is the dosing rate gamma_A; iosim uses gamma_A.
* Default gamma_A = 0 (untreated). From the default initial state this reproduces the
  deposit's trajectories exactly (its A stays 0), and it is the system whose equilibria
  the paper analyses. ``CONTINUOUS_DOSE = 1e-10`` g/(cm³·day) is the deposit's value.
* Free PD-1 is ``max(rho_P − gamma·A, 0)·T``: the deposit's (rho_P − gamma·A)·T turns
  negative when A > rho_P/gamma = 5.84e-8 g/cm³, which would make Q negative and the
  inhibition 1/(1 + Q/K_TQ) infinite. The clip changes nothing below that level.
* The states are densities, not cell counts, so the one-cell extinction rule does not
  apply: an eliminated tumour decays towards 0 asymptotically. The tests call a tumour
  eliminated when C < 1e-9 g/cm³ (about one 1-ng cell per cm³).
* Parameter values and initial state are the deposit's (MODEL1908270001); the paper's
  table could not be consulted for this implementation.
"""

from iosim.expr import maximum
from iosim.model import ModelBuilder, Reference

MODEL_ID = "nikolopoulou2018"

#: The deposit's anti-PD-1 dosing rate gamma_A, g/(cm³·day) (continuous treatment).
CONTINUOUS_DOSE = 1e-10

_DEP = "MODEL1908270001 (the deposit of Nikolopoulou et al. 2018; paper table not consulted)"
_IC = "MODEL1908270001 initial state"


def build():
    b = ModelBuilder(
        MODEL_ID,
        "Anti-PD-1 checkpoint blockade: cancer cells, T cells and the PD-1/PD-L1 brake",
        reference=Reference(
            "Nikolopoulou E, Johnson LR, Harris D, Nagy JD, Stites EC, Kuang Y (2018). Tumour-immune "
            "dynamics with an immune checkpoint inhibitor. Lett Biomath 5(sup1):S137-S159",
            doi="10.1080/23737867.2018.1440978",
            biomodels="MODEL1908270001",
        ),
        description=(
            "Cancer cells, activated T cells and anti-PD-1: PD-1/PD-L1 complexes inhibit T-cell "
            "activation; the antibody frees PD-1 and restores it."
        ),
    )
    C = b.state("C", "g/cm^3", "cancer cell density", initial=0.3968, kind="concentration")
    T = b.state("T", "g/cm^3", "activated T cell density", initial=0.006, kind="concentration")
    A = b.state("A", "g/cm^3", "anti-PD-1 antibody concentration", initial=0.0, kind="concentration")

    lambda_C = b.parameter("lambda_C", 0.425, "1/day", "cancer cell growth rate", source=_DEP)
    C_K = b.parameter("C_K", 0.8725, "g/cm^3", "cancer cell carrying capacity", source=_DEP)
    eta = b.parameter("eta", 57.5, "cm^3/(g*day)", "killing rate of cancer cells by T cells", source=_DEP)
    lambda_TI_12 = b.parameter("lambda_TI_12", 8.81, "1/day", "activation rate of naive T cells by IL-12", source=_DEP)
    T_N = b.parameter("T_N", 6e-4, "g/cm^3", "naive T cell density (constant)", source=_DEP)
    I_12 = b.parameter("I_12", 1.5e-10, "g/cm^3", "IL-12 concentration (constant)", source=_DEP)
    K_I_12 = b.parameter("K_I_12", 1.5e-10, "g/cm^3", "IL-12 half-saturation", source=_DEP)
    lambda_TI_2 = b.parameter("lambda_TI_2", 0.5, "1/day", "proliferation rate of T cells by IL-2", source=_DEP)
    I_2 = b.parameter("I_2", 2.37e-11, "g/cm^3", "IL-2 concentration (constant)", source=_DEP)
    K_I_2 = b.parameter("K_I_2", 2.37e-11, "g/cm^3", "IL-2 half-saturation", source=_DEP)
    K_TQ = b.parameter("K_TQ", 1.365e-18, "g/cm^3", "PD-1–PD-L1 level that halves T-cell activation", source=_DEP)
    rho_L = b.parameter("rho_L", 1.1615e-6, "1", "PD-L1 expression per T cell (mass ratio)", source=_DEP)
    rho_P = b.parameter("rho_P", 5.84e-7, "1", "PD-1 expression per T cell (mass ratio)", source=_DEP)
    epsilon_C = b.parameter("epsilon_C", 50.5, "1", "PD-L1 expression of cancer cells relative to T cells", source=_DEP)
    d_T = b.parameter("d_T", 0.025, "1/day", "death rate of T cells", source=_DEP)
    mu_PA = b.parameter("mu_PA", 1.05954e8, "cm^3/(g*day)", "depletion of anti-PD-1 by binding to PD-1", source=_DEP)
    gamma_A = b.parameter(
        "gamma_A",
        0.0,
        "g/(cm^3*day)",
        "anti-PD-1 dosing rate (therapy input; deposit value 1e-10)",
        source="Nikolopoulou et al. 2018: treatment input, 0 = untreated (MODEL1908270001 declares 1e-10 unused)",
    )
    d_A = b.parameter("d_A", 0.7115, "1/day", "degradation rate of anti-PD-1", source=_DEP)
    gamma = b.parameter("gamma", 10.0, "cm^3/g", "blocking of PD-1 per unit anti-PD-1", source=_DEP)
    sigma = b.parameter("sigma", 0.002, "cm^3/g", "PD-1–PD-L1 association constant", source=_DEP)

    P = b.intermediate("P", maximum(rho_P - gamma * A, 0.0) * T, unit="g/cm^3", description="free (unblocked) PD-1")
    L = b.intermediate("L", rho_L * (T + epsilon_C * C), unit="g/cm^3", description="PD-L1")
    Q = b.intermediate("Q", sigma * P * L, unit="g/cm^3", description="PD-1–PD-L1 complex")
    F = b.intermediate("F", 1.0 / (1.0 + Q / K_TQ), unit="1", description="fraction of T-cell activation left")

    b.reaction("cancer_growth", lambda_C * C, {C: +1}, description="cancer cell proliferation")
    b.reaction("cancer_crowding", lambda_C * C * C / C_K, {C: -1}, description="logistic limitation")
    b.reaction("cancer_kill", eta * T * C, {C: -1}, description="cancer cells killed by T cells")
    b.reaction(
        "t_activation_il12",
        F * lambda_TI_12 * T_N * I_12 / (K_I_12 + I_12),
        {T: +1},
        description="naive T cells activated by IL-12, inhibited by PD-1–PD-L1",
    )
    b.reaction(
        "t_proliferation_il2",
        F * lambda_TI_2 * T * I_2 / (K_I_2 + I_2),
        {T: +1},
        description="IL-2-driven proliferation, inhibited by PD-1–PD-L1",
    )
    b.reaction("t_death", d_T * T, {T: -1})
    b.reaction("antibody_dosing", gamma_A, {A: +1}, description="continuous anti-PD-1 infusion")
    b.reaction("antibody_binding", mu_PA * P * A, {A: -1}, description="anti-PD-1 consumed by binding PD-1")
    b.reaction("antibody_clearance", d_A * A, {A: -1})

    b.output("tumour_density", C, "g/cm^3", "cancer cell density")
    b.output("pd1_pdl1_complex", Q, "g/cm^3", "PD-1–PD-L1 complex")
    b.output("activation_fraction", F, "1", "fraction of T-cell activation not blocked by PD-1–PD-L1")

    b.note(
        "Deposit error corrected: MODEL1908270001 writes the source of dA/dt as 'A' and never uses its "
        "gamma_A; iosim's source is the dosing rate gamma_A, as in the Lai-Friedman anti-PD-1 equation."
    )
    b.note(
        "gamma_A defaults to 0 (untreated; identical to the deposit's trajectories, whose A stays 0). "
        "The deposit's 1e-10 g/(cm^3*day) is CONTINUOUS_DOSE."
    )
    b.note(
        "Free PD-1 is max(rho_P - gamma*A, 0)*T: the deposit's (rho_P - gamma*A)*T becomes negative above "
        "A = 5.84e-8 g/cm^3 and would make the inhibition term infinite."
    )
    b.note(
        "States are densities (g/cm^3), so no one-cell extinction rule applies. Parameters and initial "
        "state are the deposit's; the paper's own table could not be consulted."
    )
    return b.build()
