"""The reference engine: one patient, scipy's solvers, doses as exact discontinuities.

Integration restarts at every dose time and at every infusion start and end, so no
solver ever steps across a jump. The extinction rule is a terminal event per cell
state: when a population crosses its threshold downwards it is set to exactly 0 and
integration restarts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping

import numpy as np

from iosim.dosing import Bolus, DoseEvent, Infusion, Regimen, SetState
from iosim.errors import DosingError, InputError, UnknownNameError
from iosim.model.compiled import compile_model
from iosim.model.declaration import Model
from iosim.simulation.options import SaveAt, SolverOptions, saveat_from, solver_from
from iosim.simulation.result import SimulationResult

METHODS = ("LSODA", "BDF", "Radau", "RK45", "DOP853")
_MAX_RESTARTS = 10_000
#: Right-hand-side evaluations one simulation may spend (assumed: a five-year run of the flagship
#: model with 57 doses takes about 8,400; 2,000 doses about 300,000; a million is 1-2 minutes).
MAX_EVALUATIONS = 1_000_000
#: Evaluations in a row within round-off of one time after which the run counts as stalled
#: (assumed: a healthy solver moves on within a few; a step that underflows, as with a
#: parameter of 1e308, repeats the same time for ever).
STALL_EVALUATIONS = 20_000
#: Most output times of a regular grid (a million rows: a daily grid over 2,700 years).
MAX_OUTPUT_TIMES = 1_000_000


def as_regimen(regimen: Regimen | Iterable[Regimen | DoseEvent] | None) -> Regimen:
    if regimen is None:
        return Regimen()
    if isinstance(regimen, Regimen):
        return regimen
    out = Regimen()
    for r in regimen:
        out = out + (r if isinstance(r, Regimen) else Regimen((r,)))
    return out


def output_grid(t_start: float, t_end: float, every: float) -> np.ndarray:
    if not (math.isfinite(every) and every > 0):
        raise InputError(f"output interval must be a positive number, got {every}")
    ratio = (t_end - t_start) / every
    if ratio > MAX_OUTPUT_TIMES:  # before allocating: 1e9 days at every=1 would need 8 GB
        raise InputError(
            f"an output every {every:g} over {t_end - t_start:g} time units is {ratio:.3g} output times, more than "
            f"{MAX_OUTPUT_TIMES:,}; give a larger output interval"
        )
    n = int(math.floor(ratio + 1e-9))
    grid = t_start + every * np.arange(n + 1)
    if t_end - grid[-1] > 1e-9 * max(1.0, abs(t_end)):
        grid = np.append(grid, t_end)
    return grid


def _span_tolerance(t_start: float, t_end: float) -> float:
    # Generated schedules keep a dose within 1e-9 days of their horizon (iosim.therapy.regimens).
    return 1e-9 * max(1.0, abs(t_start), abs(t_end))


def _describe(e: DoseEvent) -> str:
    if isinstance(e, Bolus):
        return f"the dose of {e.amount:g} into {e.state} at t={e.time:g}"
    if isinstance(e, Infusion):
        return f"the infusion into {e.state} from t={e.time:g}"
    return f"the set-event {e.state}={e.value:g} at t={e.time:g}"


def check_dose_span(regimen: Regimen, t_start: float, t_end: float) -> None:
    """Refuse a dose outside the simulated span [t_start, t_end]: it could act on nothing that is
    simulated, and dropping it without a word hides a typo (a dose on day 50 of a 30-day run).
    A dose at ``t_end`` itself is accepted (it falls at the end, as a generated schedule's last
    dose may). Raises :class:`DosingError` naming the first such dose and the span."""
    tol = _span_tolerance(t_start, t_end)
    for e in regimen:
        last = e.end if isinstance(e, Infusion) else e.time  # an infusion may run on into the span
        if e.time > t_end + tol or last < t_start - tol:
            where = "after the end" if e.time > t_end else "before the start"
            raise DosingError(
                f"{_describe(e)} is {where} of the simulated span [{t_start:g}, {t_end:g}]; "
                "lengthen the simulated time or remove the dose"
            )


def doses_within(regimen: Regimen, t_end: float, *, t_start: float = 0.0) -> Regimen:
    """The doses of a treatment plan that fall in the span [t_start, t_end] (an infusion that runs
    into it included): a plan (a scenario's therapies, a model file's events) goes on beyond the
    simulated span, and its other doses cannot act on it."""
    tol = _span_tolerance(t_start, t_end)
    kept = []
    for e in regimen:
        last = e.end if isinstance(e, Infusion) else e.time
        if e.time <= t_end + tol and last >= t_start - tol:
            kept.append(e)
    return Regimen(tuple(kept), regimen.label)


#: Shortest simulated span, relative to the size of the times.
MIN_SPAN = 1e-9


def resolve_grid(
    t_start: float, t_end: float, output_every: float, times: Iterable[float] | None
) -> tuple[float, float, np.ndarray]:
    """Validated start, end and output times (a regular grid, or explicit times)."""
    t_start, t_end = float(t_start), float(t_end)
    if not (math.isfinite(t_start) and math.isfinite(t_end) and t_end > t_start):
        raise InputError(f"end time must be a finite number after the start ({t_start}), got {t_end}")
    # Integrators cannot step through a span near round-off of the times (LSODA loops for ever).
    shortest = MIN_SPAN * max(1.0, abs(t_start), abs(t_end))
    if t_end - t_start < shortest:
        raise InputError(f"simulated time {t_end - t_start:.3g} is too short: give at least {shortest:.3g}")
    if times is None:
        grid = output_grid(t_start, t_end, output_every)
    else:
        try:
            grid = np.asarray(sorted({float(x) for x in times}), float)
        except (TypeError, ValueError):
            raise InputError("output times must be numbers") from None
    if grid.size == 0 or grid[0] < t_start or grid[-1] > t_end or not np.all(np.isfinite(grid)):
        raise InputError(f"output times must lie within [{t_start}, {t_end}]")
    return t_start, t_end, grid


def simulate(
    model: Model | str,
    t_end: float,
    *,
    params: Mapping[str, float] | None = None,
    initial: Mapping[str, float] | None = None,
    regimen: Regimen | Iterable[Regimen | DoseEvent] | None = None,
    t_start: float = 0.0,
    saveat: SaveAt | None = None,
    solver: SolverOptions | None = None,
    max_step: float = math.inf,
    time_limit_s: float | None = None,
    output_every: float | None = None,
    times: Iterable[float] | None = None,
    method: str | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    extinction: bool | None = None,
    max_evaluations: int | None = None,
) -> SimulationResult:
    """Simulate one model from ``t_start`` to ``t_end``.

    Parameters
    ----------
    model : a :class:`Model` or a model id (``"kuznetsov1994"``).
    t_end : end time, in the model's time unit (days for every built-in model).
    params, initial : overrides of parameter values and initial states, by name.
    regimen : doses (boluses, infusions, set-events) as a :class:`Regimen` or a list; a dose
        outside [t_start, t_end] raises :class:`DosingError` (trim a longer plan with
        :func:`doses_within`, as :meth:`Scenario.simulate` does).
    saveat : the output times (:class:`SaveAt`; default a grid every day). At a dose time the
        value reported is the one after the dose.
    solver : :class:`SolverOptions`; here ``method`` is one of :data:`METHODS` (default
        ``"LSODA"``), ``rtol``/``atol`` default to 1e-8, ``max_steps`` is the run's budget of
        right-hand-side evaluations (default :data:`MAX_EVALUATIONS`).
    max_step : the solver's largest step.
    time_limit_s : the run's budget in seconds of wall time (none by default). A run that spends
        either budget, or whose solver stops advancing, ends as a numerical failure instead of
        running for minutes.
    output_every, times, method, rtol, atol, extinction, max_evaluations : the older keywords,
        which build ``saveat`` and ``solver`` (``max_evaluations`` is ``max_steps``).

    Returns a :class:`SimulationResult`; a numerical failure sets ``status="failed"``
    instead of raising.
    """

    save = saveat_from(saveat, output_every=output_every, times=times)
    opts = solver_from(
        solver, method=method, rtol=rtol, atol=atol, max_steps=max_evaluations, extinction=extinction
    ).with_defaults(method="LSODA", rtol=1e-8, atol=1e-8, max_steps=MAX_EVALUATIONS)
    method, rtol, atol = str(opts.method), float(opts.rtol or 0), float(opts.atol or 0)
    max_evaluations, extinction = int(opts.max_steps or 0), bool(opts.extinction)
    if isinstance(model, str):
        from iosim.models import get_model

        model = get_model(model)
    if method not in METHODS:
        raise UnknownNameError("solver method", method, METHODS)
    if time_limit_s is not None and not (math.isfinite(time_limit_s) and time_limit_s > 0):
        raise InputError(f"time_limit_s must be a positive number of seconds, got {time_limit_s}")
    t_start, t_end, grid = resolve_grid(t_start, t_end, save.interval, save.times(t_end))
    reg = as_regimen(regimen)
    for name in reg.states():
        model.state_index(name)
    check_dose_span(reg, t_start, t_end)

    p = model.parameter_values(dict(params or {}))
    y = model.initial_values(dict(initial or {}))
    budget = _Budget(max_evaluations, time_limit_s)
    return _Run(model, p, reg, method, rtol, atol, extinction, max_step, budget).run(y, t_start, t_end, grid)


class _Stop(Exception):
    """Raised inside the solver's callbacks to end the run as a numerical failure at time ``t``."""

    def __init__(self, t: float, why: str):
        self.t, self.why = t, why


