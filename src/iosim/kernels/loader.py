"""Generated kernels: source from a model, content hash, atomic write, import, warm-up, registry.

Every engine that compiles model code (the CPU and GPU cohort engines, the stochastic
engines) describes its kernels with one :class:`KernelKind` and goes through this module:

1. ``kind.source(model)`` generates the module text (a pure function of the declaration);
2. its key is a hash of that text, of the shared numerics modules the kernel imports
   (``kind.depends``) and of the compiler versions, so a changed model, a changed solver
   or an upgraded numba gets a new file and never a stale compiled kernel;
3. the file ``$IOSIM_CACHE_DIR/<kind.folder>/<kind.prefix><hash>.py`` (default root
   ``~/.cache/iosim``) is written under a temporary name and moved into place: processes
   generating the same kernel at once never see a torn file, and an existing file is never
   rewritten, which keeps numba's own on-disk cache (``__pycache__`` beside it) valid;
4. the file is imported once per process and warmed up (compiled, or loaded from numba's
   cache) once per process.

What was generated and loaded is remembered here, in module-level registries keyed by the
model's equations (:func:`model_digest`), the kind and the cache folder; nothing is stored on
the (frozen) :class:`~iosim.model.Model`. Two models with the same equations (a copy with
other parameter values, the same model built twice, or unpickled in a worker) share one
kernel. A :class:`KernelFile` carries its compressed source, so a Dask worker on another
machine writes the file into its own cache instead of failing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from iosim.files import write_atomically
from iosim.model.declaration import Model


def cache_root() -> Path:
    """Root of the kernel cache: ``$IOSIM_CACHE_DIR`` or ``~/.cache/iosim``."""
    return Path(os.environ.get("IOSIM_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "iosim"))


def numba_versions() -> str:
    """The compiler versions that compiled code depends on (part of every CPU kernel's key)."""
    import numba

    return f"numba {numba.__version__} python {sys.version_info[:3]}"


@dataclass(frozen=True)
class KernelKind:
    """One family of generated kernels and how to make one.

    ``source(model)`` returns the module text; ``depends`` names the package modules the
    generated module imports compiled functions from (their text is part of the key, because
    numba's cache of a generated function embeds them); ``versions()`` names the compilers;
    ``warm_up(module, model)`` compiles (or loads from numba's cache) what real calls use.
    """

    name: str
    folder: str
    prefix: str
    source: Callable[[Model], str]
    depends: tuple[str, ...] = ()
    versions: Callable[[], str] = numba_versions
    warm_up: Callable[[ModuleType, Model], None] | None = None


@dataclass(frozen=True)
class KernelFile:
    """A generated kernel module on disk; picklable, so worker processes can load it.

    It carries its source (compressed, ~10 kB), so a worker on another machine or with
    another cache folder writes the file into its own cache instead of failing.
    """

    path: str
    key: str
    folder: str
    packed: bytes = field(default=b"", repr=False, compare=False)

    def load(self) -> ModuleType:
        return load_module(self)

    def local(self) -> KernelFile:
        """This kernel in this process's cache folder (written there if it is missing)."""
        if Path(self.path).is_file():
            return self
        path = write_atomically(cache_root() / self.folder / f"{self.key}.py", zlib.decompress(self.packed).decode())
        return KernelFile(str(path), self.key, self.folder, self.packed)


_LOCK = LOCK = threading.RLock()  # also held by engines compiling a kernel apart
#: (model digest, kind, cache root) -> the kernel file generated for it in this process.
_FILES: dict[tuple[str, str, str], KernelFile] = {}
#: kernel key -> its imported module (numba compiles on the first call).
_MODULES: dict[str, ModuleType] = {}
#: kernel keys whose module was warmed up in this process.
_WARM: set[str] = set()
#: id(model) -> (model, digest): the digest of a model object already seen (kept alive with it).
_DIGESTS: dict[int, tuple[Model, str]] = {}
_MAX_DIGESTS = 256


def model_digest(model: Model) -> str:
    """A hash of what generated kernels read from ``model``: its names and equations.

    Parameter values, initial values, thresholds, the id and the documentation are run-time
    inputs or text, not code: models differing only in those share their kernels.
    """
    seen = _DIGESTS.get(id(model))
    if seen is not None and seen[0] is model:
        return seen[1]
    content = (
        model.state_names,
        model.parameter_names,
        model.named_expressions(),
        model.equations,
        tuple((r.name, r.changes) for r in model.reactions),
    )
    digest = hashlib.sha256(repr(content).encode()).hexdigest()[:32]
    with _LOCK:
        if len(_DIGESTS) >= _MAX_DIGESTS:
            _DIGESTS.clear()
        _DIGESTS[id(model)] = (model, digest)
    return digest


def _module_text(name: str) -> str:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name
    return Path(spec.origin).read_text(encoding="utf-8")


def in_numba_cache(dispatcher: object) -> bool:
    """Whether numba's on-disk cache holds compiled code of ``dispatcher`` (its index file exists)."""
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    index = getattr(cache_file, "_index_path", None)
    return isinstance(index, str) and os.path.isfile(index)


def kernel_key(kind: KernelKind, source: str) -> str:
    """The file name (without ``.py``) of a kernel: its prefix and a hash of everything it compiles from."""
    h = hashlib.sha256(source.encode())
    for name in kind.depends:
        h.update(f"\n# {name}\n{_module_text(name)}".encode())
    h.update(f"\n# {kind.versions()}".encode())
    return kind.prefix + h.hexdigest()[:24]


def kernel_file(model: Model, kind: KernelKind) -> KernelFile:
    """Generate (or find) the kernel module of ``model``; compiles nothing.

    The source is generated once per process for each set of equations (see
    :func:`model_digest`) and cache folder; later calls return the registered file.
    """
    root = cache_root()
    slot = (model_digest(model), kind.name, str(root))
    with _LOCK:
        kf = _FILES.get(slot)
        if kf is not None and Path(kf.path).is_file():
            return kf
        source = kind.source(model)
        key = kernel_key(kind, source)
        path = write_atomically(root / kind.folder / f"{key}.py", source)
        kf = KernelFile(str(path), key, kind.folder, zlib.compress(source.encode(), 6))
        _FILES[slot] = kf
    return kf


def load_module(kf: KernelFile) -> ModuleType:
    """Import a kernel module once per process (numba compiles or loads it on first call)."""
    with _LOCK:
        module = _MODULES.get(kf.key)
        if module is None:
            kf = kf.local()
            name = f"iosim_kernel_{kf.key}"
            spec = importlib.util.spec_from_file_location(name, kf.path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # numba's cache finds the module by this name
            spec.loader.exec_module(module)
            _MODULES[kf.key] = module
    return module


def kernel_module(model: Model, kind: KernelKind) -> ModuleType:
    """The imported, warmed-up kernel module of ``model`` (generated and compiled at most once)."""
    kf = kernel_file(model, kind)
    module = load_module(kf)
    if kind.warm_up is not None and kf.key not in _WARM:
        kind.warm_up(module, model)
        with _LOCK:
            _WARM.add(kf.key)
    return module
