"""The drug catalogue: twelve real immunotherapies with PK, regimens and sources.

Half-lives are the terminal half-lives reported by the cited source; the PK test simulates
one dose of each antibody and cytokine and checks the fitted terminal slope against them.
"""

from __future__ import annotations

import math

from iosim.errors import UnknownNameError
from iosim.therapy.drugs import Drug, Value

_BAJAJ = "Bajaj et al. 2017, CPT Pharmacometrics Syst Pharmacol 6:58, final model (nivolumab)"
_AHAMADI = "Ahamadi et al. 2017, CPT Pharmacometrics Syst Pharmacol 6:49, Table 2 (pembrolizumab)"
_STROH = "Stroh et al. 2017, Clin Pharmacol Ther 102:305, final model (atezolizumab)"
_YERVOY = "Yervoy (ipilimumab) prescribing information s12.3"
_RITUXAN = "Rituxan (rituximab) prescribing information s12.3, NHL population PK"
_BRUNO = "Bruno et al. 2005, Cancer Chemother Pharmacol 56:361 (trastuzumab population PK)"


def _mab_pk(prefix: str, cl: float, vc: float, q: float, vp: float, source: str) -> dict[str, Value]:
    return {
        f"{prefix}_CL": Value(cl, "L/day", source),
        f"{prefix}_Vc": Value(vc, "L", source),
        f"{prefix}_Q": Value(q, "L/day", source),
        f"{prefix}_Vp": Value(vp, "L", source),
    }


_TAXOTERE = "Taxotere (docetaxel) prescribing information s12.3"
_DTIC = "DTIC-Dome (dacarbazine) prescribing information, clinical pharmacology"
_POPLAR_CAL = ("calibrated: POPLAR docetaxel arm ORR and median PFS (Fehrenbacher 2016 Lancet 387:1837), "
               "examples/calibrate_all.sh")
_CM066_CAL = ("calibrated: CheckMate 066 dacarbazine arm median OS 10.8 months (Robert 2015 NEJM 372:320) under the "
              "burden death model; kept, not refitted, since that row calibrates melanoma's TGI-OS intercept")
#: Chemotherapy potency: per-cycle log-kill and its loss with exposure (see the sources above).
_DOCETAXEL_KILL, _DOCETAXEL_RESISTANCE = 2.08, 1.42
#: Dacarbazine's resistance gives docetaxel's loss of effect per cycle (x 0.81): AUC per cycle 12.9 vs
#: 0.149 mg*day/L (label volumes and clearances above, 1.8 m2), so 1.42 x 0.149 / 12.9.
_DACARBAZINE_KILL, _DACARBAZINE_RESISTANCE = 0.00552, 0.0164

_CAR_SRC = "Stein et al. 2019 CPT PSP 8:285 (tisagenlecleucel cellular kinetics); Kymriah/Yescarta PI s12.3"

