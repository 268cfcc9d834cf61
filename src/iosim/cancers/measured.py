"""Cancer types built from measurements through :mod:`iosim.cancers.mapping` (docs/cancers.md).

Each type gives its measured quantities with their sources: median TMB (FoundationOne medians of
Chalmers et al. 2017 Genome Med 9:34, as plotted by Yarchoan et al. 2017 NEJM 377:2500; values
read to about +-20%, marked "approximate"), antigen presentation (share of tumours with intact
MHC-I), immune phenotype (dominant immune subtype of Thorsson et al. 2018 Immunity 48:812, or CD8
studies for types outside TCGA), the share of PD-L1-positive tumours, the doubling time and target
antigens. The mapping turns them into model parameters; nothing here was tuned to a response
rate. Every type is ``uncalibrated``: no registry trial calibrated its population, and the
anti-PD-1 response rates in the registry are ``predicted`` comparisons (``iosim landscape``).
"""

from __future__ import annotations

from iosim.cancers.mapping import infiltration, pdl1_base
from iosim.cancers.types import CancerType, doubling, tmb, value
from iosim.therapy.drugs import Value

_CH = "approximate: median TMB, Chalmers 2017 Genome Med 9:34 (FoundationOne), as in Yarchoan 2017 NEJM 377:2500"
_T18 = "Thorsson 2018 Immunity 48:812, Fig. 1, approximate reading"
_BURDEN = Value(3e10, "cells", "assumed: sum of 3 target lesions ~80 mm, typical of metastatic trials")
_MHC = "assumed: intact MHC-I in most tumours (HLA loss in a minority, McGranahan 2017 Cell 171:1259)"


_v, _dt = value, doubling


def _tmb(number: float, source: str = _CH) -> Value:
    return tmb(number, source)


