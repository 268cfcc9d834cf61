"""iosim's flagship model ``core``: immune surveillance and escape, with every therapy class.

One mechanistic model on which each immunotherapy acts through its own mechanism; the cancer
type changes only biological fields (growth, immunogenicity, infiltration, PD-L1, target
expression), so which therapy works where follows from the biology. The structure borrows
from published tumour-immune models:

* tumour growth, ratio-dependent CD8 killing and NK killing: de Pillis, Radunskaya &
  Wiseman 2005, Cancer Res 65:7950 (eqs 1-4, Table 1); CD8 killing is further bounded by the
  killing capacity of each effector (Halle et al. 2016, Immunity 44:233) and by the room the
  tumour bed has for effectors;
* killed cells leave necrosis and scar that the lesions keep measuring for weeks to years,
  so responses are partial before they are complete;
* priming in the lymph node by antigen-presenting cells fed by antigen release from killed
  cells, PD-1/PD-L1 exhaustion, CTLA-4 brake on priming, Tregs: the QSP-IO platform of the
  Popel lab (Jafarnejad et al. 2019, AAPS J 21:79; Wang et al. 2019, J Immunother Cancer)
  written here with far fewer compartments;
* CAR-T expansion on antigen, contraction to memory and exhaustion: Stein et al. 2019,
  CPT Pharmacometrics Syst Pharmacol 8:285 and Kimmel et al. 2021 (BIOMD0000001041);
* antibody pharmacokinetics: published population-PK models of each drug (see
  :mod:`iosim.therapy.catalogue`).

Tumour cells are split by the therapy target (CD19, CD20, HER2, PAP): ``Tp`` carries it,
``Tn`` lacks it; a small fraction of divisions of ``Tp`` lose the target (antigen escape).
Endogenous T and NK cells recognise both; CAR-T cells, the targeting antibody and the
vaccine act only through ``Tp``.
"""

from __future__ import annotations

import math

from iosim.expr import exp, gt, maximum, minimum, piecewise
from iosim.model import ModelBuilder, Reference
from iosim.models._core_parameters import declare_parameters
from iosim.models._core_parts import (
    CELLS_PER_CM3,
    DETECTION_DIAMETER_MM,
    TARGET_LESIONS,
    one_compartment,
    two_compartment,
)

MODEL_ID = "core"


