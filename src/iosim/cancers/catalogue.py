"""Cancer types: the biology that decides, through the model, which therapy works where.

Each field has a value and a source. Immunogenicity is derived, not typed in: antigen
presentation x neoantigen load / 10 mut/Mb (response to checkpoint blockade rises with
mutational burden: Rizvi 2015 Science 348:124, Samstein 2019 Nat Genet 51:202); the mapping
from measurements to model parameters is written once in :mod:`iosim.cancers.mapping`. Numbers
marked "assumed" or "judged" are iosim's choices within the range the cited work reports.

The eleven types below are the reference set (melanoma and NSCLC anchor the mapping's
constants; their values are unchanged so that every calibrated registry row stays as it is);
:mod:`iosim.cancers.measured` adds the types built from measurements through the mapping.
"""

from __future__ import annotations

from iosim.cancers.measured import MEASURED
from iosim.cancers.types import CancerType, doubling, tmb, value
from iosim.errors import ModelError, UnknownNameError
from iosim.therapy.drugs import Value

_CHALMERS = "median TMB by tumour type, Chalmers et al. 2017 Genome Med 9:34 (approximate)"
_SOLID_BURDEN = Value(3e10, "cells", "assumed: sum of 3 target lesions ~80 mm, typical of metastatic trials")


_v, _dt = value, doubling


def _tmb(number: float, source: str = _CHALMERS) -> Value:
    return tmb(number, source)


