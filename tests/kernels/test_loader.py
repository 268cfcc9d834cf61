"""The kernel loader: one generation per set of equations, shared by equal models, kept off the Model."""

from __future__ import annotations

import pickle
from dataclasses import fields
from functools import cached_property
from pathlib import Path

from iosim import Reference
from iosim.kernels import loader
from iosim.kernels.loader import KernelKind, kernel_file, kernel_module, model_digest
from iosim.model import ModelBuilder

CALLS: list[str] = []


def _source(model) -> str:
    CALLS.append(model.id)
    return f"N = {len(model.states)}\nEQUATIONS = {str(model.equations)!r}\n"


def _warm(module, model) -> None:
    module.WARMED = getattr(module, "WARMED", 0) + 1


KIND = KernelKind("test_decay", "test_kernels", "t_", _source, versions=lambda: "test", warm_up=_warm)


def _decay(model_id: str = "decay", rate: float = 0.5):
    b = ModelBuilder(model_id, "first-order decay", reference=Reference("iosim tests"))
    x = b.state("x", "1", "decaying quantity", initial=1.0)
    k = b.parameter("k", rate, "1/day", "decay rate", source="test value")
    b.equation(x, -k * x)
    return b.build()


def test_a_model_is_generated_once_and_then_served_from_the_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(tmp_path))
    CALLS.clear()
    model = _decay()
    first = kernel_file(model, KIND)
    again = kernel_file(model, KIND)
    assert again is first and CALLS == ["decay"]  # no second generation
    assert Path(first.path) == tmp_path / "test_kernels" / f"{first.key}.py" and first.key.startswith("t_")
    module = kernel_module(model, KIND)
    assert kernel_module(model, KIND) is module and module.WARMED == 1  # imported and warmed up once
    # nothing about kernels is written onto the frozen Model: its fields, and its own cached properties
    cached = {name for name, v in vars(type(model)).items() if isinstance(v, cached_property)}
    assert set(vars(model)) <= {f.name for f in fields(model)} | cached


def test_models_with_equal_equations_share_one_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(tmp_path))
    CALLS.clear()
    a = _decay()
    twin = _decay()  # built again: an equal, separate object
    other_values = _decay("renamed", rate=2.0)  # other id and parameter value, same equations
    unpickled = pickle.loads(pickle.dumps(a))  # as a worker process receives it
    kf = kernel_file(a, KIND)
    assert all(kernel_file(m, KIND) is kf for m in (twin, other_values, unpickled))
    assert CALLS == ["decay"]
    assert model_digest(a) == model_digest(other_values)


def test_other_equations_get_another_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(tmp_path))
    b = ModelBuilder("decay", "second-order decay", reference=Reference("iosim tests"))
    x = b.state("x", "1", "decaying quantity", initial=1.0)
    k = b.parameter("k", 0.5, "1/day", "decay rate", source="test value")
    b.equation(x, -k * x * x)
    assert model_digest(b.build()) != model_digest(_decay())
    assert kernel_file(b.build(), KIND).path != kernel_file(_decay(), KIND).path


def test_the_cache_folder_follows_iosim_cache_dir(tmp_path, monkeypatch):
    model = _decay()
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(tmp_path / "one"))
    one = kernel_file(model, KIND)
    monkeypatch.setenv("IOSIM_CACHE_DIR", str(tmp_path / "two"))
    two = kernel_file(model, KIND)
    assert Path(one.path).parent == tmp_path / "one" / "test_kernels"
    assert Path(two.path).parent == tmp_path / "two" / "test_kernels" and two.key == one.key


def test_the_key_follows_the_shared_modules_the_kernel_imports():
    plain = loader.kernel_key(KIND, "x = 1\n")
    with_dep = loader.kernel_key(KernelKind("d", "f", "t_", _source, depends=("iosim.files",), versions=lambda: "test"),
                                 "x = 1\n")  # fmt: skip
    assert plain != with_dep
    other_compiler = loader.kernel_key(KernelKind("c", "f", "t_", _source, versions=lambda: "other"), "x = 1\n")
    assert other_compiler != plain
