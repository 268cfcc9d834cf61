"""Immune surveillance: how often a tumour starting from a few cells is eliminated by chance.

``surveillance`` runs the same model from several initial tumour sizes and reports, per
size, the fraction of replicates in which the tumour is extinct at ``t_end`` with a Wilson
95% interval, and the distribution of the time to escape (first passage above
``escape_cells``) and of the time to elimination.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from iosim.errors import InputError
from iosim.expr import Op, Sym
from iosim.model.declaration import Model
from iosim.simulation.options import SaveAt
from iosim.stochastic.engine import Method, simulate_stochastic
from iosim.stochastic.stats import Proportion, proportion

if TYPE_CHECKING:
    import pandas as pd

#: Default escape level: a tumour that reached 10^4 cells is counted as escaped
#: (from there elimination by chance alone is vanishingly rare in the library models).
DEFAULT_ESCAPE_CELLS = 1.0e4
#: Hybrid partition used by ``surveillance``: the tumour is stochastic below 10^3 cells.
SURVEILLANCE_HYBRID_THRESHOLD = 1.0e3


def tumour_states(model: Model) -> tuple[str, ...]:
    """The model's tumour populations: the state(s) summed by output ``tumour_cells``, else ``T``."""
    names = set(model.state_names)
    inter = {i.name: i.expr for i in model.intermediates}
    for o in model.outputs:
        if o.name != "tumour_cells":
            continue
        e = inter.get(o.expr.name, o.expr) if isinstance(o.expr, Sym) else o.expr
        terms = e.args if isinstance(e, Op) and e.op == "add" else (e,)
        if all(isinstance(x, Sym) and x.name in names for x in terms):
            return tuple(x.name for x in terms if isinstance(x, Sym))  # every term is a Sym (checked above)
    if "T" in names:
        return ("T",)
    raise InputError(f"model {model.id}: cannot tell which state is the tumour; name it (--state STATE)")


def tumour_state(model: Model) -> str:
    """The first tumour population of :func:`tumour_states`."""
    return tumour_states(model)[0]


def _model(model: Model | str) -> Model:
    if isinstance(model, str):
        from iosim.models import get_model

        return get_model(model)
    return model


def elimination_probability(
    model: Model | str,
    t_end: float,
    *,
    replicates: int,
    seed: int | np.random.SeedSequence | None = None,
    state: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    **options: Any,
) -> Proportion:
    """Probability that ``state`` (default: every tumour population) is extinct at ``t_end``, Wilson interval.

    ``options`` go to :func:`simulate_stochastic` (``method``, ``params``, ``initial``, ``regimen``...).
    """
    m = _model(model)
    states = tumour_states(m) if state is None else ((state,) if isinstance(state, str) else tuple(state))
    idx = [m.state_index(s) for s in states]
    options.setdefault("method", "hybrid")
    if options["method"] == "hybrid":
        options.setdefault("hybrid_threshold", SURVEILLANCE_HYBRID_THRESHOLD)
    res = simulate_stochastic(m, t_end, replicates=replicates, seed=seed, saveat=SaveAt(ts=(t_end,)), **options)
    gone = np.all(res.trajectories[res.ok][:, -1, idx] == 0.0, axis=1)
    return proportion(int(gone.sum()), int(res.ok.sum()), confidence)


