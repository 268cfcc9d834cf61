"""Parameters of the flagship model ``core``: value, unit, description and source of each.

One row per parameter, grouped by mechanism. Sources: the paper and table, a prescribing
information section, "assumed: <reason>" for a value iosim chose within the cited range, or
"calibrated: <target>" for a value set by hand so that the model reproduces the named
behaviour (immunoediting phases, the therapy x cancer pattern, a trial result).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

from iosim.model import ModelBuilder

_DEP = "de Pillis, Radunskaya & Wiseman 2005, Cancer Res 65:7950, Table 1"
_CAL = "calibrated: "

#: (name, value, unit, description, source)
PARAMETERS: tuple[tuple[str, float, str, str, str], ...] = (
    # --- cancer type (set per cancer by iosim.cancers; defaults: melanoma)
    (
        "growth_rate",
        math.log(2) / 60,
        "1/day",
        "tumour net growth rate ln2/doubling time",
        "melanoma metastases, doubling time ~60 d (Ollila et al. 1998, J Surg Oncol 69:206); "
        "set per cancer type by iosim.cancers",
    ),
    (
        "capacity",
        1e12,
        "cells",
        "tumour carrying capacity (about 1 kg, a lethal burden)",
        "assumed: ~1e12 cells (1 kg) is a lethal burden (Del Monte 2009, Cell Cycle 8:505)",
    ),
    (
        "immunogenicity",
        1.0,
        "1",
        "antigenicity relative to melanoma (TMB x presentation)",
        "set per cancer type from tumour mutational burden (Samstein 2019, Nat Genet 51:202)",
    ),
    (
        "infiltration",
        1.0,
        "1",
        "fraction of primed effectors that reach the tumour bed",
        "set per cancer type (immune-inflamed vs excluded/desert; Chen & Mellman 2017)",
    ),
    (
        "infiltration_room",
        0.05,
        "1",
        "tumour-specific effectors the tumour bed can hold per tumour cell (fully inflamed tumour)",
        "assumed: CD8 T cells are a few % of cells in inflamed melanoma (Tumeh et al. 2014 Nature 515:568) and "
        "only a minority of them recognise the tumour (Scheper et al. 2019 Nat Med 25:89): up to ~1 per 20 "
        "tumour cells",
    ),
    (
        "infiltration_room_min",
        1e7,
        "cells",
        "effectors that can reach a tumour however small (from the surrounding tissue)",
        _CAL + "keeps the untreated immunoediting phases (elimination below ~1e5 cells, dormancy of 1e7)",
    ),
    (
        "pdl1_base",
        0.5,
        "1",
        "constitutive PD-L1 level of the tumour (0-1)",
        "set per cancer type from PD-L1 tumour proportion scores",
    ),
    (
        "antigen_loss",
        1e-5,
        "1",
        "fraction of target+ divisions giving target- cells",
        "assumed: CD19-negative relapse after CAR-T in ~10-20% of B-ALL (Maude 2018 NEJM 378:439)",
    ),
    # --- CD8 effector killing, exhaustion and PD-1/PD-L1
    ("kill_max", 2.34, "1/day", "maximal CD8 kill rate per tumour cell (de Pillis d)", _DEP),
    (
        "kill_exponent",
        2.0,
        "1",
        "exponent of the effector:target ratio (de Pillis l)",
        _DEP + " (l = 2.09 for patient 9, rounded to 2)",
    ),
    ("kill_half", 3.8e-3, "1", "(E/T)^l giving half-maximal kill (de Pillis s)", _DEP),
    (
        "ctl_kill_capacity",
        16.0,
        "cells/(cell*day)",
        "tumour cells one infiltrating CD8 effector can kill per day at most",
        "Halle et al. 2016 Immunity 44:233: in vivo a CTL kills ~2-16 target cells per day (upper end "
        "used, so that a typical melanoma patient responds to anti-PD-1 within months)",
    ),
    (
        "pd1_kill_inhibition",
        30.0,
        "1",
        "fold-reduction of killing at full PD-1 signalling minus 1",
        _CAL + "anti-PD-1 response in melanoma/NSCLC/RCC, not MSS CRC/pancreatic; lowered from 100 (iosim "
        "0.1) to 30 so that anti-CTLA-4 alone can work in melanoma (CheckMate 067 ipilimumab ORR 19%)",
    ),
    (
        "exhaustion_rate",
        0.2,
        "1/day",
        "effector exhaustion rate at full PD-1 signal and antigen",
        _CAL + "escape of large untreated tumours (Wherry 2011 Nat Immunol 12:492, qualitative)",
    ),
    (
        "exhaustion_half",
        1e9,
        "cells",
        "tumour size giving half-maximal chronic stimulation",
        _CAL + "escape threshold ~1e9 cells (about 1 cm^3, clinical detection)",
    ),
    (
        "reinvigoration_rate",
        0.1,
        "1/day",
        "exhausted -> functional at full PD-1 blockade",
        _CAL + "tumour response within 8-12 weeks of anti-PD-1 (CheckMate 067 time to response)",
    ),
    (
        "exhausted_death",
        0.05,
        "1/day",
        "death rate of exhausted T cells",
        "assumed: exhausted cells persist weeks (Wherry 2011)",
    ),
    (
        "pdl1_ifng",
        0.5,
        "1",
        "additional PD-L1 induced by IFN-gamma at saturation",
        "assumed: adaptive PD-L1 induction (Taube 2012 Sci Transl Med 4:127ra37)",
    ),
    (
        "ifng_half",
        1e8,
        "cells",
        "infiltrating effectors for half-maximal IFN-gamma",
        _CAL + "adaptive PD-L1 rises with infiltration",
    ),
    # --- priming: antigen, antigen-presenting cells, effectors
    (
        "effector_supply",
        100.0,
        "cells/day",
        "supply of tumour-specific precursors (thymic output)",
        "assumed: ~1e-6 of naive T cells recognise one epitope (Jenkins et al. 2010, Annu Rev Immunol 28:275)",
    ),
    (
        "effector_death",
        0.3,
        "1/day",
        "death rate of functional effector T cells",
        _CAL + "damped dormancy; activated effectors live days (de Boer & Perelson 2013)",
    ),
    (
        "priming_rate",
        2.0,
        "1/day",
        "effectors produced per presenting cell per day (with expansion)",
        _CAL + "dormancy of 1e7-1e8 cell tumours, escape above ~1e9 (immunoediting)",
    ),
    (
        "apc_max",
        1e8,
        "cells/day",
        "maximal recruitment of tumour-antigen-loaded APCs (x immunogenicity)",
        _CAL + "anti-PD-1 regresses a 3e10-cell melanoma/NSCLC/RCC, not MSS CRC/pancreatic",
    ),
    (
        "antigen_half",
        1e7,
        "cells/day",
        "antigen flux (shed + killed cells) for half-maximal APCs",
        _CAL + "dormancy at ~5e7 cells; small tumours are ignored by T cells (Spiotto 2002 Immunity 17:737)",
    ),
    (
        "antigen_hill",
        2.0,
        "1",
        "Hill coefficient of APC activation by antigen",
        "assumed: cooperative, threshold-like priming",
    ),
    (
        "antigen_shedding",
        0.01,
        "1/day",
        "antigen released per live tumour cell per day",
        "assumed: ~1%/day cell turnover releases antigen",
    ),
    (
        "antigen_release",
        0.1,
        "1",
        "antigen from a killed cell relative to a shed-cell equivalent",
        _CAL + "damped approach to the dormant equilibrium",
    ),
    ("apc_death", 1.0, "1/day", "turnover of antigen-loaded APCs", "assumed: mature DC life ~1-2 d"),
    (
        "residue_clearance",
        math.log(2) / 14,
        "1/day",
        "clearance of killed tumour cells from the lesions (half-life 14 d)",
        "assumed: dead tissue is resorbed over weeks, so lesions lag the viable tumour (lymphoma masses shrink "
        "within weeks of effective therapy); residual masses after immunotherapy are often necrosis/fibrosis "
        "without viable tumour (Tetzlaff et al. 2018 Ann Oncol 29:1861)",
    ),
    (
        "residue_seen",
        1.0,
        "1",
        "fraction of the residual mass the response assessment counts as disease",
        "1 for CT-based RECIST (a residual mass is measured); 0 for PET-based lymphoma response (Lugano 2014, "
        "Cheson et al. 2014 JCO 32:3059: a metabolically inactive residual mass is a complete response); "
        "set per cancer type by iosim.cancers",
    ),
    (
        "fibrosis_fraction",
        0.003,
        "1",
        "fraction of the cleared dead tissue replaced by scar",
        _CAL + "by hand, CheckMate 067 at 3 years: nivolumab CR 16% of ORR 44% (Wolchok 2017 NEJM 377:1345); "
        "residual masses without viable tumour are common after response (Tetzlaff 2018)",
    ),
    (
        "scar_clearance",
        math.log(2) / 365,
        "1/day",
        "remodelling of scar tissue (half-life 1 y)",
        "assumed: scars remodel over months to years; complete responses accrue for years "
        "(CheckMate 067 nivolumab CR 8.9% at 1 y, 16% at 3 y, 19% at 5 y; Larkin 2015, Wolchok 2017, Larkin 2019)",
    ),
    # --- NK cells
    ("nk_supply", 1e8, "cells/day", "NK supply to the tumour", _CAL + "N ~ 1e9 at rest"),
    (
        "nk_death",
        0.1,
        "1/day",
        "NK death rate",
        "assumed: NK half-life ~1 week (Zhang et al. 2007, Immunology 121:258)",
    ),
    (
        "nk_kill",
        5e-6,
        "cells/(cell*day)",
        "maximal NK kill per NK cell per day",
        _CAL + "surveillance eliminates tumours below ~1e5 cells",
    ),
    (
        "nk_half",
        1e5,
        "cells",
        "tumour size halving NK kill per NK cell (saturation)",
        _CAL + "NK surveillance fails above ~1e6 cells",
    ),
    # --- regulatory T cells
    ("treg_supply", 1e6, "cells/day", "baseline Treg influx", _CAL + "R ~ 1e7 at rest"),
    ("treg_death", 0.1, "1/day", "Treg death rate", "assumed, as effector T cells"),
    (
        "treg_recruitment",
        1e7,
        "cells/day",
        "maximal tumour-driven Treg recruitment",
        _CAL + "Tregs rise ~10-fold in large tumours",
    ),
    ("treg_suppression_half", 1e8, "cells", "Tregs halving priming and killing", _CAL + "with treg_recruitment"),
    # --- endogenous antibody response
    (
        "antibody_production",
        0.05,
        "1/day",
        "maximal rise of the antibody titre",
        "assumed: titre ~1 at saturation of antigen presentation",
    ),
    (
        "antibody_decay",
        math.log(2) / 21,
        "1/day",
        "IgG decay (half-life 21 d)",
        "Waldmann & Strober 1969, Prog Allergy 13:1 (IgG half-life ~21 d)",
    ),
    (
        "antibody_adcc",
        0.002,
        "cells/(cell*day)",
        "NK ADCC per NK via endogenous antibody",
        "assumed: weak, humoral responses rarely control solid tumours",
    ),
    # --- therapeutic tumour-targeting antibody (defaults: rituximab; set from the catalogue)
    (
        "mab_EC50",
        10.0,
        "mg/L",
        "serum concentration for half-maximal target coating",
        "rituximab: response rises above ~25 mg/L trough (Berinstein 1998 Ann Oncol 9:995); assumed 10 mg/L",
    ),
    (
        "mab_target_clearance",
        0.2,
        "L/day",
        "maximal target-mediated clearance of the antibody by target+ tumour cells",
        "assumed: rituximab clearance about doubles with bulky CD20+ disease (serum levels fall with "
        "tumour bulk, Berinstein 1998 Ann Oncol 9:995)",
    ),
    (
        "mab_target_half",
        1e11,
        "cells",
        "target+ burden giving half the maximal target-mediated clearance",
        "assumed: ~100 cm^3 of target+ disease",
    ),
    (
        "mab_adcc",
        0.7,
        "cells/(cell*day)",
        "NK ADCC per NK at full coating",
        _CAL + "rituximab response in CD20+ lymphoma (McLaughlin 1998 JCO 16:2825)",
    ),
    (
        "mab_cdc",
        0.1,
        "1/day",
        "complement-dependent kill rate at full coating",
        _CAL + "rituximab fixes complement (Golay 2000 Blood 95:3900); trastuzumab does not",
    ),
    (
        "mab_signal",
        0.0,
        "1",
        "fraction of target+ growth blocked by the antibody (HER2 signalling)",
        "0 for rituximab; trastuzumab value in the catalogue",
    ),
    # --- checkpoint pharmacodynamics
    (
        "pd1_EC50",
        0.2,
        "mg/L",
        "serum anti-PD-1 for half-maximal intratumoural occupancy",
        "assumed: serum EC50 ~0.02 mg/L / tumour:serum ratio ~0.1 (Brahmer 2010 JCO 28:3167: "
        "PD-1 occupancy plateaus from 0.1 mg/kg)",
    ),
    (
        "pdl1_EC50",
        0.2,
        "mg/L",
        "serum anti-PD-L1 for half-maximal PD-L1 occupancy",
        "assumed, as anti-PD-1 (Stroh 2017: >95% occupancy above 6 mg/L trough)",
    ),
    (
        "ctla4_EC50",
        5.0,
        "mg/L",
        "serum anti-CTLA-4 for half-maximal effect",
        "assumed: exposure-response rises to ~20 mg/L trough (Feng 2014, Yervoy PI)",
    ),
    (
        "ctla4_priming_gain",
        2.0,
        "1",
        "increase of priming at full CTLA-4 blockade",
        _CAL + "ipilimumab ORR about half of anti-PD-1 in melanoma (CheckMate 067); the melanoma population "
        "sets 100 by hand. More priming cannot raise killing much: the effectors the tumour bed holds "
        "(infiltration_room) are filled at a few-fold gain (docs/calibration.md)",
    ),
    (
        "ctla4_treg_depletion",
        0.1,
        "1/day",
        "Fc-mediated Treg depletion at full blockade",
        "assumed, not measured: the Fc-dependent depletion of intratumoural Tregs was shown in mice with murine "
        "IgG2a antibodies (Simpson et al. 2013 J Exp Med 210:1695; Selby et al. 2013 Cancer Immunol Res 1:32) and "
        "human-FcgR mice (Arce Vargas et al. 2018 Cancer Cell 33:649), not as a rate in patients; in human "
        "tumours after ipilimumab FOXP3+ density does not fall on average (Sharma et al. 2019 Clin Cancer Res "
        "25:1233), only in some responders (Romano et al. 2015 PNAS 112:6140). 0.1/day (at most a 2-fold fall "
        "with treg_death 0.1/day) is kept, not calibrated (a fit once drove it to 4.2/day)",
    ),
    (
        "ctla4_help",
        0.0,
        "1",
        "share of the co-inhibitory (PD-1) signal on CD8 effectors lifted by CD4 help at full anti-CTLA-4 effect",
        "mechanism: anti-CTLA-4 expands intratumoural ICOS+ Th1-like CD4 effector cells (Wei et al. 2017 Cell "
        "170:1120; Ng Tang et al. 2013 Cancer Immunol Res 1:229) and CD4 help makes CD8 cells down-regulate "
        "co-inhibitory receptors (Ahrends et al. 2017 Immunity 47:848); 0 here (off); the melanoma population "
        "sets 0.8, by hand to CheckMate 067 ipilimumab ORR 19% (docs/calibration.md)",
    ),
    # --- each patient's sensitivity to each checkpoint mechanism (spread by iosim.trials.population;
    #     the model defaults are the full effect, so a single simulation is unchanged)
    (
        "ctla4_sensitivity",
        1.0,
        "1",
        "share of the maximal anti-CTLA-4 effect (priming gain and Treg depletion) this patient gets",
        "assumed: 1 = full effect; varies with Fc-receptor genotype and the FcgRIIIA+ myeloid cells that "
        "deplete Tregs (Romano et al. 2015 PNAS 112:6140; Arce Vargas et al. 2018 Cancer Cell 33:649: the "
        "high-affinity FCGR3A V158 allele goes with response to ipilimumab); population spread assumed",
    ),
    (
        "pd1_rescue",
        1.0,
        "1",
        "share of PD-1/PD-L1 signalling that blockade removes in this patient (the rest: adaptive resistance)",
        "assumed: 1 = blockade removes all PD-1 signalling; other inhibitory receptors up-regulated under "
        "PD-1 blockade keep part of it (TIM-3, Koyama et al. 2016 Nat Commun 7:10501); the population's "
        "centre is calibrated to CheckMate 067 nivolumab (docs/calibration.md)",
    ),
    (
        "antigen_presentation_loss",
        0.0,
        "1",
        "share of CD8 killing lost to antigen-presentation / IFN-gamma pathway loss (B2M, JAK1/2); 1 = none left",
        "0 = intact; 1 in patients whose tumour lost both B2M copies or JAK1/2 function, primary resistance "
        "to anti-PD-1 and anti-CTLA-4 alike (Zaretsky et al. 2016 NEJM 375:819; Sade-Feldman et al. 2017 Nat "
        "Commun 8:1136; Gao et al. 2016 Cell 167:397); the population sets the share of such patients",
    ),
    # --- cytokines and vaccine
    (
        "il2_EC50",
        100.0,
        "IU/mL",
        "exogenous IL-2 for half-maximal effect on effector T and NK cells",
        "assumed: ~0.4 nM (1 IU/mL of aldesleukin ~ 4 pM: 18 MIU = 1.1 mg, Proleukin PI s3/s11, at 15.3 kDa), "
        "between the Kd of the high-affinity IL-2Ra/b/gc receptor (~10 pM) that activated effectors gain with "
        "CD25 and of the intermediate-affinity IL-2Rb/gc receptor (~1 nM) of resting CD8 T and NK cells (Boyman "
        "& Sprent 2012 Nat Rev Immunol 12:180; Malek 2008 Annu Rev Immunol 26:453)",
    ),
    (
        "il2_treg_sensitivity",
        100.0,
        "1",
        "how many times less IL-2 Tregs need than effector T cells for the same effect (Treg EC50 = il2_EC50 / this)",
        "Yu et al. 2015 Diabetes 64:2172: human Tregs phosphorylate STAT5 at ~10-fold lower IL-2 than memory or "
        "activated T cells and switch on most IL-2 target genes at ~100-fold lower IL-2 than CD4 memory T cells "
        "(proliferation follows the gene programme); the receptor affinities differ ~100-fold (Kd ~10 pM for "
        "CD25-bearing IL-2Ra/b/gc vs ~1 nM for IL-2Rb/gc; Boyman & Sprent 2012 Nat Rev Immunol 12:180)",
    ),
    (
        "il2_proliferation",
        1.99,
        "1/day",
        "effector proliferation at IL-2 saturation (a doubling every ~8 h, the fastest T-cell division times)",
        _CAL + "iosim calibrate, with the RCC population's immunogenicity, to HD IL-2 in RCC, ORR 14% / CR 5% "
        "(Fyfe 1995 JCO 13:688), with expansion limited by clone_capacity, before issue 15; kept at that value "
        "since the RCC population admits only progressing disease and il2_kill_boost was scanned with it fixed "
        "(no longer refitted by examples/calibrate_all.sh; docs/calibration.md); melanoma (Atkins 1999) is "
        "predicted",
    ),
    (
        "il2_kill_boost",
        8.75,
        "1",
        "rise of each CD8 effector's kill rate at IL-2 saturation (perforin, granzyme B); lasts while IL-2 does",
        _CAL + "HD IL-2 in RCC, ORR 14% / CR 5% (Fyfe 1995 JCO 13:688), by a scan at 2,000 patients with the RCC "
        "population's immunogenicity at its cancer-type value and only patients whose untreated disease "
        "progresses (docs/calibration.md); "
        "the mechanism: IL-2 (STAT5) drives perforin and granzyme B in CD8 T cells independently of proliferation "
        "(Janas et al. 2005 J Immunol 175:8003), and cytokine-induced lytic activity is lost within 24 h of "
        "withdrawal (Tamang et al. 2006 Cytokine 36:148, doi:10.1016/j.cyto.2006.11.008). Melanoma (Atkins "
        "1999) is predicted",
    ),
    (
        "il2_nk_proliferation",
        0.5,
        "1/day",
        "NK proliferation at IL-2 saturation",
        "assumed: NK cells expand on high-dose IL-2, less than T cells (Caligiuri 1993 J Clin Invest 91:123)",
    ),
    (
        "il2_treg_proliferation",
        0.2,
        "1/day",
        "Treg proliferation at IL-2 saturation (of the Treg receptor, see il2_treg_sensitivity)",
        _CAL + "low-dose IL-2, 1 MIU/m2 daily for 12 weeks, raises Treg counts >5-fold without changing CD8 "
        "T cells (Koreth et al. 2016 Blood 128:130; model: 6.9-fold in the median RCC patient); not fitted to any "
        "response rate. High-dose IL-2 then raises Tregs ~2-fold within a cycle, the few-fold rise reported by "
        "Ahmadzadeh & Rosenberg 2006 Blood 107:2409",
    ),
    ("ifn_EC50", 50.0, "IU/mL", "interferon-alpha for half-maximal effect", "assumed"),
    (
        "ifn_presentation_gain",
        1.0,
        "1",
        "rise of antigen presentation / NK activity at IFN-a saturation",
        _CAL + "IFN-a ORR ~10-15% in RCC/melanoma (Pyrhonen 1999 JCO 17:2859)",
    ),
    (
        "vaccine_priming",
        1.0,
        "1/day",
        "effectors primed per vaccine APC per day",
        _CAL + "sipuleucel-T: no change in time to progression (IMPACT, Kantoff 2010 NEJM)",
    ),
    (
        "target_fraction",
        0.9,
        "1",
        "fraction of tumour cells carrying the therapy target",
        "set per cancer type and drug target by iosim.scenario",
    ),
    # --- CAR-T cell kinetics (Stein 2019 / Kimmel 2021 structure)
    (
        "car_expansion",
        1.3,
        "1/day",
        "CAR-T expansion rate on saturating antigen, while the proliferative programme lasts",
        "as axicabtagene ciloleucel and tisagenlecleucel (iosim.therapy.catalogue): peak ~1e10 cells 7-14 d after "
        "infusion (Kymriah/Yescarta PI s12.3; Stein 2019)",
    ),
    (
        "car_antigen_half",
        1e9,
        "cells",
        "target+ cells for half-maximal CAR-T expansion (with car_targets_per_cell per CAR-T cell)",
        _CAL + "expansion scales with tumour burden (Stein 2019); a floor, far below any B-ALL or DLBCL burden",
    ),
    (
        "car_targets_per_cell",
        10.0,
        "cells/cell",
        "target+ cells per CAR-T cell for half-maximal antigen drive (expansion stops as CAR-T cells approach "
        "the antigen they can meet)",
        "calibrated to ZUMA-1: set by hand so that the median ZUMA-1 patient (~1e11 lymphoma cells) peaks at ~1e10 "
        "CAR-T cells, a median of 38 cells/uL of blood (Neelapu 2017 NEJM 377:2531, fig. 3A; "
        "iosim.models.car_kinetics); CAR-T cells kill serially, several targets each (Davenport 2015 Cancer "
        "Immunol Res 3:483)",
    ),
    (
        "car_death",
        0.15,
        "1/day",
        "effector CAR-T contraction rate",
        _CAL + "contraction after the peak (Stein 2019 alpha ~0.1-0.3/day)",
    ),
    (
        "car_memory",
        0.02,
        "1/day",
        "effector -> memory CAR-T conversion",
        "assumed: a few % form long-lived memory (Stein 2019)",
    ),
    (
        "car_memory_death",
        math.log(2) / 100,
        "1/day",
        "memory CAR-T decay (half-life 100 d)",
        "assumed: persistence for months (Kymriah PI: transgene detectable >1 y)",
    ),
    (
        "car_kill",
        3.39,
        "cells/(cell*day)",
        "target+ cells killed per CAR-T per day at saturation",
        "calibrated: ZUMA-1 ORR and CR (examples/calibrate_all.sh), refitted alone when expansion became "
        "antigen-driven (issue 15; 15.2 before, fitted with car_target_kill_max, which was kept: the two trade "
        "off along a ridge, and 13.4 with 0.40 fitted ZUMA-1 as well but left the median B-ALL patient's last "
        "blasts uncleared); serial killing of several targets (Davenport 2015 Cancer Immunol Res 3:483), within "
        "the 2-16 kills a day of CTLs in vivo (Halle 2016 Immunity 44:233)",
    ),
    ("car_kill_half", 1e9, "cells", "target+ cells for half-maximal CAR-T killing", _CAL + "with car_kill"),
    (
        "car_target_kill_max",
        0.50,
        "1/day",
        "largest rate at which one fully reachable target+ cell is killed, however many CAR-T cells there are "
        "(multiplied by the tumour's infiltration)",
        "calibrated: ZUMA-1 CR 54% with ORR 82% (Neelapu 2017 NEJM 377:2531; fitted with car_kill before "
        "issue 15, kept since); killing in tissue is limited by "
        "effector access and contact time (two-photon imaging: Breart 2008 J Clin Invest 118:1390, Halle 2016 "
        "Immunity 44:233), and large B-cell lymphomas shrink over weeks after CAR-T (median time to response "
        "1 month, partial responses converting to complete up to a year later; Neelapu 2017)",
    ),
    ("car_exhaustion", 0.05, "1/day", "antigen-driven CAR-T exhaustion", "assumed (Kimmel 2021)"),
    (
        "car_program_decay",
        math.log(2) / 4.0,
        "1/day",
        "fading of the CAR-T proliferative programme (half-life 4 d once the targets per CAR-T cell run short)",
        "calibrated: CAR-T cells peak 7-14 d after infusion (Yescarta PI s12.3; Locke 2017 Mol Ther 25:285, peak "
        "within 2 weeks) whether or not the tumour responds (Awasthi 2020 Blood Adv 4:560, JULIET); activated "
        "T cells expand on a programme of ~1-2 weeks (Kaech & Ahmed 2001 Nat Immunol 2:415)",
    ),
    # --- cytotoxic chemotherapy (comparator arms): first-order log-kill by concentration (Skipper), with
    # resistance acquired with exposure (the decaying drug effect of Claret et al. 2009 JCO 27:4103, here
    # driven by the cumulative exposure so that it starts with the first dose, whenever that is).
    # --- homeostatic limits: cytokine- and antigen-driven expansion saturates as a population approaches
    # what the body can hold (logistic room factor on every expansion term; issue: IL-2 once drove
    # tumour-specific CD8 cells to 4e14, a thousand times the body's T-cell pool)
    (
        "clone_capacity",
        1e11,
        "cells",
        "most tumour-specific CD8 T cells (functional + exhausted) the body sustains",
        "the largest antigen-specific CD8 expansions reach 10-40% of all CD8 T cells in acute EBV infection "
        "(Callan et al. 1998 J Exp Med 187:1395); the body holds ~1e11-2e11 CD8 T cells (of ~4e11 T cells, "
        "Ganusov & De Boer 2007 Trends Immunol 28:514)",
    ),
    (
        "treg_capacity",
        3e10,
        "cells",
        "most regulatory T cells the body sustains",
        "assumed: Tregs are 5-10% of ~2e11 CD4 T cells (~2e10) and expand a few-fold on high-dose IL-2 "
        "(Ahmadzadeh & Rosenberg 2006 Blood 107:2409)",
    ),
    (
        "nk_capacity",
        1e11,
        "cells",
        "most NK cells the body sustains",
        "assumed: NK cells are ~10% of the body's ~1e12 lymphocytes (Ganusov & De Boer 2007 Trends Immunol "
        "28:514)",
    ),
    (
        "chemo_kill",
        0.0,
        "L/(mg*day)",
        "tumour cells killed per day per mg/L of chemotherapy (log-kill rate)",
        "set per drug by iosim.therapy.catalogue (calibrated per drug there); 0 without chemotherapy",
    ),
    (
        "chemo_resistance",
        0.0,
        "L/(mg*day)",
        "loss of chemotherapy effect per unit of cumulative exposure: effect x exp(-resistance x AUC)",
        "set per drug by iosim.therapy.catalogue (calibrated per drug there)",
    ),
)


#: Parameters that are shares of an effect: bounded to [0, 1] (the default bounds are [0, inf)).
FRACTIONS = ("ctla4_sensitivity", "pd1_rescue", "antigen_presentation_loss", "ctla4_help")


def declare_parameters(b: ModelBuilder) -> SimpleNamespace:
    """Declare every parameter on ``b``; returns their symbols as attributes (``p.kill_max``)."""
    return SimpleNamespace(
        **{
            row[0]: b.parameter(*row[:4], source=row[4], bounds=(0.0, 1.0) if row[0] in FRACTIONS else None)
            for row in PARAMETERS
        }
    )
