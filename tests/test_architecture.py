"""The package's layout rules, checked on its source (the AST), without importing it.

1. **No import circles** among iosim's modules. Every import counts: those inside functions and
   under ``if TYPE_CHECKING:`` too (a type named for annotations is still a dependency).
   ``from a.b import c`` is an edge to the module ``a.b.c`` when there is one, else to ``a.b``; the
   ``__init__`` of parent packages is not counted as imported.
2. **One exception tree.** Every exception class defined in iosim derives from ``IosimError`` and is
   drawn in the tree of ``iosim/errors.py``'s docstring. A private one (``_Stop``) is a control-flow
   signal: raised and caught in its own module, never seen by a user.
3. **No built-in exceptions raised**, except where a protocol requires one: ``ValueError`` inside a
   pydantic validator (pydantic turns it into a ``ValidationError``, which the trial spec and the web
   API report as a ``TrialSpecError`` or a 422) and ``AttributeError`` from a module ``__getattr__``.
4. **Layers**: the packages of ``src/iosim`` stand in :data:`LAYERS`, bottom to top; a module imports
   from its own layer or the ones below, never from a higher one (the same import graph as rule 1),
   except the few imports listed in :data:`UPWARD`, each with its reason.
"""

from __future__ import annotations

import ast
import builtins
from collections import deque
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "iosim"


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package ``__init__``)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, (path, _) in MODULES.items()}


def _imports(name: str) -> set[str]:
    """The iosim modules that module ``name`` imports, anywhere in its body."""
    tree = TREES[name]
    is_package = MODULES[name][1]
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    found.add(f"{target}.{alias.name}")
                elif target in MODULES:
                    found.add(target)
    found.discard(name)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle (``[a, b, ..., a]``) for each strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    cycles = []
    for group in groups:
        start = min(group)
        previous: dict[str, str] = {}
        queue = deque([start])
        while queue:  # breadth first, inside the group, back to the start
            v = queue.popleft()
            if start in graph[v]:
                path = [v]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                cycles.append([*reversed(path), start])
                break
            for w in sorted(graph[v] & group):
                if w not in previous and w != start:
                    previous[w] = v
                    queue.append(w)
    return cycles


def test_the_cycle_finder_names_a_cycle_and_passes_a_tree():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_the_import_graph_sees_top_level_function_level_and_type_checking_imports():
    assert "iosim.cohort.kernel" in GRAPH["iosim.cohort.engine"]  # top of the module
    assert "iosim.trials.population" in GRAPH["iosim.cancer_trials"]  # inside a function (cancer_population)
    assert "iosim.validation.populations" in GRAPH["iosim.cancer_trials"]
    assert "iosim.simulation.result" in GRAPH["iosim.simulation"]  # a package's __init__
    assert "iosim.trials.spec" in GRAPH["iosim.web.jobs"]  # under `if TYPE_CHECKING:`
    assert sum(map(len, GRAPH.values())) > 300


def test_no_import_circles():
    cycles = _cycles(GRAPH)
    assert not cycles, "import circles in src/iosim:\n" + "\n".join(" -> ".join(c) for c in cycles)


# -- layers --------------------------------------------------------------------------------------
#: The packages (and top-level modules) of iosim, bottom to top. Inside a layer, imports go either way
#: (without circles, rule 1).
LAYERS = (
    ("errors", "_version", "files", "parallel", "expr", "data"),  # foundations: no model
    ("model", "dosing"),  # one model's declaration, its doses
    ("numerics", "kernels"),  # shared integrators, the generated-kernel loader
    ("models", "sbml"),  # the model library, model files in and out
    ("simulation", "cohort", "stochastic", "analysis", "fitting"),  # engines, analyses, fits of one model
    ("therapy", "cancers", "scenario", "endpoints", "plots"),  # drugs, cancers, one patient's course and read-outs
    ("trials", "exchange", "vpop", "validation", "library", "cancer_trials", "landscape", "matrix"),  # trials
    ("cli", "web", "iosim", "__main__"),  # the edges, and the package's facade
)
#: The imports that go up a layer, and why they stay (a new one fails the test; a fixed one must leave).
UPWARD = {
    ("iosim.sbml.suite", "iosim.simulation"): "the SBML Test Suite runner checks the reader with the reference engine",
    ("iosim.simulation.result", "iosim.plots"): "SimulationResult.plot() draws the flagship model's own figure",
}


def _layer_of(module: str) -> int:
    top = module.split(".")[1] if "." in module else module
    return next(i for i, names in enumerate(LAYERS) if top in names)


def test_every_package_has_a_layer():
    tops = {m.split(".")[1] if "." in m else m for m in MODULES}
    placed = {name for names in LAYERS for name in names}
    assert tops <= placed, f"place these in LAYERS (tests/test_architecture.py): {sorted(tops - placed)}"
    assert len(placed) == sum(map(len, LAYERS)), "a package stands in two layers"


def test_the_layer_check_sees_an_upward_import():
    assert _layer_of("iosim.trials.runner") > _layer_of("iosim.cohort.engine") > _layer_of("iosim.model.declaration")
    upward = {(a, b) for a, bs in GRAPH.items() for b in bs if _layer_of(b) > _layer_of(a)}
    assert set(UPWARD) <= upward  # the listed exceptions are found: the check is not vacuous