def build():
    b = ModelBuilder(
        MODEL_ID,
        "Flagship tumour-immune model with checkpoint, antibody, cell, vaccine and cytokine therapy",
        reference=Reference(
            "iosim flagship model, assembled from de Pillis et al. 2005 (Cancer Res 65:7950), "
            "Jafarnejad et al. 2019 (AAPS J 21:79), Stein et al. 2019 (CPT PSP 8:285) and "
            "published population-PK models of each drug"
        ),
        description="Tumour (target+/target-), APC priming, CD8 effector/exhausted, NK, Treg, "
        "antibody, CAR-T, and the pharmacokinetics of eight drug classes.",
    )
    # ---------------------------------------------------------------- states: tumour and immune
    Tp = b.state("Tp", "cells", "tumour cells expressing the therapy target", initial=1e9 * 0.9)
    Tn = b.state("Tn", "cells", "tumour cells lacking the therapy target", initial=1e9 * 0.1)
    D = b.state("D", "cells", "antigen-presenting cells carrying tumour antigen (lymph node)", initial=0.0)
    # initial immune populations at their tumour-free steady states (supply / death)
    E = b.state("E", "cells", "functional tumour-specific CD8 effector T cells", initial=100.0 / 0.3)
    X = b.state("X", "cells", "exhausted tumour-specific CD8 T cells", initial=0.0)
    N = b.state("N", "cells", "NK cells available to the tumour", initial=1e9)
    R = b.state("R", "cells", "regulatory T cells (tumour-associated)", initial=1e7)
    Ab = b.state("Ab", "1", "endogenous anti-tumour antibody titre (relative)", initial=0.0, kind="other")
    C = b.state("C", "cells", "effector CAR-T cells", initial=0.0)
    Cm = b.state("Cm", "cells", "memory CAR-T cells", initial=0.0)
    # What is left of the infused product's proliferative programme (1 before infusion, fading once CAR-T
    # cells are present): antigen-driven T-cell expansion is a burst of limited length, not open-ended growth.
    Pc = b.state("Pc", "1", "proliferative programme left to the CAR-T cells (1 = as infused)", initial=1.0,
                 kind="other")  # fmt: skip
    W = b.state("W", "cells", "killed tumour cells still in the lesions (necrosis), cell equivalents", initial=0.0)
    F = b.state("F", "cells", "fibrotic scar left in the lesions by killed tumour, cell equivalents", initial=0.0)

    # ---------------------------------------------------------------- parameters (table in _core_parameters)
    p = declare_parameters(b)

    # ---------------------------------------------------------------- drugs (PK states)
    pd1_c, _ = two_compartment(
        b, "pd1", "anti-PD-1", cl=0.1863, vc=3.63, q=0.770, vp=2.78,
        source="nivolumab, Bajaj et al. 2017 CPT PSP 6:58 (Vc, Q, Vp); CL: steady-state value giving the "
        "Opdivo PI terminal half-life of 25 d (Bajaj's CL falls ~25% over time)",
    )  # fmt: skip
    pdl1_c, _ = two_compartment(
        b, "pdl1", "anti-PD-L1", cl=0.200, vc=3.28, q=0.546, vp=3.63,
        source="atezolizumab, Stroh et al. 2017 Clin Pharmacol Ther 102:305, final model",
    )  # fmt: skip
    ctla4_c, _ = two_compartment(
        b, "ctla4", "anti-CTLA-4", cl=0.403, vc=4.2, q=0.5, vp=3.27,
        source="ipilimumab, Yervoy PI s12.3 (CL 16.8 mL/h, Vss 7.47 L, t1/2 15.4 d); Vc/Vp split and Q assumed",
    )  # fmt: skip
    mab_c, _ = two_compartment(
        b, "mab", "tumour-targeting antibody", cl=0.1613, vc=2.7, q=0.5, vp=2.1,
        source="rituximab, Rituxan PI s12.3 (NHL popPK, median terminal t1/2 22 d); volumes typical IgG1 "
        "(assumed), CL set to give 22 d",
        # target-mediated disposition: target+ tumour cells are an antigen sink
        target_clearance=p.mab_target_clearance * maximum(Tp, 0.0) / (maximum(Tp, 0.0) + p.mab_target_half),
    )  # fmt: skip
    il2x = one_compartment(
        b, "il2x", "IU/mL", "exogenous IL-2 (aldesleukin) serum concentration", half_life_days=85 / 1440,
        source="Proleukin PI s12.3: elimination half-life 85 min",
    )  # fmt: skip
    ifn = one_compartment(
        b, "ifn", "IU/mL", "interferon-alpha serum concentration", half_life_days=2.5 / 24,
        source="Intron A PI s12.3: elimination half-life 2-3 h after IM/SC dosing (2.5 h used)",
    )  # fmt: skip
    chemo = one_compartment(
        b, "chemo", "mg/L", "cytotoxic chemotherapy plasma concentration", half_life_days=11.1 / 24,
        source="docetaxel, Taxotere PI s12.3: terminal half-life 11.1 h; set per drug by iosim.therapy.catalogue",
    )  # fmt: skip
    # Exposure remembered by the tumour (drives acquired resistance); the memory fades slowly, so resistance
    # partly reverts after a long drug holiday and the state has a steady state without chemotherapy.
    chemo_auc = b.state("chemo_auc", "mg*day/L", "chemotherapy exposure remembered by the tumour (resistance)",
                        kind="other")  # fmt: skip
    memory = b.parameter("chemo_memory_half_life", 180.0, "day", "half-life of the tumour's memory of exposure",
                         source="assumed: acquired chemoresistance partly reverts over months off treatment "
                         "(rechallenge responses after a drug holiday)")  # fmt: skip
    b.equation(chemo_auc, maximum(chemo, 0.0) - math.log(2.0) / memory * chemo_auc)
    V = one_compartment(
        b, "vac", "cells", "vaccine antigen-presenting cells (e.g. sipuleucel-T) still presenting", half_life_days=3.0,
        source="assumed: infused activated antigen-presenting cells keep presenting for a few days",
    )  # fmt: skip

    # ---------------------------------------------------------------- intermediates
    T = b.intermediate("tumour_total", Tp + Tn, unit="cells")
    Tpos = maximum(T, 0.0)
    occ_pd1 = b.intermediate("occ_pd1", pd1_c / (pd1_c + p.pd1_EC50), description="PD-1 occupancy")
    occ_pdl1 = b.intermediate("occ_pdl1", pdl1_c / (pdl1_c + p.pdl1_EC50), description="PD-L1 occupancy")
    occ_ctla4 = b.intermediate("occ_ctla4", ctla4_c / (ctla4_c + p.ctla4_EC50), description="CTLA-4 occupancy")
    occ_mab = b.intermediate("occ_mab", mab_c / (mab_c + p.mab_EC50), description="target coating by the antibody")
    il2e = b.intermediate("il2_effect", il2x / (il2x + p.il2_EC50), description="exogenous IL-2 effect (0-1)")
    # Tregs carry the high-affinity receptor (CD25) and respond at a lower IL-2 concentration than
    # effector T and NK cells: low doses favour Tregs, high doses saturate both.
    il2e_treg = b.intermediate(
        "il2_treg_effect",
        il2x / (il2x + p.il2_EC50 / p.il2_treg_sensitivity),
        description="exogenous IL-2 effect on Tregs (0-1)",
    )
    ifne = b.intermediate("ifn_effect", ifn / (ifn + p.ifn_EC50), description="interferon-alpha effect (0-1)")
    block = b.intermediate("pd_block", 1 - (1 - occ_pd1) * (1 - occ_pdl1), description="PD-1/PD-L1 axis blockade")
    # Each patient gets a share of each drug's maximal effect (pd1_rescue, ctla4_sensitivity); the two
    # vary partly independently between patients (iosim.trials.population), so the responders to one
    # checkpoint drug are not simply a subset of the responders to the other.
    rescue = b.intermediate("pd_rescue", p.pd1_rescue * block, description="PD-1 signalling removed by blockade")
    ctla4_effect = b.intermediate("ctla4_effect", p.ctla4_sensitivity * occ_ctla4,
                                  description="anti-CTLA-4 effect in this patient (0-1)")  # fmt: skip
    # The tumour bed holds a bounded number of effectors, proportional to its size (room in the stroma
    # and vessels) plus what the surrounding tissue gives a small tumour: more priming cannot make up for
    # exclusion (Chen & Mellman 2017).
    room = p.infiltration_room * Tpos + p.infiltration_room_min
    Ei = b.intermediate("effectors_in_tumour", p.infiltration * E * room / (E + room + 1.0), unit="cells")
    ifng = b.intermediate("ifng", Ei / (Ei + p.ifng_half), description="IFN-gamma signal (0-1)")
    pdl1 = b.intermediate("pdl1_level", p.pdl1_base + p.pdl1_ifng * ifng, description="PD-L1 expression (0-1+)")
    # Anti-CTLA-4 expands tumour-infiltrating ICOS+ Th1 CD4 helper cells (Wei et al. 2017 Cell 170:1120); helped
    # CD8 cells down-regulate co-inhibitory receptors (Ahrends et al. 2017 Immunity 47:848): a share ctla4_help of
    # the co-inhibitory signal is lifted, on the same signal PD-1 blockade lifts, so the two saturate together.
    spd = b.intermediate("pd1_signal", pdl1 * (1 - rescue) * (1 - p.ctla4_help * ctla4_effect),
                         description="co-inhibitory (PD-1) signalling received by effectors")  # fmt: skip
    supp = b.intermediate(
        "treg_suppression", 1 / (1 + R / p.treg_suppression_half), description="fraction of activity left by Tregs"
    )
    stim = b.intermediate("chronic_stimulation", Tpos / (Tpos + p.exhaustion_half))
    eil = Ei**p.kill_exponent
    # de Pillis 2005: D = d (E/T)^l / (s + (E/T)^l), multiplied through by T^l; "+ 1.0" (cells^l) only
    # keeps 0/0 away when both populations vanish.
    contact = b.intermediate(
        "effector_contact_kill",
        p.kill_max * eil / (p.kill_half * Tpos**p.kill_exponent + eil + 1.0),
        unit="1/day",
        description="per-tumour-cell kill rate by CD8 effectors (de Pillis ratio-dependent form)",
    )
    # Each infiltrating effector kills a bounded number of tumour cells per day (Halle et al. 2016).
    # The per-tumour-cell rate is the smaller of the de Pillis rate and this capacity, so a tumour is
    # killed at most ctl_kill_capacity * Ei cells/day.
    capacity = b.intermediate(
        "effector_capacity_kill", p.ctl_kill_capacity * Ei / (Tpos + 1.0), unit="1/day",
        description="per-tumour-cell kill rate allowed by the killing capacity of the infiltrate",
    )  # fmt: skip
    fE = b.intermediate(
        "effector_kill_per_cell",
        # a tumour that lost antigen presentation (B2M) or IFN-gamma signalling (JAK1/2) escapes CD8 killing
        # IL-2 raises each CD8 effector's perforin and granzyme B (Janas et al. 2005 J Immunol 175:8003): more
        # killing per effector while IL-2 is given; 0 without IL-2, so no other therapy changes.
        minimum(contact, capacity) * supp / (1 + p.pd1_kill_inhibition * spd) * (1 - p.antigen_presentation_loss)
        * (1 + p.il2_kill_boost * il2e),
        unit="1/day",
        description="per-tumour-cell kill rate by CD8 effectors: contact-limited (de Pillis) and capacity-limited, "
        "raised by IL-2 while it is given (il2_kill_boost)",
    )
    fN = b.intermediate(
        "nk_kill_per_cell",
        p.nk_kill * N * (1 + p.ifn_presentation_gain * ifne + il2e) / (p.nk_half + Tpos)
        + p.antibody_adcc * N * Ab / (1 + Ab) / (p.nk_half + Tpos),
        unit="1/day",
    )
    fmab = b.intermediate(
        "antibody_kill_per_cell", occ_mab * (p.mab_adcc * N / (p.nk_half + Tpos) + p.mab_cdc), unit="1/day"
    )
    fchemo = b.intermediate(
        "chemo_kill_per_cell", p.chemo_kill * maximum(chemo, 0.0) * exp(-p.chemo_resistance * chemo_auc),
        unit="1/day", description="per-tumour-cell kill rate by cytotoxic chemotherapy (fades with exposure)",
    )  # fmt: skip
    # CAR-T killing: each CAR-T cell kills at most car_kill target+ cells a day (a large tumour outnumbers
    # them), and each target+ cell is killed at most at car_target_kill_max x infiltration a day however many
    # CAR-T cells there are (they must reach it: blasts in blood and marrow more easily than cells inside a
    # lymphoma mass): a Beddington-DeAngelis form. Without this limit a small residue was cleared within
    # hours of the peak, so every responder became a CR.
    car_reach = p.car_target_kill_max * p.infiltration
    fcar = b.intermediate(
        "car_kill_per_cell",
        p.car_kill * C / (p.car_kill_half + maximum(Tp, 0.0) + p.car_kill * maximum(C, 0.0) / car_reach),
        unit="1/day",
    )
    kill_flux = b.intermediate("kill_flux", (fE + fN + fchemo) * T + (fmab + fcar) * Tp, unit="cells/day")
    A = b.intermediate(
        "antigen_flux", maximum(p.antigen_shedding * T + p.antigen_release * kill_flux, 0.0), unit="cells/day"
    )
    pres = b.intermediate(
        "presentation",
        (1 + p.ifn_presentation_gain * ifne) * A**p.antigen_hill / (A**p.antigen_hill + p.antigen_half**p.antigen_hill),
    )

    # Expansion slows as each population fills what the body can hold (homeostatic niche).
    room_e = maximum(1 - (E + X) / p.clone_capacity, 0.0)
    room_r = maximum(1 - R / p.treg_capacity, 0.0)
    room_n = maximum(1 - N / p.nk_capacity, 0.0)

    # ---------------------------------------------------------------- reactions
    crowd = 1 - T / p.capacity
    # HER2 blockade (mab_signal) slows the division of target+ cells; a fraction of those divisions
    # gives a target- daughter (antigen loss).
    divide_pos = p.growth_rate * (1 - p.mab_signal * occ_mab) * Tp * crowd
    b.reaction("growth_pos", (1 - p.antigen_loss) * divide_pos, {Tp: +1})
    b.reaction("antigen_loss_division", p.antigen_loss * divide_pos, {Tn: +1}, description="target- daughters")
    b.reaction("growth_neg", p.growth_rate * Tn * crowd, {Tn: +1})
    # Killed cells leave a residual mass (W, necrosis) that is cleared over weeks: the lesions
    # shrink more slowly than the viable tumour, and a small fibrotic scar (F) persists much longer, so a
    # cleared tumour is a partial response for months and a complete response only when the scar is gone.
    b.reaction("kill_pos_immune", (fE + fN) * Tp, {Tp: -1, W: +1}, description="CD8 and NK kill of target+ cells")
    b.reaction("kill_neg_immune", (fE + fN) * Tn, {Tn: -1, W: +1}, description="CD8 and NK kill of target- cells")
    b.reaction("kill_antibody", fmab * Tp, {Tp: -1, W: +1}, description="ADCC (NK) and complement on coated cells")
    b.reaction("kill_car", fcar * Tp, {Tp: -1, W: +1}, description="CAR-T kill target+ cells only")
    b.reaction("kill_chemo_pos", fchemo * Tp, {Tp: -1, W: +1}, description="chemotherapy kills target+ cells")
    b.reaction("kill_chemo_neg", fchemo * Tn, {Tn: -1, W: +1}, description="chemotherapy kills target- cells")
    b.reaction("necrosis_clearance", (1 - p.fibrosis_fraction) * p.residue_clearance * W, {W: -1},
               description="macrophages clear dead tissue")  # fmt: skip
    b.reaction("fibrosis", p.fibrosis_fraction * p.residue_clearance * W, {W: -1, F: +1},
               description="part of the dead tissue is replaced by scar")  # fmt: skip
    b.reaction("scar_remodelling", p.scar_clearance * F, {F: -1}, description="slow remodelling of the scar")

    b.reaction("apc_activation", p.apc_max * p.immunogenicity * pres, {D: +1})
    b.reaction("apc_turnover", p.apc_death * D, {D: -1})
    b.reaction("effector_influx", p.effector_supply, {E: +1})
    b.reaction(
        "priming",
        p.priming_rate * D * (1 + p.ctla4_priming_gain * ctla4_effect) * supp * room_e,
        {E: +1},
        description="lymph-node priming and expansion, CTLA-4 brake, Treg suppression",
    )
    b.reaction(
        "priming_by_vaccine",
        p.vaccine_priming * V * p.target_fraction * supp * room_e,
        {E: +1},
        description="vaccine APCs prime effectors",
    )
    b.reaction("effector_il2_proliferation", p.il2_proliferation * il2e * E * room_e, {E: +1})
    b.reaction("effector_turnover", p.effector_death * E, {E: -1})
    b.reaction(
        "exhaustion",
        p.exhaustion_rate * spd * stim * E,
        {E: -1, X: +1},
        description="PD-1 signalling under chronic antigen",
    )
    b.reaction(
        "reinvigoration", p.reinvigoration_rate * rescue * X, {X: -1, E: +1}, description="PD-1/PD-L1 blockade rescues"
    )
    b.reaction("exhausted_turnover", p.exhausted_death * X, {X: -1})

    b.reaction("nk_influx", p.nk_supply, {N: +1})
    b.reaction("nk_cytokine_proliferation", p.il2_nk_proliferation * il2e * N * room_n, {N: +1})
    b.reaction("nk_turnover", p.nk_death * N, {N: -1})

    b.reaction("treg_influx", p.treg_supply, {R: +1})
    b.reaction(
        "treg_recruitment_by_tumour", p.treg_recruitment * stim, {R: +1}, description="tumour-driven Treg recruitment"
    )
    b.reaction("treg_il2_proliferation", p.il2_treg_proliferation * il2e_treg * R * room_r, {R: +1})
    b.reaction("treg_turnover", p.treg_death * R, {R: -1})
    b.reaction(
        "treg_depletion_ctla4",
        p.ctla4_treg_depletion * ctla4_effect * R,
        {R: -1},
        description="ipilimumab Fc-mediated depletion",
    )

    b.equation(Ab, p.antibody_production * D / (D + p.apc_max / p.apc_death) - p.antibody_decay * Ab)

    # Antigen drive: CD19+ targets met per CAR-T cell (an effector:target ratio), half-maximal at
    # car_targets_per_cell targets per CAR-T cell; as the CAR-T cells multiply and kill, each meets fewer targets.
    car_drive = maximum(Tp, 0.0) / (maximum(Tp, 0.0) + p.car_antigen_half + p.car_targets_per_cell * maximum(C, 0.0))
    # Expansion on antigen runs on a proliferative programme (Kaech & Ahmed 2001, van Stipdonk 2001: after
    # activation T cells divide on autopilot for ~1-2 weeks, then contract) that antigen encounter keeps charged:
    # it fades only as the targets per CAR-T cell run short (tumour cleared, or CAR-T cells outnumbering it). So
    # the peak follows the antigen burden, not the infused dose: a small dose expands longer, to about the same
    # peak (tisagenlecleucel: no dose-exposure relationship, Mueller 2017 Blood 130:2317, Awasthi 2020 Blood Adv
    # 4:560). The programme runs only while CAR-T cells are present (C + Cm = 0 before the infusion); once none
    # are left it is restored, so a later infusion of a new product expands again.
    present = (maximum(C, 0.0) + maximum(Cm, 0.0)) / (maximum(C, 0.0) + maximum(Cm, 0.0) + 1.0)
    b.equation(Pc, p.car_program_decay * ((1 - Pc) * (1 - present) - Pc * present * (1 - car_drive)))
    b.reaction(
        "car_expansion_on_antigen",
        p.car_expansion * car_drive * maximum(Pc, 0.0) * C,
        {C: +1},
        description="antigen-driven CAR-T expansion while the proliferative programme lasts",
    )
    b.reaction("car_contraction", p.car_death * C, {C: -1})
    b.reaction("car_to_memory", p.car_memory * C, {C: -1, Cm: +1})
    b.reaction("car_memory_reactivation", p.car_expansion * car_drive * Cm, {Cm: -1, C: +1})
    b.reaction("car_memory_loss", p.car_memory_death * Cm, {Cm: -1})
    b.reaction("car_antigen_exhaustion", p.car_exhaustion * car_drive * C, {C: -1})

    # ---------------------------------------------------------------- outputs
    vol = (Tpos + p.residue_seen * (maximum(W, 0.0) + maximum(F, 0.0))) / CELLS_PER_CM3 / TARGET_LESIONS
    lesion = 10.0 * (6.0 * vol / math.pi) ** (1.0 / 3.0)
    b.output("tumour_cells", T, "cells", "total viable tumour cells")
    seen = piecewise((lesion, gt(lesion, DETECTION_DIAMETER_MM)), otherwise=0.0)
    b.output("tumour_diameter_mm", TARGET_LESIONS * seen, "mm",
             f"sum of {TARGET_LESIONS} equal spherical target lesions (viable cells + residue seen) at "
             f"{CELLS_PER_CM3:g} cells/cm^3; a lesion below {DETECTION_DIAMETER_MM:g} mm is not seen (0)")  # fmt: skip
    b.output("residual_cells", W + F, "cells", "necrosis and scar in the lesions (cell equivalents)")
    b.output("effector_cells", E, "cells", "functional tumour-specific CD8 T cells")
    b.output("exhausted_cells", X, "cells", "exhausted CD8 T cells")
    b.output("nk_cells", N, "cells", "NK cells")
    b.output("treg_cells", R, "cells", "regulatory T cells")
    b.output("car_t_cells", C + Cm, "cells", "CAR-T cells (effector + memory)")
    b.output("cart_cells", C + Cm, "cells", "CAR-T cells (effector + memory); bounded in iosim.models.bounds")
    b.output("tumour_specific_t_cells", E + X, "cells", "tumour-specific CD8 T cells, functional and exhausted")
    b.output("total_t_cells", E + X + R + C + Cm, "cells",
             "T cells the model follows: tumour-specific CD8, Tregs and CAR-T (not the rest of the body's pool)")
    for name, expr, unit in (
        ("anti_pd1_mg_per_L", pd1_c, "mg/L"),
        ("anti_pdl1_mg_per_L", pdl1_c, "mg/L"),
        ("anti_ctla4_mg_per_L", ctla4_c, "mg/L"),
        ("targeting_mab_mg_per_L", mab_c, "mg/L"),
        ("il2_IU_per_mL", il2x, "IU/mL"),
        ("ifn_alpha_IU_per_mL", ifn, "IU/mL"),
        ("chemo_mg_per_L", chemo, "mg/L"),
        ("pd1_occupancy", occ_pd1, "1"),
        ("pd_axis_blockade", block, "1"),
    ):
        b.output(name, expr, unit)

    b.note(
        "de Pillis 2005 fits l = 2.09 (patient 9) and 1.81 (patient 10); iosim rounds to l = 2 so that the "
        "power of a transiently negative solver value stays real."
    )
    b.note(
        "Parameters marked 'calibrated' were set (by hand, iosim 0.1) so that untreated tumours show the three "
        "immunoediting phases and the therapy x cancer matrix follows the clinical pattern; they are not fits."
    )
    return b.build()
