"""Virtual patients and virtual clinical trials."""

from iosim.trials.population import Population, load_population
from iosim.trials.runner import TrialRun, run_trial
from iosim.trials.spec import TrialSpec, TrialSpecError, load_trial_spec, parse_trial_spec
from iosim.trials.store import ResultStore, StoreError

__all__ = [
    "Population",
    "ResultStore",
    "StoreError",
    "TrialRun",
    "TrialSpec",
    "TrialSpecError",
    "load_population",
    "load_trial_spec",
    "parse_trial_spec",
    "run_trial",
]