def test_no_module_imports_a_higher_layer():
    upward = sorted((a, b) for a, bs in GRAPH.items() for b in bs if _layer_of(b) > _layer_of(a))
    new = [f"{a} -> {b}" for a, b in upward if (a, b) not in UPWARD]
    assert not new, "imports from a higher layer (move the piece down, or list it in UPWARD):\n" + "\n".join(new)


# -- exceptions ----------------------------------------------------------------------------------
def _exception_classes() -> list[tuple[str, str, list[str]]]:
    """(name, module, base names) of every class in iosim that derives from an exception."""
    classes: dict[str, list[tuple[str, list[str]]]] = {}
    for module, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b).rpartition(".")[2] for b in node.bases]
                classes.setdefault(node.name, []).append((module, bases))

    def is_exception(name: str, seen: frozenset = frozenset()) -> bool:
        builtin = getattr(builtins, name, None)
        if isinstance(builtin, type) and issubclass(builtin, BaseException):
            return True
        return name not in seen and any(is_exception(b, seen | {name}) for _, bs in classes.get(name, []) for b in bs)

    return [(n, m, bs) for n, defs in classes.items() for m, bs in defs if any(map(is_exception, bs))]


EXCEPTIONS = _exception_classes()
BASES = {name: bases for name, _, bases in EXCEPTIONS if not name.startswith("_")}  # public names are unique


def _derives_from_iosim_error(name: str) -> bool:
    return name == "IosimError" or any(_derives_from_iosim_error(b) for b in BASES.get(name, []))


def test_every_public_exception_derives_from_iosim_error_and_is_in_the_tree():
    tree = " ".join((ast.get_docstring(TREES["iosim.errors"]) or "").split())
    public = [(n, m) for n, m, _ in EXCEPTIONS if not n.startswith("_")]
    assert len(public) == len(BASES), "two public exception classes share a name"
    assert {"IosimError", "InputError", "SBMLError", "TrialSpecError"} <= set(BASES)
    outside = [f"{n} ({m})" for n, m in public if not _derives_from_iosim_error(n)]
    assert not outside, f"exceptions that do not derive from IosimError: {', '.join(outside)}"
    undrawn = [f"{n} ({m})" for n, m in public if f" {n} " not in f" {tree} "]
    assert not undrawn, f"add to the tree in iosim/errors.py's docstring: {', '.join(undrawn)}"


def test_private_exceptions_are_caught_where_they_are_raised():
    private = [(n, m) for n, m, _ in EXCEPTIONS if n.startswith("_")]
    assert private  # control-flow signals exist (the solver's _Stop): the check below is not vacuous
    for name, module in private:
        caught = {ast.unparse(h.type) for h in ast.walk(TREES[module]) if isinstance(h, ast.ExceptHandler) and h.type}
        assert any(name in h for h in caught), f"{name} of {module} is never caught there"
    for module, tree in TREES.items():
        defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and _raised_name(node).startswith("_"):
                assert _raised_name(node) in defined, f"{module}:{node.lineno} raises another module's private error"


def _raised_name(node: ast.Raise) -> str:
    exc = node.exc
    if exc is None:
        return ""
    func = exc.func if isinstance(exc, ast.Call) else exc
    return ast.unparse(func).rpartition(".")[2]


def _builtin_raises() -> list[tuple[str, int, str, str, bool]]:
    """(module, line, exception, enclosing function, inside a pydantic validator) of each built-in raise."""
    found = []
    for module, tree in TREES.items():
        for func in [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]:
            decorators = [ast.unparse(d) for d in getattr(func, "decorator_list", [])]
            for node in ast.walk(func):
                if not isinstance(node, ast.Raise):
                    continue
                name = _raised_name(node)
                builtin = getattr(builtins, name, None)
                if isinstance(builtin, type) and issubclass(builtin, BaseException) and name not in BASES:
                    where = getattr(func, "name", "<module>")
                    found.append((module, node.lineno, name, where, any("validator" in d for d in decorators)))
    # A raise is inside several nested scopes; keep its innermost function (the last one found).
    innermost = {}
    for module, line, name, where, in_validator in found:
        innermost[(module, line)] = (name, where, in_validator)
    return [(m, line, *rest) for (m, line), rest in sorted(innermost.items())]


#: The module __getattr__ protocol (lazy attributes of a package).
ALLOWED_BUILTINS = {("iosim", "__getattr__", "AttributeError"), ("iosim.simulation", "__getattr__", "AttributeError")}


def test_no_builtin_exception_is_raised_outside_the_protocols_that_require_one():
    raises = _builtin_raises()
    assert any(in_validator for *_, in_validator in raises)  # the validators' ValueErrors are seen
    wrong = [
        f"{module}:{line} raises {name} in {where}()"
        for module, line, name, where, in_validator in raises
        if not (in_validator and name == "ValueError") and (module, where, name) not in ALLOWED_BUILTINS
    ]
    assert not wrong, "raise a typed error from iosim.errors instead:\n" + "\n".join(wrong)


@pytest.mark.parametrize("name", ["QueueFull", "TrialSpecError", "UnsupportedSBMLError"])
def test_named_exceptions_are_catchable_as_iosim_error(name):
    assert _derives_from_iosim_error(name)
