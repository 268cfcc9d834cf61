"""Hoffman, Gavaghan, Osborne, Barrett, You, Ghadially, Sainson, Wilkinson & Byrne (2018).

A mathematical model of antibody-dependent cellular cytotoxicity (ADCC). J Theor Biol
436:39–50. doi:10.1016/j.jtbi.2017.09.031. BioModels BIOMD0000000802.

An in-vitro ADCC assay: cancer cells, NK cells and a therapeutic antibody co-cultured.
The model is nondimensional (as is the deposit) and is kept so here: time, antibody and
cell numbers are scaled quantities, not days and cells.

* ``A``: free antibody, scaled by its initial concentration (A(0) = 1);
* ``R``: fraction of the target antigens on a cancer cell that carry antibody (R(0) = 0);
* ``C``: NK–cancer-cell complexes, scaled by the initial number of cancer cells;
* ``S``: cancer cells (free and in complexes), scaled by their initial number (S(0) = 1);
* free NK cells are u − C (u: NK cells per initial cancer cell).

Equations (the deposit's, which reproduces the paper's figures)::

    dA/dt = −a1·(1 − R)·A·S + a2·y·R·S
    dR/dt = (a1/y)·(1 − R)·A − a2·R
    dC/dt = v1·(u − C)·(S − C) − v2·C − f(R)·C
    dS/dt = −f(R)·C
    f(R)  = fk·R / (R + rk),         y = a1**n

Antibody binds free antigen and unbinds (a1, a2; y sets the ratio of antigen sites to
antibody molecules, so smaller y means more antibody); NK cells and cancer cells form
complexes (v1) that dissociate (v2); a complexed cancer cell is killed at a rate f(R)
that saturates in the antibody coverage R of that cell, which frees its NK cell. The
system evolves on two timescales: complexes and antibody binding settle fast, killing
is slow — S decays almost exponentially at the quasi-steady rate f(R*)·C*/S.

Decisions
---------
* Nondimensional time is kept (time unit "dimensionless"); states are nondimensional
  (kind "other", no extinction rule).
* The deposit writes y through two assignment rules (e = a1, y = e**n); here y is the
  intermediate a1**n with the exponent ``n`` a parameter (default 0, so y = 1), which
  evaluates identically.
* The paper's text was not available while this module was written: the equations,
  parameter values and initial state are the curated deposit's, read alongside the
  paper's abstract (two timescales, kill rate depending on bound antibody). Parameter
  meanings and ranges are the deposit curators' annotations (e.g. y: initial ratio of
  total receptors to antibody, 6.22e-9 to 622; u: initial NK:tumour-cell ratio, 1 to 20).
* The deposit's time course runs to t = 10 (the fast timescale); killing of most cancer
  cells takes t ~ 10^3 with these values.
"""

from iosim.model import ModelBuilder, Reference

MODEL_ID = "hoffman2018"
_SRC = "Hoffman et al. 2018 (nondimensional parameters); BIOMD0000000802"


def build():
    b = ModelBuilder(
        MODEL_ID,
        "ADCC assay: antibody binding, NK–cancer complexes and antibody-dependent killing",
        reference=Reference(
            "Hoffman F, Gavaghan D, Osborne J, Barrett IP, You T, Ghadially H, Sainson R, Wilkinson RW, Byrne HM "
            "(2018). A mathematical model of antibody-dependent cellular cytotoxicity (ADCC). J Theor Biol 436:39-50",
            doi="10.1016/j.jtbi.2017.09.031",
            biomodels="BIOMD0000000802",
        ),
        time_unit="dimensionless",
        description=(
            "Nondimensional in-vitro ADCC model: fast antibody binding and NK-cancer complex formation, slow "
            "antibody-dependent killing of cancer cells by NK cells."
        ),
    )
    A = b.state("A", "1", "free antibody, scaled by its initial concentration", initial=1.0, kind="other")
    R = b.state("R", "1", "fraction of cancer-cell target antigens bound by antibody", initial=0.0, kind="other")
    C = b.state("C", "1", "NK-cancer cell complexes, scaled by initial cancer cells", initial=0.0, kind="other")
    S = b.state("S", "1", "cancer cells (free and complexed), scaled by initial number", initial=1.0, kind="other")

    a1 = b.parameter("a1", 0.001, "1", "dimensionless antibody binding rate (range 5.8e-6 to 580)", source=_SRC)
    a2 = b.parameter("a2", 1.44, "1", "dimensionless antibody dissociation rate", source=_SRC)
    v1 = b.parameter("v1", 120.0, "1", "dimensionless NK-cancer cell binding rate", source=_SRC)
    u = b.parameter("u", 20.0, "1", "initial ratio of NK cells to cancer cells (range 1 to 20)", source=_SRC)
    v2 = b.parameter("v2", 14.4, "1", "dimensionless NK-cancer cell dissociation rate", source=_SRC)
    fk = b.parameter("fk", 1.0, "1", "maximal scaled kill rate of a complexed cancer cell", source=_SRC)
    rk = b.parameter("rk", 0.5, "1", "antigen coverage R giving half-maximal kill rate", source=_SRC)
    n = b.parameter(
        "n",
        0.0,
        "1",
        "exponent setting the antigen-to-antibody ratio y = a1**n (0: y = 1)",
        source=_SRC,
        bounds=(-10.0, 10.0),
    )

    y = b.intermediate(
        "y", a1**n, unit="1", description="initial ratio of total receptors to antibody (6.22e-9 to 622)"
    )
    f = b.intermediate("f", fk * R / (R + rk), unit="1", description="kill rate of a complexed cancer cell")

    b.equation(A, -a1 * (1 - R) * A * S + a2 * y * R * S)
    b.equation(R, (a1 / y) * (1 - R) * A - a2 * R)
    b.reaction("complex_formation", v1 * (u - C) * (S - C), {C: +1}, description="free NK binds free cancer cell")
    b.reaction("complex_dissociation", v2 * C, {C: -1}, description="complex falls apart, both cells survive")
    b.reaction("adcc_kill", f * C, {C: -1, S: -1}, description="NK kills its complexed cancer cell and is freed")

    b.output("lysis", 1 - S, "1", "fraction of cancer cells killed (the assay's specific lysis)")
    b.output("kill_rate", f, "1", "current kill rate of a complexed cancer cell, f(R)")

    b.note(
        "Nondimensional model kept nondimensional (time unit 'dimensionless'); the deposit is nondimensional too. "
        "Default state A=1, R=0, C=0, S=1 and all parameter values are BIOMD0000000802's."
    )
    b.note(
        "The deposit encodes y by assignment rules e = a1 and y = e**n; here y = a1**n directly with n a "
        "parameter (default 0 -> y = 1). Same values."
    )
    b.note(
        "The paper's full text was not available to us while encoding this model; equations, numbers and "
        "parameter meanings follow the curated deposit (and its curators' annotations) and should be checked "
        "against the paper's equations and parameter table."
    )
    return b.build()
