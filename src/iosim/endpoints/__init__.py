"""Clinical endpoints of virtual trials: RECIST 1.1 and iRECIST responses, a death model, survival
statistics (lifelines), per-arm summaries and the HTML trial report.

Everything works on arrays and DataFrames vectorised over patients::

    from iosim.endpoints import DeathModel, compare_arms, patient_outcomes, recist, sld_from_cells, summarize
    sld = sld_from_cells(tumour_cells, (0.5, 0.3, 0.2))    # cells -> sum of 3 lesion diameters, mm
    codes = recist.assess(sld, new_lesion=new)            # (n, m-1) codes CR=0 PR=1 SD=2 PD=3 NE=4
    best = recist.best_overall_response(codes, weeks)     # confirmed at >= 4 weeks by default
    t_pd, progressed = recist.progression(codes, weeks)
    months, died = DeathModel().sample(times_months, sld_on_grid, rng)
    table, codes = patient_outcomes(sld, weeks_with_0, death_months=months, died=died, follow_up_months=36)

lifelines and matplotlib are imported only inside the functions that need them.
"""

from iosim.endpoints import burden, irecist, recist
from iosim.endpoints.burden import sld_from_cells
from iosim.endpoints.death import DeathModel, calibrate_tumour_hazard
from iosim.endpoints.outcomes import assessment_rows, patient_outcomes
from iosim.endpoints.report import write_report
from iosim.endpoints.summary import summarize
from iosim.endpoints.survival import at_risk, compare_arms, hazard_ratio, km_summary, logrank

__all__ = [
    "DeathModel",
    "assessment_rows",
    "at_risk",
    "burden",
    "calibrate_tumour_hazard",
    "compare_arms",
    "hazard_ratio",
    "irecist",
    "km_summary",
    "logrank",
    "patient_outcomes",
    "recist",
    "sld_from_cells",
    "summarize",
    "write_report",
]