#: Advice added to every budget failure: the usual cause is an extreme value.
_ADVICE = "check for extreme parameter or initial values"


class _Budget:
    """Counts right-hand-side evaluations and wall time across one run; raises :class:`_Stop`
    when either is spent or when the solver stops advancing in time."""

    def __init__(self, max_evaluations: int, time_limit_s: float | None):
        self.max_evaluations, self.time_limit_s = max_evaluations, time_limit_s
        self.evaluations = 0
        self.started = time.monotonic()
        self.restart()

    def restart(self) -> None:
        """A new window of evaluations (and a new solver call: its times start again)."""
        self.window, self.low, self.high = 0, math.inf, -math.inf

    def charge(self, t: float) -> None:
        self.evaluations += 1
        # A stall: a whole window of evaluations within round-off of one time. (Retried steps
        # after a rejected long one revisit earlier times, so "no new latest time" is not one.)
        self.window += 1
        self.low, self.high = min(self.low, t), max(self.high, t)
        if self.window >= STALL_EVALUATIONS:
            if self.high - self.low <= 1e-12 * max(1.0, abs(self.high)):
                raise _Stop(t, f"the solver's step shrank to nothing ({STALL_EVALUATIONS:,} evaluations at "
                               f"the same time); {_ADVICE}")  # fmt: skip
            self.restart()
        if self.evaluations >= self.max_evaluations:
            raise _Stop(t, f"the run used its budget of {self.max_evaluations:,} right-hand-side evaluations "
                           f"(max_evaluations); {_ADVICE}, or try a stiff method (BDF, Radau)")  # fmt: skip
        if self.time_limit_s is not None and self.evaluations % 256 == 0:
            if time.monotonic() - self.started > self.time_limit_s:
                raise _Stop(t, f"the run passed its time limit of {self.time_limit_s:g} s; {_ADVICE}")


