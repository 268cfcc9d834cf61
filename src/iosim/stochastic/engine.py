"""``simulate_stochastic``: one model declaration read as events, many replicates, compiled kernels.

Reading a model as events
-------------------------
Every :class:`~iosim.model.declaration.Reaction` is an event: it fires at its rate and adds
its ``changes`` to the states. A model whose states all change through reactions
(``model.is_reaction_network``) runs with ``method="ssa"`` or ``"tau"``. A model with
explicit equations for some states runs with ``method="hybrid"``: those states are
integrated continuously. A model without reactions cannot be read as events.

Doses
-----
Boluses and set-events are exact jumps, as in the deterministic engine; into a stochastic
population they are rounded to whole units (``floor(amount + 0.5)``). An infusion into a
stochastic population is a zero-order birth event of rate ``rate`` during its window; into a
continuous state it is added to the derivative.

Seeds
-----
Replicate ``r`` draws from its own stream, seeded by child ``r`` of
``numpy.random.SeedSequence(seed)`` (``spawn_key=(r,)``). It gives the same path whether it
runs alone, in a larger batch, in chunks or on several threads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Literal, cast, get_args

import numpy as np

from iosim.dosing import DoseEvent, Regimen
from iosim.dosing.schedule import encode_schedule
from iosim.errors import InputError, ModelError, UnknownNameError
from iosim.model.declaration import Model
from iosim.simulation.options import SaveAt, SolverOptions, saveat_from, solver_from
from iosim.simulation.reference import as_regimen, resolve_grid
from iosim.stochastic.result import STATUS_NAMES, Seed, StochasticResult

Method = Literal["ssa", "tau", "hybrid"]
METHODS: dict[str, int] = {"ssa": 0, "tau": 1, "hybrid": 2}
DEFAULT_MAX_STEPS = 100_000_000
#: Hybrid partition: a population above HI is continuous, below LO (= HI/10) stochastic again.
DEFAULT_HYBRID_THRESHOLD = 1.0e4


class NotEventReadableError(ModelError):
    """A model that cannot be simulated event by event with the requested method."""


def _check_model(model: Model, method: str) -> None:
    if not model.reactions:
        raise NotEventReadableError(
            f"model {model.id} declares no reactions, so it cannot be read as events; declare its births, deaths, "
            f"kills and transitions with ModelBuilder.reaction(name, rate, {{state: +1 or -1}})"
        )
    eq_states = sorted({s for s, _ in model.equations})
    if method in ("ssa", "tau") and eq_states:
        raise NotEventReadableError(
            f"model {model.id} gives {', '.join(eq_states)} by explicit equations, which '{method}' cannot fire as "
            f"events; use method='hybrid' (those states are then integrated continuously) or declare their changes "
            f"as reactions"
        )
    for r in model.reactions:
        for s, c in r.changes:
            if s not in eq_states and c != round(c):
                raise NotEventReadableError(
                    f"reaction {r.name} of model {model.id} changes {s} by {c}; an event changes a population by "
                    f"whole units (declare {s} by an equation to treat it continuously)"
                )


def method_named(name: str) -> Method:
    """``name`` (a command-line option, a request field) as a :data:`Method`; else :class:`UnknownNameError`."""
    for method in get_args(Method):
        if method == name:
            return method
    raise UnknownNameError("stochastic method", name, tuple(METHODS))


def replicate_seeds(
    seed: int | np.random.SeedSequence | None, replicates: int
) -> tuple[np.ndarray, Seed]:
    """The 4-word xoshiro256** state of every replicate, and the entropy that reproduces them."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    seeds = np.empty((replicates, 4), dtype=np.uint64)
    for r in range(replicates):
        child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, r), pool_size=ss.pool_size)
        seeds[r] = child.generate_state(4, np.uint64)
    return seeds, (ss.entropy if not ss.spawn_key else (ss.entropy, ss.spawn_key))


