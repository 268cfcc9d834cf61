"""Integrator numerics shared by the generated kernels, written once as plain numba functions.

* :mod:`~iosim.numerics.explicit`: the one stage algebra of the explicit 5(4) pairs (stage states,
  solution, error estimate, dense-output coefficients), taking the pair as a coefficient tuple
  (``DOPRI5``, ``TSIT5``); every engine's explicit steps run it;
* :mod:`~iosim.numerics.dopri`, :mod:`~iosim.numerics.tsit5`: the Dormand–Prince and Tsitouras
  5(4) tableaus, and Hairer's stiffness test;
* :mod:`~iosim.numerics.stepsize`: error norm, first-step selection, step-size control;
* :mod:`~iosim.numerics.dense`: dense output (Dormand–Prince, Rodas4P2, Hermite) and the first
  threshold crossing located on it (the extinction rule);
* :mod:`~iosim.numerics.rodas`, :mod:`~iosim.numerics.linalg`: the Rodas4P2 tableau and dense
  output, and the pivoting LU its stages fall back on;
* :mod:`~iosim.numerics.segments`: doses at segment starts, the extinction rule after them, and
  filling the output grid;
* :mod:`~iosim.numerics.targets`: the same functions compiled as CUDA device functions, or
  for the CPU without fastmath.

None of them takes the model's functions: the generated kernels (see :mod:`iosim.kernels`)
evaluate the right-hand side between the calls. Each kernel's cache key includes these
modules' text, so changing one recompiles every kernel that uses it.
"""

#: Modules whose compiled functions (or constants) the generated kernels import.
SHARED = tuple(
    f"iosim.numerics.{name}"
    for name in ("flags", "dopri", "tsit5", "explicit", "stepsize", "dense", "segments", "rodas", "linalg")
)
