"""One stage algebra: the explicit 5(4) step is written once, in iosim.numerics.explicit, and every engine runs it.

Issue 17: the Dormand–Prince stages used to be typed three times (the CPU and GPU cohort kernels and
the hybrid stochastic engine), kept in step by comments. These checks read source, the package's
modules and each engine's generated kernel module (generated, not compiled), and fail when a second
copy appears:

* a function named like a piece of the algebra defined anywhere in the package but explicit.py;
* an engine's kernel whose stage calls go to anything but explicit's functions (or their copies
  compiled for another target by iosim.numerics.targets), or that names a tableau coefficient
  (``dopri.A71``: a coefficient used in a driver is stage algebra written there).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import iosim
from iosim.cohort.gpu import GPU
from iosim.cohort.kernel import CPU
from iosim.stochastic._codegen import STOCHASTIC

PACKAGE = Path(iosim.__file__).resolve().parent
HOME = PACKAGE / "numerics" / "explicit.py"
#: What an explicit step calls, in order; each engine's kernel must call every one.
STAGES = ("stage2", "stage3", "stage4", "stage5", "stage6", "solution", "error_estimate")
ALGEBRA = (*STAGES, "dense_coefficients", "quadrature")
COEFFICIENT = re.compile(r"^(A\d\d|B\d|C\d|D\d|E\d|R\d\d)$")
ENGINES = {"cpu cohort": CPU, "gpu cohort": GPU, "stochastic": STOCHASTIC}


def _explicit_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound to the module explicit (or a retargeted copy of it), and its functions imported by name."""
    modules: set[str] = set()
    functions: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "iosim.numerics":
            modules |= {a.asname or a.name for a in node.names if a.name == "explicit"}
        elif isinstance(node, ast.ImportFrom) and node.module == "iosim.numerics.explicit":
            functions |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            modules |= {a.asname for a in node.names if a.name == "iosim.numerics.explicit" and a.asname}
    for node in ast.walk(tree):  # ex = on_cuda(explicit), exact_cpu(explicit), retarget(explicit, ...)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.value.args:
            arg = node.value.args[0]
            if isinstance(arg, ast.Name) and arg.id in modules:
                modules |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return modules, functions


def _stage_calls(tree: ast.Module) -> list[tuple[str, bool]]:
    """Every call of an algebra function: (its name, whether it goes to explicit's)."""
    modules, functions = _explicit_names(tree)
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr in ALGEBRA:
            out.append((f.attr, isinstance(f.value, ast.Name) and f.value.id in modules))
        elif isinstance(f, ast.Name) and f.id in ALGEBRA:
            out.append((f.id, f.id in functions))
    return out


def _coefficients(tree: ast.Module) -> list[str]:
    """Tableau coefficients named in ``tree`` (``dopri.A71``, ``tsit5.E2``)."""
    return sorted({n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and COEFFICIENT.match(n.attr)})


def test_the_stage_algebra_is_defined_once_in_the_package():
    homes = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name in ALGEBRA:
                homes.setdefault(node.name, []).append(path.relative_to(PACKAGE).as_posix())
    assert homes == {name: ["numerics/explicit.py"] for name in ALGEBRA}


@pytest.mark.parametrize("engine", ENGINES)
def test_each_engine_runs_the_shared_stage_algebra(engine):
    source = ENGINES[engine].source(iosim.get_model("kuznetsov1994"))
    tree = ast.parse(source)
    calls = _stage_calls(tree)
    assert {name for name, _ in calls} >= set(STAGES), f"{engine}: no explicit step found"
    assert all(shared for _, shared in calls), f"{engine}: stage functions other than explicit's: {calls}"
    own = _coefficients(tree)
    assert not own, f"{engine}: tableau coefficients used in the driver: {own}"


def test_the_checks_see_a_second_copy():
    # The old hybrid engine's step, as it was: its own Dormand–Prince functions and a coefficient.
    old = ast.parse(
        "from iosim.numerics import dopri\n"
        "dp = exact_cpu(dopri)\n"
        "def _dopri(t, h, y, K, yt, l1, l3):\n"
        "    dp.stage2(y, h, K[0], yt)\n"
        "    return h * (dp.A71 * l1 + dp.A73 * l3)\n"
    )
    assert _stage_calls(old) == [("stage2", False)]
    assert _coefficients(old) == ["A71", "A73"]
    new = ast.parse(
        "from iosim.numerics import explicit\nex = exact_cpu(explicit)\ndef f(y, h, k, w):\n"
        "    ex.stage2(explicit.DOPRI5, y, h, k, w)\n"
    )
    assert _stage_calls(new) == [("stage2", True)]
    assert _coefficients(new) == []