def simulate_stochastic(
    model: Model | str,
    t_end: float,
    *,
    replicates: int,
    method: Method | None = None,
    seed: int | np.random.SeedSequence | None = None,
    params: Mapping[str, float] | None = None,
    initial: Mapping[str, float] | None = None,
    regimen: Regimen | Iterable[Regimen | DoseEvent] | None = None,
    t_start: float = 0.0,
    saveat: SaveAt | None = None,
    solver: SolverOptions | None = None,
    output_every: float | None = None,
    times: Iterable[float] | None = None,
    workers: int = 1,
    chunk_size: int | None = None,
    escape: Mapping[str, float] | None = None,
    tau_epsilon: float = 0.03,
    hybrid_threshold: float = DEFAULT_HYBRID_THRESHOLD,
    hybrid_step: float = 0.5,
    max_steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StochasticResult:
    """Simulate ``replicates`` independent stochastic paths of ``model``.

    Parameters
    ----------
    model : a :class:`Model` or a model id.
    t_end : end time (days for every built-in model).
    replicates : number of independent paths.
    method : ``"ssa"`` (Gillespie's direct method, exact), ``"tau"`` (tau-leaping, Cao,
        Gillespie & Petzold 2006) or ``"hybrid"`` (small populations stochastic, large ones
        and equation-declared states continuous).
    seed : integer or ``SeedSequence``; the same seed gives the same replicates whatever
        ``workers`` and ``chunk_size``. ``None`` draws fresh entropy (kept in the result).
    params, initial, regimen : as in :func:`iosim.simulate`.
    saveat : the output times (:class:`SaveAt`, default every day); at a dose time the value after
        the dose is reported. ``output_every`` and ``times`` are the older keywords that build it.
    solver : :class:`SolverOptions`: ``method`` (as above, default ``"ssa"``), ``max_steps`` (as
        below); ``extinction=False`` is refused (a stochastic population dies out by its own
        events) and so are ``rtol``/``atol`` (the hybrid method fixes its own). ``method`` and
        ``max_steps`` are the older keywords that build it.
    workers : threads running chunks of replicates (the kernels release the GIL).
    escape : per state, a level whose first passage time is recorded (``result.passage_times``).
    tau_epsilon : bound on the relative change of any population in one leap ("tau").
    hybrid_threshold : a population above it is continuous, below a tenth of it stochastic.
    hybrid_step : largest step of the continuous states, in days ("hybrid"); steps are error-controlled
        (Dormand–Prince 5(4), rtol 1e-6, atol 1e-9) below it.
    max_steps : steps per replicate (events for "ssa", leaps and exact steps for "tau", integration steps
        for "hybrid") after which a replicate stops with status "max_steps".
    progress : called as ``progress(replicates_done, replicates)`` after each chunk (a CLI draws a bar).
    """
    save = saveat_from(saveat, output_every=output_every, times=times)
    chosen = solver_from(solver, method=method, max_steps=max_steps)
    if chosen.rtol is not None or chosen.atol is not None or not chosen.extinction:
        raise InputError(
            "the stochastic engines take no rtol, atol or extinction=False: the hybrid method fixes its own "
            "tolerances and a population dies out by its own events; leave them unset"
        )
    chosen = chosen.with_defaults(method="ssa", max_steps=DEFAULT_MAX_STEPS)
    method, max_steps = cast(Method, chosen.method), int(chosen.max_steps or 0)
    if isinstance(model, str):
        from iosim.models import get_model

        model = get_model(model)
    if method not in METHODS:
        raise UnknownNameError("stochastic method", method, tuple(METHODS))
    _check_model(model, method)
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) or replicates < 1:
        raise InputError(f"replicates must be a whole number of at least 1, got {replicates!r}")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError(f"workers must be a whole number of at least 1, got {workers!r}")
    if chunk_size is not None and (isinstance(chunk_size, bool) or int(chunk_size) != chunk_size or chunk_size < 1):
        raise InputError(f"chunk_size must be a whole number of at least 1, got {chunk_size!r}")
    checks = (("tau_epsilon", tau_epsilon), ("hybrid_threshold", hybrid_threshold), ("hybrid_step", hybrid_step))
    for label, v in checks:
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"{label} must be a positive number, got {v}")
    reg = as_regimen(regimen)
    for name in reg.states():
        model.state_index(name)
    t_start, t_end, grid = resolve_grid(t_start, t_end, save.interval, save.times(t_end))

    from iosim.kernels.loader import kernel_module
    from iosim.stochastic._codegen import STOCHASTIC, reaction_orders, stoichiometry

    p = model.parameter_values(dict(params or {}))
    y0 = model.initial_values(dict(initial or {}))
    n = len(model.states)
    esc = np.full(n, np.inf)
    for name, level in (escape or {}).items():
        esc[model.state_index(name)] = float(level)
    eq_states = {s for s, _ in model.equations}
    fixed = np.array([s in eq_states for s in model.state_names])
    nonneg = np.array([s.nonnegative for s in model.states])
    thresholds = np.nan_to_num(model.extinction_thresholds(), nan=-np.inf)
    sched = encode_schedule(model, reg, t_start, t_end).arrays()
    V = stoichiometry(model)
    order = reaction_orders(model)
    seeds, entropy = replicate_seeds(seed, int(replicates))
    opts = np.array([tau_epsilon, 10.0, 100.0, hybrid_threshold, hybrid_threshold / 10.0, hybrid_step])

    R = int(replicates)
    traj = np.empty((R, grid.size, n))
    ext = np.empty((R, n))
    passage = np.empty((R, n))
    status = np.zeros(R, dtype=np.int64)
    events = np.zeros(R, dtype=np.int64)
    kernel = kernel_module(model, STOCHASTIC)

    def run(lo: int, hi: int) -> None:
        chunk = (seeds[lo:hi], int(max_steps))
        tail = (traj[lo:hi], ext[lo:hi], passage[lo:hi], status[lo:hi], events[lo:hi])
        if method == "ssa":
            kernel.run_ssa(grid, sched, y0, p, V, esc, *chunk, *tail)
        elif method == "tau":
            kernel.run_tau(grid, sched, y0, p, V, order, esc, *chunk, opts, *tail)
        else:
            kernel.run_hybrid(grid, sched, y0, p, V, fixed, nonneg, thresholds, esc, *chunk, opts, *tail)

    # Smaller chunks when someone watches the progress (results do not depend on chunking).
    most = 64 if progress is not None else 256
    size = int(chunk_size) if chunk_size else max(1, min(most, math.ceil(R / workers)))
    bounds = [(lo, min(R, lo + size)) for lo in range(0, R, size)]
    done = 0
    if workers == 1 or len(bounds) == 1:
        for lo, hi in bounds:
            run(lo, hi)
            done += hi - lo
            if progress is not None:
                progress(done, R)
    else:
        with ThreadPoolExecutor(max_workers=int(workers)) as pool:
            futures = {pool.submit(run, lo, hi): hi - lo for lo, hi in bounds}
            for f in as_completed(futures):
                f.result()
                done += futures[f]
                if progress is not None:
                    progress(done, R)
    return StochasticResult(
        model=model,
        method=method,
        t=grid,
        trajectories=traj,
        extinction_times=ext,
        passage_times=passage,
        status=np.array([STATUS_NAMES[c] for c in status]),
        events=events,
        seed=entropy,
        parameters=p,
    )
