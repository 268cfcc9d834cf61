"""Cohort simulation: compiled batched kernels for many patients of one model.

    from iosim.cohort import simulate_cohort
    res = simulate_cohort("kuznetsov1994", 100, params={"a": a_values}, regimen=...)
    res.y          # (n_patients, n_times, n_states)
    res.status     # "ok" or why a patient's integration stopped
    simulate_cohort(..., out="cohort.parquet", resume=True)   # streamed, resumable (CohortFile)

Each model is compiled once from its declaration (numba) and the compiled kernel is kept
on disk (``$IOSIM_CACHE_DIR``, default ``~/.cache/iosim``), so a second run starts at once.
"""

from iosim.cohort.engine import METHODS
from iosim.cohort.kernel import cache_dir, compile_kernel
from iosim.cohort.output import CohortFile
from iosim.cohort.result import STATUS_NAMES, CohortResult
from iosim.cohort.simulate import simulate_cohort

__all__ = ["METHODS", "STATUS_NAMES", "CohortFile", "CohortResult", "cache_dir", "compile_kernel", "simulate_cohort"]