class _Run:
    def __init__(self, model, p, regimen, method, rtol, atol, extinction, max_step, budget):
        self.model, self.p, self.regimen, self.budget = model, p, regimen, budget
        self.compiled = compile_model(model)
        self.method, self.rtol, self.atol, self.max_step = method, rtol, atol, max_step
        thr = model.extinction_thresholds()
        self.extinct_idx = [i for i in range(len(thr)) if extinction and np.isfinite(thr[i])]
        self.thresholds = thr
        self.extinctions: list[tuple[str, float]] = []
        #: Extinct states held at exactly 0: implicit solvers would otherwise leak round-off
        #: (~1e-25) back into them and the population would regrow from nothing.
        self.held: set[int] = set()

    def _infusion_rates(self, t: float) -> np.ndarray:
        u = np.zeros(len(self.model.states))
        for e in self.regimen:
            if isinstance(e, Infusion) and e.time <= t < e.end:
                u[self.model.state_index(e.state)] += e.rate
        return u

    def _apply_jumps(self, t: float, y: np.ndarray) -> np.ndarray:
        y = y.copy()
        for e in self.regimen:
            if e.time == t and isinstance(e, Bolus):
                y[self.model.state_index(e.state)] += e.amount
            elif e.time == t and isinstance(e, SetState):
                y[self.model.state_index(e.state)] = e.value
        return y

    def _extinguish(self, t: float, y: np.ndarray, u: np.ndarray) -> np.ndarray:
        for i in self.extinct_idx:
            # Exactly at the threshold and not growing is gone too: armed there, the event function
            # starts at 0 and scipy's root finder fails ("f(a) and f(b) must have different signs").
            at_threshold = y[i] == self.thresholds[i] and self.compiled.rhs(t, y, self.p)[i] + u[i] <= 0.0
            if 0.0 < y[i] < self.thresholds[i] or at_threshold:
                y[i] = 0.0
                self.extinctions.append((self.model.state_names[i], t))
                self._hold(i, t, y, u)
            elif y[i] > 0.0:
                self.held.discard(i)  # a dose brought it back
            elif i in self.held:
                self._hold(i, t, y, u)  # re-check: an infusion may now feed it
        return y

    def _hold(self, i: int, t: float, y: np.ndarray, u: np.ndarray) -> None:
        """Hold state i at 0 unless something (a source term, an infusion) feeds it there."""
        x = y.copy()
        x[i] = 0.0
        if self.compiled.rhs(t, x, self.p)[i] + u[i] <= 0.0:
            self.held.add(i)
        else:
            self.held.discard(i)

    def run(self, y: np.ndarray, t_start: float, t_end: float, grid: np.ndarray) -> SimulationResult:
        breaks = [*self.regimen.segment_starts(t_start, t_end), t_end]
        out = np.full((grid.size, y.size), np.nan)
        status, message = "ok", ""
        rhs, jac = self.compiled.rhs, self.compiled.jacobian
        p = self.p
        for k in range(len(breaks) - 1):
            a, b = breaks[k], breaks[k + 1]
            u = self._infusion_rates(a)
            y = self._extinguish(a, self._apply_jumps(a, y), u)
            last = k == len(breaks) - 2
            mask = (grid >= a) & ((grid <= b) if last else (grid < b))
            ok, message, y = self._segment(a, b, y, u, rhs, jac, p, grid, mask, out)
            if not ok:
                status = "failed"
                break
        outputs = self.compiled.outputs(grid, out.T, p).T if self.model.outputs else np.empty((grid.size, 0))
        return SimulationResult(
            model=self.model,
            t=grid,
            y=out,
            outputs=outputs,
            parameters=p,
            status=status,
            message=message,
            extinctions=tuple(self.extinctions),
        )

    def _segment(self, a, b, y, u, rhs, jac, p, grid, mask, out):
        held = np.array(sorted(self.held), dtype=int)
        charge = self.budget.charge

        def f(t, x):
            charge(t)
            if held.size:
                x = x.copy()
                x[held] = 0.0
                d = rhs(t, x, p) + u
                d[held] = 0.0
            else:
                d = rhs(t, x, p) + u
            if not np.isfinite(d).all():  # the solvers would crawl or fail inside linear algebra
                raise _Stop(t, "the derivative is not finite (a value overflows)")
            return d

        def j(t, x):
            m = jac(t, x, p)
            if held.size:
                m[held, :] = 0.0
            if not np.isfinite(m).all():
                raise _Stop(t, "the Jacobian is not finite (a value overflows)")
            return m

        kwargs = {"jac": j} if self.method in ("LSODA", "BDF", "Radau") else {}
        idx = np.flatnonzero(mask)
        t0 = a
        for _ in range(_MAX_RESTARTS):
            todo = idx[grid[idx] >= t0]
            if t0 == b:
                out[todo] = y
                return True, "", y
            # Always ask for the state at b: the next segment starts from it.
            t_eval = grid[todo] if todo.size and grid[todo[-1]] == b else np.append(grid[todo], b)
            events = []
            for i in self.extinct_idx:
                if i not in self.held and y[i] >= self.thresholds[i]:
                    ev = _threshold_event(i, self.thresholds[i])
                    events.append((i, ev))
            self.budget.restart()
            try:
                from scipy.integrate import solve_ivp  # here: the cohort engines use only this module's helpers

                sol = solve_ivp(
                    f,
                    (t0, b),
                    y,
                    method=self.method,
                    t_eval=t_eval,
                    rtol=self.rtol,
                    atol=self.atol,
                    events=[ev for _, ev in events] or None,
                    max_step=self.max_step,
                    **kwargs,
                )
            except _Stop as e:
                return False, f"integration failed at t={e.t:g}: {e.why}", y
            except (ArithmeticError, ValueError, np.linalg.LinAlgError) as e:
                # scipy's own checks on what an overflowing run hands its linear algebra (Radau's
                # "array must not contain infs or NaNs"): a numerical failure of this input.
                first = (str(e).splitlines() or [""])[0][:200]
                return False, f"integration failed after t={t0:g}: the solver stopped ({first}); {_ADVICE}", y
            if sol.status == -1:
                last = np.asarray(sol.t, float)
                return False, f"integration failed at t={last[-1] if last.size else t0:g}: {sol.message}", y
            # solve_ivp returns lists when it stops before its first output time.
            ts, ys = np.asarray(sol.t, float), np.asarray(sol.y, float).reshape(len(y), -1)
            if ts.size and ts[0] == t0:
                ys[:, 0] = y  # the exact (post-dose) start state, not the solver's interpolant
            if held.size:
                ys[held, :] = 0.0  # linear-algebra round-off must not revive a held state
            n = min(ts.size, todo.size)
            out[todo[:n]] = ys[:, :n].T
            if sol.status == 0:
                return True, "", ys[:, -1].copy()
            # A population crossed its extinction threshold: set it to 0 and restart there.
            k = next(k for k in range(len(events)) if sol.t_events[k].size)
            i = events[k][0]
            t0 = float(sol.t_events[k][0])
            y = sol.y_events[k][0].copy()
            y[i] = 0.0
            self.extinctions.append((self.model.state_names[i], t0))
            self._hold(i, t0, y, u)
            held = np.array(sorted(self.held), dtype=int)
        return False, f"more than {_MAX_RESTARTS} extinction restarts in [{a:g}, {b:g}]", y


def _threshold_event(i: int, threshold: float):
    def event(t, x):
        return x[i] - threshold

    event.terminal, event.direction = True, -1  # type: ignore[attr-defined]  # solve_ivp's event attributes
    return event
