"""Stochastic simulation from the same model declarations: exact SSA, tau-leaping, hybrid.

from iosim.stochastic import simulate_stochastic, surveillance
res = simulate_stochastic("kuznetsov1994", 60, replicates=500, method="hybrid", seed=1,
                          initial={"T": 10})
res.p_extinct("T"); res.summary(); res.to_dataframe()
surveillance("kuznetsov1994", "T", [1, 10, 100], replicates=400, t_end=60, seed=1)
"""

from iosim.stochastic.engine import METHODS, NotEventReadableError, replicate_seeds, simulate_stochastic
from iosim.stochastic.result import StochasticResult
from iosim.stochastic.stats import Proportion, proportion, wilson_interval
from iosim.stochastic.surveillance import elimination_probability, surveillance, tumour_state, tumour_states

__all__ = [
    "METHODS",
    "NotEventReadableError",
    "Proportion",
    "StochasticResult",
    "elimination_probability",
    "proportion",
    "replicate_seeds",
    "simulate_stochastic",
    "surveillance",
    "tumour_state",
    "tumour_states",
    "wilson_interval",
]