def surveillance(
    model: Model | str,
    state: str | Sequence[str] | None,
    sizes: Iterable[float],
    *,
    replicates: int,
    t_end: float,
    seed: int | None = None,
    method: Method = "hybrid",
    params: Mapping[str, float] | None = None,
    initial: Mapping[str, float] | None = None,
    regimen: Any = None,
    escape_cells: float = DEFAULT_ESCAPE_CELLS,
    confidence: float = 0.95,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Elimination probability against initial tumour size.

    ``state`` is the tumour population, or several (antigen-positive and -negative cells);
    by default those summed by the model's ``tumour_cells`` output. With several, a size is
    split in the proportions of the initial state (rounded to whole cells) and the tumour is
    eliminated when all of them are 0; escape is the first of them reaching ``escape_cells``.

    Columns: ``initial_cells``, ``replicates`` (that finished), ``eliminated``,
    ``p_elimination``, ``ci_low``, ``ci_high`` (Wilson score interval at ``confidence``),
    ``p_escape`` (reached ``escape_cells``), ``escape_time_median``/``_q25``/``_q75`` (days to
    reach ``escape_cells`` among escaped replicates) and ``elimination_time_median``.
    Size ``k`` uses seed child ``k`` of ``seed``, so adding sizes leaves earlier rows unchanged.
    ``progress(done, total)``, if given, is called as replicates finish (total: replicates x sizes).
    """
    import pandas as pd

    m = _model(model)
    states = tumour_states(m) if state is None else ((state,) if isinstance(state, str) else tuple(state))
    idx = [m.state_index(s) for s in states]
    sizes = [float(s) for s in sizes]
    if not sizes or any(not (s >= 1 and s == round(s)) for s in sizes):
        raise InputError(f"sizes must be whole numbers of cells (at least 1), got {sizes}")
    start = m.initial_values(dict(initial or {}))[idx]
    share = start / start.sum() if start.sum() > 0 else np.full(len(idx), 1.0 / len(idx))
    if method == "hybrid":
        # Elimination from 10^3 cells by chance is negligible in the library models, so larger
        # tumours can follow the continuous dynamics (10x fewer events than the engine default).
        options.setdefault("hybrid_threshold", SURVEILLANCE_HYBRID_THRESHOLD)
    root = np.random.SeedSequence(seed)
    rows = []
    for k, size in enumerate(sizes):
        split = {s: float(np.floor(size * f + 0.5)) for s, f in zip(states, share)}
        res = simulate_stochastic(
            m,
            t_end,
            replicates=replicates,
            method=method,
            seed=np.random.SeedSequence(root.entropy, spawn_key=(k,)),
            params=params,
            initial={**dict(initial or {}), **split},
            regimen=regimen,
            saveat=SaveAt(ts=(0.0, t_end)),
            escape={s: escape_cells for s in states},
            workers=workers,
            progress=None if progress is None else _after(progress, k * replicates, len(sizes) * replicates),
            **options,
        )
        ok = res.ok
        eliminated = np.all(res.trajectories[ok][:, -1, idx] == 0.0, axis=1)
        pr = proportion(int(eliminated.sum()), int(ok.sum()), confidence)
        passage = np.nan_to_num(res.passage_times[ok][:, idx], nan=np.inf).min(axis=1)
        ext = np.fmax.reduce(res.extinction_times[ok][:, idx], axis=1)  # the last tumour population to go
        esc = passage[np.isfinite(passage)]
        ext = ext[eliminated & np.isfinite(ext)]
        q = np.quantile(esc, [0.25, 0.5, 0.75]) if esc.size else np.full(3, np.nan)
        rows.append(
            {
                "initial_cells": int(size),
                "replicates": pr.trials,
                "eliminated": pr.successes,
                "p_elimination": pr.p,
                "ci_low": pr.ci_low,
                "ci_high": pr.ci_high,
                "p_escape": esc.size / pr.trials if pr.trials else np.nan,
                "escape_time_median": q[1],
                "escape_time_q25": q[0],
                "escape_time_q75": q[2],
                "elimination_time_median": float(np.median(ext)) if ext.size else np.nan,
                "failed": int((~ok).sum()),
            }
        )
    df = pd.DataFrame(rows)
    df.attrs.update(model=m.id, states=states, t_end=t_end, method=method, seed=root.entropy, interval="Wilson")
    return df


def _after(progress: Callable[[int, int], None], before: int, total: int) -> Callable[[int, int], None]:
    return lambda done, _part: progress(before + done, total)


def plot_surveillance(tables: Mapping[str, pd.DataFrame], path: Any) -> None:
    """Elimination probability against initial size (log axis), one curve with its band per arm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, df in tables.items():
        x = df["initial_cells"].to_numpy(float)
        ax.plot(x, df["p_elimination"], marker="o", label=label)
        ax.fill_between(x, df["ci_low"], df["ci_high"], alpha=0.25)
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("initial tumour cells")
    ax.set_ylabel("probability of elimination")
    ax.set_title("Immune surveillance (95% Wilson intervals)")
    ax.grid(alpha=0.3)
    if len(tables) > 1:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