CANCERS: dict[str, CancerType] = {
    c.id: c
    for c in (
        CancerType(
            "melanoma", "metastatic cutaneous melanoma",
            _dt(60, "Ollila et al. 1998 J Surg Oncol 69:206: pulmonary metastases, doubling times around 60 d"),
            _SOLID_BURDEN, _tmb(13.0),
            _v(1.0, "reference cancer type (UV neoantigens, intact MHC-I in most)"),
            _v(0.7, "judged: mostly immune-inflamed, excluded or desert in a minority (Chen & Mellman 2017 Nature "
               "541:321); below 1 so that the population's logit-normal spread acts"),
            _v(0.5, "PD-L1 >= 5% in about a third, adaptive induction in most (CheckMate 067, Larkin 2015)"),
        ),
        CancerType(
            "nsclc", "non-small-cell lung cancer",
            _dt(120, "Detterbeck & Gibson 2008 J Thorac Oncol 3:781: NSCLC volume doubling mostly 100-200 d"),
            _SOLID_BURDEN, _tmb(9.0), _v(0.9, "assumed: HLA loss in a minority (McGranahan 2017 Cell 171:1259)"),
            _v(0.7, "judged: mostly inflamed or excluded (Chen & Mellman 2017)"),
            _v(0.5, "TPS >= 1% in about two thirds (KEYNOTE-001, Garon 2015 NEJM 372:2018)"),
            targets={"HER2": _v(0.0, "HER2 amplification in ~2% of NSCLC: absent in the typical patient")},
        ),
        CancerType(
            "rcc", "clear-cell renal cell carcinoma",
            _dt(90, "assumed: metastatic RCC lung nodules grow exponentially over months (Mehrara 2013 TBMM 10:31)"),
            _SOLID_BURDEN,
            _tmb(8.0, "judged: TMB ~1.4 mut/Mb but the highest share of frameshift indels, ~3x more immunogenic "
                 "per mutation (Turajlic 2017 Lancet Oncol 18:1009); 8 TMB-equivalents"),
            _v(1.0, "intact antigen presentation in most"),
            _v(1.0, "among the most T-cell-infiltrated cancers (Senbabaoglu 2016 Genome Biol 17:231)"),
            _v(0.3, "PD-L1 >= 1% in about a quarter (CheckMate 025, Motzer 2015)"),
        ),
        CancerType(
            "crc_msi_high", "colorectal cancer, mismatch-repair deficient (MSI-high)",
            _dt(100, "assumed: colorectal liver metastases double in about 3 months"),
            _SOLID_BURDEN, _tmb(45.0, "MSI-high CRC carries ~25x the mutations of MSS CRC (Le 2015 NEJM 372:2509)"),
            _v(0.8, "B2M/HLA loss in ~20-30% of MSI tumours (Tikidzhieva 2012 Br J Cancer)"),
            _v(0.9, "dense CD8 infiltrate (Llosa 2015 Cancer Discov 5:43)"),
            _v(0.3, "PD-L1 on infiltrating myeloid cells (Llosa 2015)"),
        ),
        CancerType(
            "crc_mss", "colorectal cancer, microsatellite stable",
            _dt(100, "assumed: colorectal liver metastases double in about 3 months"),
            _SOLID_BURDEN, _tmb(4.0), _v(0.8, "as MSI-high CRC"),
            _v(0.2, "immune-excluded (Llosa 2015 Cancer Discov 5:43; Chen & Mellman 2017)"),
            _v(0.1, "PD-L1 low (Llosa 2015)"),
        ),
        CancerType(
            "pancreatic", "pancreatic ductal adenocarcinoma",
            _dt(60, "assumed: fast-growing, short survival of metastatic disease"),
            _SOLID_BURDEN, _tmb(1.0), _v(0.5, "judged: MHC-I degraded by autophagy (Yamamoto 2020 Nature 581:100)"),
            _v(0.1, "immune desert behind a dense stroma (Chen & Mellman 2017)"),
            _v(0.1, "PD-L1 low (Brahmer 2012 NEJM 366:2455: no response to anti-PD-L1)"),
        ),
        CancerType(
            "breast_her2_positive", "HER2-positive metastatic breast cancer",
            _dt(100, "assumed: HER2+ tumours among the faster breast cancers (Ryu 2014 Breast Cancer Res Treat)"),
            _SOLID_BURDEN, _tmb(2.5), _v(0.8, "assumed"),
            _v(0.4, "judged: intermediate TIL levels in HER2+ disease (Loi 2014 Ann Oncol 25:1544)"),
            _v(0.2, "PD-L1 low to moderate"),
            targets={"HER2": _v(0.95, "HER2 3+ (IHC) defines the type; near-uniform expression")},
        ),
        CancerType(
            "prostate", "metastatic castration-resistant prostate cancer",
            _dt(250, "assumed: slow growth of mCRPC lesions (months-long PSA doubling times)"),
            _SOLID_BURDEN, _tmb(1.5), _v(0.5, "assumed"),
            _v(0.2, "immune-cold (Chen & Mellman 2017)"), _v(0.05, "PD-L1 rarely expressed"),
            targets={"PAP": _v(0.95, "prostatic acid phosphatase in ~95% of prostate cancers (Provenge PI s14)")},
        ),
        CancerType(
            "b_all", "relapsed/refractory B-cell acute lymphoblastic leukaemia",
            _dt(10, "assumed: CD19-negative relapse 3-6 months after CAR-T from a <1e-4 subclone implies ~10-15 d"),
            Value(3e11, "cells", "assumed: about 30% of a 1e12-cell marrow/blood burden"),
            _tmb(0.3), _v(0.5, "assumed"), _v(1.0, "blasts in blood and marrow are reachable by T cells"),
            _v(0.1, "PD-L1 low on blasts"),
            targets={
                "CD19": _v(1.0, "CD19 on >95% of B-ALL blasts (Maude 2018 NEJM 378:439); CD19-negative blasts arise "
                           "by antigen loss during growth (model parameter antigen_loss, drawn per patient in "
                           "examples/populations/b_all.yaml; Sotillo 2015 Cancer Discov 5:1282, Orlando 2018 Nat "
                           "Med 24:1504), none at baseline"),
                "CD20": _v(0.3, "CD20 on >=20% of blasts in ~40% of patients (Thomas 2009 Blood 113:6330)"),
            },
            residue_seen=_v(0.0, "marrow/blood blasts: response by MRD/morphology, no residual mass"),
            response_criteria="b_all_remission",
        ),
        CancerType(
            "dlbcl", "diffuse large B-cell lymphoma (relapsed)",
            _dt(30, "assumed: aggressive lymphoma, Ki-67 > 70%"),
            Value(1e11, "cells", "assumed: bulky relapsed disease (sum of diameters ~120 mm)"),
            _tmb(7.0), _v(0.5, "MHC-I loss in ~40-60% (Challa-Malladi 2011 Cancer Cell 20:728)"),
            _v(0.5, "judged"), _v(0.2, "PD-L1 mostly low outside special subtypes"),
            targets={"CD19": _v(0.9999, "CD19 on almost all DLBCL (ZUMA-1 eligibility); CD19-negative cells assumed "
                           "a rare subclone, 1e-4 as in B-ALL (most progressions after axi-cel remain CD19+)"),
                     "CD20": _v(0.99, "CD20 on almost all DLBCL (rituximab-containing R-CHOP is standard for "
                                "all); ~1% negative assumed")},
            residue_seen=_v(0.0, "response by PET-CT (Lugano 2014, Cheson 2014 JCO 32:3059), as in ZUMA-1 "
                            "(Neelapu 2017)"),
            response_criteria="lugano2014",
        ),
        CancerType(
            "follicular_lymphoma", "follicular lymphoma (relapsed, indolent)",
            _dt(180, "assumed: indolent lymphoma, lesions double over months"),
            Value(5e10, "cells", "assumed"), _tmb(3.0), _v(0.6, "assumed"),
            _v(0.6, "T-cell-rich microenvironment (Dave 2004 NEJM 351:2159)"), _v(0.05, "PD-L1 low"),
            targets={"CD19": _v(0.95, "CD19 on almost all FL"),
                     "CD20": _v(0.97, "CD20 on almost all FL (McLaughlin 1998 eligibility)")},
            response_criteria="lugano2014",
        ),
    )
}  # fmt: skip


def _add_measured() -> None:
    for c in MEASURED:
        if c.id in CANCERS:
            raise ModelError(f"cancer {c.id} is defined twice")
        CANCERS[c.id] = c


_add_measured()


def get_cancer(cancer_id: str) -> CancerType:
    key = cancer_id.strip().lower().replace("-", "_")
    if key not in CANCERS:
        raise UnknownNameError("cancer type", cancer_id, list(CANCERS))
    return CANCERS[key]


def cancer_ids() -> list[str]:
    return list(CANCERS)