MEASURED: tuple[CancerType, ...] = (
    CancerType(
        "sclc", "small-cell lung cancer (extensive stage, relapsed)",
        _dt(70, "approximate: SCLC volume doubling ~50-100 d (Harris 2012 Clin Med Insights Oncol 6:199, review)"),
        _BURDEN, _tmb(9.0, _CH + "; tobacco signature (George 2015 Nature 524:47)"),
        _v(0.3, "MHC-I markedly reduced in most SCLC (Doyle 1985 J Exp Med 161:1135; Burr 2019 Cancer Cell "
              "36:385)"),
        infiltration("desert", "judged: few CD8 T cells in most SCLC, consistent with its low MHC-I; not in the "
                               "TCGA immune subtypes"),
        pdl1_base(0.32, "31.7% PD-L1-positive at KEYNOTE-028 screening (Ott 2017 JCO 35:3823)"),
    ),
    CancerType(
        "urothelial", "metastatic urothelial carcinoma (platinum-pretreated)",
        _dt(80, "assumed: metastatic urothelial lesions double in ~2-3 months"),
        _BURDEN, _tmb(7.0), _v(0.8, _MHC),
        infiltration("inflamed", f"BLCA mostly C2 IFN-gamma-dominant and C1 ({_T18}); TCGA BLCA inflamed "
                                 "luminal/basal subtypes (Robertson 2017 Cell 171:540)"),
        pdl1_base(0.5, "approximate: PD-L1 >= 1% on tumour or immune cells in about half (KEYNOTE-045, "
                       "Bellmunt 2017 NEJM 376:1015)"),
    ),
    CancerType(
        "hnscc", "recurrent/metastatic head-and-neck squamous cell carcinoma",
        _dt(90, "assumed: HNSCC recurrences double in ~3 months"),
        _BURDEN, _tmb(4.5), _v(0.8, _MHC),
        infiltration("inflamed", f"HNSC mostly C2 IFN-gamma-dominant ({_T18})"),
        pdl1_base(0.65, "approximate: TPS >= 1% in about two thirds (KEYNOTE-040, Cohen 2019 Lancet 393:156)"),
    ),
    CancerType(
        "gastric", "advanced gastric/gastro-oesophageal junction adenocarcinoma",
        _dt(100, "assumed: metastatic gastric lesions double in ~3 months"),
        _BURDEN, _tmb(3.6), _v(0.8, _MHC),
        infiltration("intermediate", f"STAD split between C1 wound-healing and C2 IFN-gamma-dominant ({_T18})"),
        pdl1_base(0.57, "57% PD-L1 CPS >= 1 in KEYNOTE-059 (Fuchs 2018 JAMA Oncol 4:e180013)"),
    ),
    CancerType(
        "hcc", "advanced hepatocellular carcinoma",
        _dt(120, "approximate: untreated small HCC doubles in ~4-6 months (Barbara 1992 Hepatology 16:132)"),
        _BURDEN, _tmb(3.0), _v(0.8, _MHC),
        infiltration("intermediate", f"LIHC split between C3 inflammatory and C4 lymphocyte-depleted ({_T18})"),
        pdl1_base(0.2, "PD-L1 >= 1% on tumour cells in ~20% (CheckMate 040, El-Khoueiry 2017 Lancet 389:2492)"),
    ),
    CancerType(
        "merkel", "advanced Merkel cell carcinoma",
        _dt(40, "assumed: aggressive neuroendocrine skin cancer, lesions double in weeks"),
        _BURDEN,
        _tmb(10.0, "judged: ~80% polyomavirus-positive (TMB ~1 but viral T antigens, strongly foreign), ~20% "
                   "UV-driven with TMB > 40 (Goh 2016 Oncotarget 7:3403); 10 TMB-equivalents"),
        _v(0.5, "assumed: HLA-I reduced in a large share of MCC (Paulson 2014 Cancer Immunol Res 2:1071)"),
        infiltration("intermediate", "intratumoral CD8 infiltration in a minority, brisk in ~20% (Paulson "
                                     "2011 JCO 29:1539); not in TCGA"),
        pdl1_base(0.5, "PD-L1 on tumour cells in ~50% (Lipson 2013 Cancer Immunol Res 1:54)"),
    ),
    CancerType(
        "cscc", "advanced cutaneous squamous cell carcinoma",
        _dt(60, "assumed: locally advanced/metastatic cSCC grows over weeks to months"),
        _BURDEN, _tmb(45.0, "approximate: UV signature, among the highest TMB of all cancers (Pickering 2014 "
                            "Clin Cancer Res 20:6582; Chalmers 2017)"),
        _v(0.9, _MHC),
        infiltration("inflamed", "judged: UV-driven, under immune control (far more frequent in "
                                 "immunosuppressed patients; Migden 2018 NEJM 379:341); not in TCGA"),
        pdl1_base(0.5, "approximate: PD-L1 >= 1% in about half (KEYNOTE-629, Grob 2020 JCO 38:2916)"),
    ),
    CancerType(
        "mesothelioma", "malignant pleural mesothelioma",
        _dt(120, "assumed: mesothelioma grows slowly, over months"),
        _BURDEN, _tmb(1.8), _v(0.8, _MHC),
        infiltration("intermediate", f"MESO mostly C1/C2 with a C4 share ({_T18})"),
        pdl1_base(0.45, "approximate: ~45% PD-L1 >= 1% at KEYNOTE-028 screening (Alley 2017 Lancet Oncol 18:623)"),
    ),
    CancerType(
        "ovarian", "recurrent high-grade serous ovarian cancer",
        _dt(80, "assumed: recurrent ovarian cancer grows over ~2-3 months"),
        _BURDEN, _tmb(2.7), _v(0.8, _MHC),
        infiltration("intermediate", f"OV split between C1 and C2 ({_T18}); TILs in about half "
                                     "(Zhang 2003 NEJM 348:203)"),
        pdl1_base(0.35, "assumed: tumour-cell PD-L1 in about a third (KEYNOTE-100 reports response by CPS, "
                        "Matulonis 2019 Ann Oncol 30:1080)"),
    ),
    CancerType(
        "endometrial", "advanced endometrial carcinoma, mismatch-repair proficient",
        _dt(100, "assumed: recurrent endometrial cancer doubles in ~3 months"),
        _BURDEN, _tmb(2.5, _CH + "; MSS/pMMR tumours (MSI-high ones carry > 20 mut/Mb)"), _v(0.8, _MHC),
        infiltration("intermediate", f"UCEC split between C1 and C2 ({_T18})"),
        pdl1_base(0.48, "approximate: ~48% PD-L1-positive at KEYNOTE-028 screening (Ott 2017 JCO 35:2535)"),
    ),
    CancerType(
        "tnbc", "metastatic triple-negative breast cancer",
        _dt(60, "approximate: TNBC the fastest-growing breast subtype (Ryu 2014 Breast Cancer Res Treat)"),
        _BURDEN, _tmb(2.6), _v(0.8, _MHC),
        infiltration("intermediate", f"basal BRCA mostly C2 ({_T18}); highest TILs of breast subtypes, yet "
                                     "lymphocyte-predominant in a minority (Loi 2014 Ann Oncol 25:1544)"),
        pdl1_base(0.62, "61.8% PD-L1 CPS >= 1 in KEYNOTE-086 cohort A (Adams 2019 Ann Oncol 30:397)"),
        targets={"HER2": _v(0.0, "HER2-negative by definition (IHC 0-1+)")},
    ),
    CancerType(
        "glioblastoma", "recurrent glioblastoma",
        _dt(30, "approximate: untreated glioblastoma volume doubles in ~3-7 weeks (Stensjoen 2015 Neuro Oncol "
                "17:1402)"),
        Value(3e10, "cells", "assumed: ~30 cm3 of enhancing tumour at recurrence"),
        _tmb(2.5), _v(0.6, "assumed: MHC-I reduced in a share of gliomas, behind the blood-brain barrier"),
        infiltration("desert", f"GBM C4 lymphocyte-depleted and C5 immunologically quiet ({_T18})"),
        pdl1_base(0.6, "PD-L1 >= 1% on tumour cells in ~60% (Nduom 2016 Neuro Oncol 18:195)"),
    ),
    CancerType(
        "chl", "relapsed/refractory classical Hodgkin lymphoma",
        _dt(60, "assumed: relapsed cHL nodes grow over weeks to months"),
        Value(5e10, "cells", "assumed: nodal disease, sum of diameters ~100 mm (mostly reactive immune cells)"),
        _tmb(1.5, "approximate: Hodgkin Reed-Sternberg cells carry few mutations (Reichel 2015 Blood 125:1061)"),
        _v(0.2, "beta2-microglobulin/MHC-I absent or reduced on Reed-Sternberg cells in 79% (Roemer 2016 Cancer "
                "Immunol Res 4:910); responses to PD-1 blockade go through MHC-II and CD4 T cells (Roemer 2018 JCO "
                "36:942), absent from the model"),
        infiltration("inflamed", "Reed-Sternberg cells sit in a T-cell-rich infiltrate that is most of the mass "
                                 "(Kuppers 2009 Nat Rev Cancer 9:15); not in TCGA"),
        pdl1_base(0.97, "9p24.1 alterations with PD-L1 on Reed-Sternberg cells in 97% (Roemer 2016 JCO 34:2690)"),
        targets={"CD19": _v(0.0, "Reed-Sternberg cells have lost B-cell markers (CD19-negative)"),
                 "CD20": _v(0.0, "CD20 on Reed-Sternberg cells in ~20-30% of cases only: absent in the typical "
                                 "patient")},
        residue_seen=_v(0.0, "response by PET-CT (Lugano 2014, Cheson 2014 JCO 32:3059)"),
    ),
)  # fmt: skip