DRUGS: dict[str, Drug] = {
    d.id: d
    for d in (
        Drug(
            "nivolumab", "nivolumab (Opdivo)", "checkpoint inhibitor", "PD-1", "pd1",
            "IgG4 anti-PD-1; blocks PD-1 on T cells so that PD-L1 no longer drives exhaustion.",
            parameters=_mab_pk("pd1", 0.1863, 3.63, 0.770, 2.78, _BAJAJ + "; CL: steady-state value (Bajaj's CL "
                               "falls over time) chosen to give the label half-life"),
            half_life=Value(25.0, "day", "Opdivo prescribing information s12.3: elimination half-life 25 days"),
            dose_volume=Value(3.63, "L", _BAJAJ + " (central volume)"),
            regimens={"default": "3mg/kg-q2w", "flat_q2w": "240mg-q2w", "flat_q4w": "480mg-q4w",
                      "with_ipilimumab": "1mg/kg-q3w-x4,480mg-q4w@84d"},
            regimen_sources="CheckMate 067 (Larkin 2015 NEJM 373:23); Opdivo PI s2",
        ),
        Drug(
            "pembrolizumab", "pembrolizumab (Keytruda)", "checkpoint inhibitor", "PD-1", "pd1",
            "IgG4 anti-PD-1.",
            parameters=_mab_pk("pd1", 0.22, 3.48, 0.795, 4.06, _AHAMADI),
            half_life=Value(25.8, "day", "terminal half-life of the " + _AHAMADI + " model (PI: 22 d, CV 32%)"),
            dose_volume=Value(3.48, "L", _AHAMADI),
            regimens={"default": "200mg-q3w", "weight_based": "2mg/kg-q3w", "q6w": "400mg-q6w"},
            regimen_sources="Keytruda PI s2; KEYNOTE-006 (Robert 2015 NEJM 372:2521)",
        ),
        Drug(
            "atezolizumab", "atezolizumab (Tecentriq)", "checkpoint inhibitor", "PD-L1", "pdl1",
            "Fc-engineered IgG1 anti-PD-L1; blocks PD-L1 on tumour and myeloid cells.",
            parameters=_mab_pk("pdl1", 0.200, 3.28, 0.546, 3.63, _STROH),
            half_life=Value(27.0, "day", "Tecentriq prescribing information s12.3: terminal half-life 27 days"),
            dose_volume=Value(3.28, "L", _STROH),
            regimens={"default": "1200mg-q3w", "q2w": "840mg-q2w", "q4w": "1680mg-q4w"},
            regimen_sources="Tecentriq PI s2",
        ),
        Drug(
            "ipilimumab", "ipilimumab (Yervoy)", "checkpoint inhibitor", "CTLA-4", "ctla4",
            "IgG1 anti-CTLA-4; releases the CTLA-4 brake on priming and depletes intratumoural Tregs.",
            parameters=_mab_pk("ctla4", 0.403, 4.2, 0.5, 3.27, _YERVOY + ": CL 16.8 mL/h, Vss 7.47 L; Vc/Vp split "
                               "and Q assumed"),
            half_life=Value(15.4, "day", _YERVOY + ": terminal half-life 15.4 days"),
            dose_volume=Value(4.2, "L", "assumed central volume (part of the label Vss 7.47 L)"),
            regimens={"default": "3mg/kg-q3w-x4", "with_nivolumab": "3mg/kg-q3w-x4"},
            regimen_sources="Yervoy PI s2; CheckMate 067",
        ),
        Drug(
            "rituximab", "rituximab (Rituxan)", "antibody", "CD20", "mab",
            "Chimeric IgG1 anti-CD20; kills CD20+ B cells through NK ADCC and complement.",
            parameters={
                **_mab_pk("mab", 0.1613, 2.7, 0.5, 2.1, _RITUXAN + "; volumes typical IgG1 (assumed), CL set to "
                          "give the 22-day half-life"),
                "mab_cdc": Value(0.1, "1/day", "calibrated: rituximab fixes complement (Golay 2000 Blood 95:3900); "
                                 "McLaughlin 1998 ORR 48%"),
                "mab_adcc": Value(
                    0.7,
                    "cells/(cell*day)",
                    "calibrated: McLaughlin 1998 JCO 16:2825; NK serial killing of a few targets/day "
                    "(Bhat & Watzl 2007 PLoS One 2:e326)",
                ),
                "mab_signal": Value(0.0, "1", "rituximab has no growth-signalling effect in the model"),
                "mab_target_clearance": Value(0.2, "L/day", "assumed: clearance about doubles with bulky CD20+ "
                                              "disease (Berinstein 1998 Ann Oncol 9:995)"),
                "mab_EC50": Value(10.0, "mg/L", "assumed: responses rise with trough > 25 mg/L (Berinstein 1998 "
                                  "Ann Oncol 9:995)"),
            },
            half_life=Value(22.0, "day", _RITUXAN + ": median terminal half-life 22 days"),
            dose_volume=Value(2.7, "L", "assumed central volume of an IgG1"),
            regimens={"default": "375mg/m2-qw-x4"},
            regimen_sources="McLaughlin 1998 JCO 16:2825; Rituxan PI s2",
            targeted=True,
        ),
        Drug(
            "trastuzumab", "trastuzumab (Herceptin)", "antibody", "HER2", "mab",
            "Humanised IgG1 anti-HER2; blocks HER2 signalling and recruits NK ADCC.",
            parameters={
                **_mab_pk("mab", 0.225, 2.95, 0.5, 4.8, _BRUNO + ": CL 0.225 L/day, Vc 2.95 L; Q and Vp assumed to "
                          "give the reported 28.5-day half-life"),
                "mab_cdc": Value(0.0, "1/day", "assumed: trastuzumab mediates little complement lysis"),
                "mab_adcc": Value(0.7, "cells/(cell*day)", "as rituximab (same IgG1 Fc; Clynes 2000 Nat Med 6:443)"),
                "mab_signal": Value(0.5, "1", "calibrated: Cobleigh 1999 JCO 17:2639, ORR 15% as monotherapy"),
                "mab_target_clearance": Value(0.0, "L/day", "not modelled: Bruno 2005 found shed HER2 ECD raises "
                                              "CL only modestly"),
                "mab_EC50": Value(10.0, "mg/L", "assumed: target trough >= 20 mg/L (Leyland-Jones 2003 JCO 21:3965)"),
            },
            half_life=Value(28.5, "day", _BRUNO + ": terminal half-life 28.5 days"),
            dose_volume=Value(2.95, "L", _BRUNO),
            regimens={"default": "4mg/kg-once,2mg/kg-qw", "q3w": "8mg/kg-once,6mg/kg-q3w"},
            regimen_sources="Cobleigh 1999 JCO 17:2639; Herceptin PI s2",
            targeted=True,
        ),
        Drug(
            "tisagenlecleucel", "tisagenlecleucel (Kymriah)", "cell therapy", "CD19", "car",
            "Autologous 4-1BB anti-CD19 CAR-T cells, one infusion after fludarabine/cyclophosphamide.",
            parameters={
                "car_expansion": Value(1.3, "1/day", "as axicabtagene ciloleucel: the two products expand alike in "
                                       "vivo (Monfrini et al. 2022 Clin Cancer Res 28:3378), peak ~10 d after "
                                       "infusion (Kymriah PI s12.3); " + _CAR_SRC),
                "car_memory": Value(0.04, "1/day", "calibrated: 4-1BB CAR-T persist for months (Kymriah PI)"),
            },
            regimens={"default": "2e8cells-once", "b_all_weight_based": "2e6cells/kg-once"},
            regimen_sources="Kymriah PI s2: B-ALL 0.1-2.5e8 cells (>50 kg), DLBCL 0.6-6.0e8 cells",
            targeted=True,
            lymphodepletion_days=5.0,
        ),
        Drug(
            "axicabtagene_ciloleucel", "axicabtagene ciloleucel (Yescarta)", "cell therapy", "CD19", "car",
            "Autologous CD28 anti-CD19 CAR-T cells, one infusion after fludarabine/cyclophosphamide.",
            parameters={
                "car_expansion": Value(1.3, "1/day", "set by hand: with car_targets_per_cell the median ZUMA-1 "
                                       "patient peaks ~10 d after infusion at ~1e10 CAR-T cells, a median peak of "
                                       "38 cells/uL of blood (Neelapu 2017 NEJM 377:2531; iosim.models.car_kinetics); "
                                       + _CAR_SRC),
                "car_memory": Value(0.02, "1/day", "calibrated: CD28 CAR-T persist less than 4-1BB (Yescarta PI)"),
            },
            regimens={"default": "2e6cells/kg-once"},
            regimen_sources="ZUMA-1 (Neelapu 2017 NEJM 377:2531); Yescarta PI s2 (max 2e8 cells)",
            targeted=True,
            lymphodepletion_days=5.0,
        ),
        Drug(
            "lifileucel", "lifileucel (Amtagvi)", "cell therapy", "tumour antigens (TIL)", "til",
            "Autologous tumour-infiltrating lymphocytes after non-myeloablative lymphodepletion, then IL-2.",
            regimens={"default": "2e10cells-once"},
            regimen_sources="Amtagvi PI s2: 7.5e9-72e9 viable cells; IL-2 600,000 IU/kg q8h up to 6 doses",
            lymphodepletion_days=7.0,
            companions=(("aldesleukin", "600000IU/kg-q8h-x6", 0.5),),
            # Its calibration target, C-144-01's ORR (registry c144_01/lifileucel/orr), is reached at no value:
            # the melanoma population gives 0.7% from 1e-6 to 0.5 (docs/flagship.md, "Lifileucel: why melanoma
            # gets 0%").
            active_fraction=Value(0.05, "1", "calibrated (target not reached): C-144-01 ORR 31.4% in "
                                  "anti-PD-1-refractory melanoma (Chesney 2022 J Immunother Cancer 10:e005755); "
                                  "the value is the assumed tumour-reactive share of a TIL product, a minority "
                                  "(Kristensen 2022 J Clin Invest 132:e150535)"),
        ),
        Drug(
            "sipuleucel_t", "sipuleucel-T (Provenge)", "vaccine", "PAP", "vaccine",
            "Autologous antigen-presenting cells activated with PAP-GM-CSF; primes T cells against PAP.",
            parameters={"vaccine_priming": Value(0.05, "1/day", "calibrated: IMPACT (Kantoff 2010 NEJM 363:411) "
                                                 "showed no change in time to progression")},
            regimens={"default": "5e7cells-q2w-x3"},
            regimen_sources="Provenge PI s2: 3 doses about 2 weeks apart, each >= 50 million CD54+ cells",
            targeted=True,
        ),
        Drug(
            "aldesleukin", "aldesleukin (Proleukin, high-dose IL-2)", "cytokine", "IL-2 receptor", "il2",
            "Recombinant IL-2; expands effector T and NK cells (and Tregs).",
            half_life=Value(85 / 1440, "day", "Proleukin PI s12.3: elimination half-life 85 minutes"),
            parameters={"il2x_half_life": Value(85 / 1440, "day", "Proleukin PI s12.3")},
            dose_volume=Value(6000.0, "mL", "assumed: plasma plus part of the interstitial fluid"),
            regimens={"default": "600000IU/kg-q8h-x14-2cycles"},
            regimen_sources="Proleukin PI s2: 600,000 IU/kg q8h, max 14 doses, 9 days rest, repeat (Atkins 1999)",
        ),
        Drug(
            "interferon_alfa", "interferon alfa-2 (Intron A / Roferon-A)", "cytokine", "IFNAR", "ifn",
            "Type I interferon; raises antigen presentation and NK activity.",
            half_life=Value(2.5 / 24, "day", "Intron A PI s12.3: elimination half-life 2-3 h after IM/SC dosing"),
            parameters={"ifn_half_life": Value(2.5 / 24, "day", "Intron A PI s12.3")},
            dose_volume=Value(3e5, "mL", "calibrated: apparent volume giving serum peaks of tens of IU/mL after "
                              "9 MIU SC (order of the Intron A PI values)"),
            regimens={"default": "9MIU-tiw"},
            regimen_sources="Motzer 2007 NEJM 356:115 (IFN-alfa arm, 9 MIU SC three times weekly)",
        ),
        # Cytotoxic comparators of the immunotherapy trials. One compartment with the label's volume and
        # clearance, so the exposure per cycle (AUC = dose / CL), which drives the log-kill, is the label's;
        # the half-life is the effective one of that compartment. Potency and resistance are calibrated.
        Drug(
            "docetaxel", "docetaxel (Taxotere)", "chemotherapy", "microtubules", "chemo",
            "Taxane; kills dividing tumour cells. Comparator of OAK, POPLAR, CheckMate 017/057, KEYNOTE-010.",
            parameters={
                "chemo_half_life": Value(113.0 * math.log(2.0) / (21.0 * 1.8 * 24.0), "day",
                                         _TAXOTERE + ": Vss 113 L, CL 21 L/h/m2 (1.8 m2): effective half-life "
                                         "of one compartment with that volume and clearance"),
                "chemo_kill": Value(_DOCETAXEL_KILL, "L/(mg*day)", _POPLAR_CAL),
                "chemo_resistance": Value(_DOCETAXEL_RESISTANCE, "L/(mg*day)", _POPLAR_CAL),
            },
            half_life=Value(113.0 * math.log(2.0) / (21.0 * 1.8 * 24.0), "day",
                            "effective one-compartment half-life from " + _TAXOTERE + " (terminal: 11.1 h)"),
            dose_volume=Value(113.0, "L", _TAXOTERE + ": steady-state volume of distribution 113 L"),
            regimens={"default": "75mg/m2-q3w"},
            regimen_sources="Taxotere PI s2 (NSCLC after platinum: 75 mg/m2 every 3 weeks); OAK, POPLAR",
        ),
        Drug(
            "dacarbazine", "dacarbazine (DTIC-Dome)", "chemotherapy", "DNA (alkylating)", "chemo",
            "Alkylating agent; kills dividing tumour cells. Comparator of CheckMate 066 and earlier melanoma trials.",
            parameters={
                "chemo_half_life": Value(5.0 / 24.0, "day", _DTIC + ": terminal plasma half-life 5 hours"),
                "chemo_kill": Value(_DACARBAZINE_KILL, "L/(mg*day)", _CM066_CAL),
                "chemo_resistance": Value(_DACARBAZINE_RESISTANCE, "L/(mg*day)",
                                          "assumed: the same loss of effect per cycle as docetaxel's calibrated "
                                          "value (no dacarbazine observation in the registry constrains it)"),
            },
            half_life=Value(5.0 / 24.0, "day", _DTIC + ": terminal plasma half-life 5 hours"),
            dose_volume=Value(42.0, "L", _DTIC + ": volume of distribution exceeds total body water (0.6 L/kg x 70 "
                              "kg used, assumed)"),
            regimens={"default": "1000mg/m2-q3w"},
            regimen_sources="CheckMate 066 (Robert 2015 NEJM 372:320): dacarbazine 1000 mg/m2 every 3 weeks",
        ),
    )
}  # fmt: skip


def get_drug(drug_id: str) -> Drug:
    key = drug_id.strip().lower().replace("-", "_")
    if key not in DRUGS:
        raise UnknownNameError("drug", drug_id, list(DRUGS))
    return DRUGS[key]


def drug_ids() -> list[str]:
    return list(DRUGS)
