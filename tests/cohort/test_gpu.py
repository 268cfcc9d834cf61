"""The GPU cohort engine (``iosim.cohort.gpu``) against the CPU engine and closed forms.

Without a GPU the kernel runs in numba-cuda's simulator (``NUMBA_ENABLE_CUDASIM=1``, set
here unless given), which executes the same kernel source as Python on the CPU. On a
machine with a GPU, ``NUMBA_ENABLE_CUDASIM=0 pytest tests/cohort/test_gpu.py`` runs it on
the device. Skipped when numba-cuda is not installed (it is the optional ``iosim[gpu]``).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("numba_cuda")
if "numba.cuda" not in sys.modules:
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")  # read once, when numba.cuda is first imported

import iosim  # noqa: E402
from iosim import SolverOptions, bolus, infusion, set_state  # noqa: E402
from iosim.cohort import simulate_cohort  # noqa: E402
from iosim.cohort.gpu import simulate_cohort_gpu  # noqa: E402
from iosim.errors import InputError  # noqa: E402
from iosim.simulation.reference import doses_within  # noqa: E402

cuda = pytest.importorskip("numba.cuda")
if not cuda.is_available():
    pytest.skip("no GPU and the CUDA simulator is off", allow_module_level=True)
SIMULATOR = bool(getattr(cuda, "config", None) and cuda.config.ENABLE_CUDASIM)


def _kuznetsov_cohort():
    """Six patients: per-patient growth rate, initial tumour and dose scale; effector boluses."""
    model = iosim.get_model("kuznetsov1994")
    kw = {
        "params": {"a": [0.05, 0.1, 0.18, 0.25, 0.12, 0.3]},
        "initial": {"T": [1e3, 1e6, 5e6, 1e5, 2e4, 1e7]},
        "regimen": bolus("E", 2e6, at=5, every=10, count=5),
        "dose_scale": [1.0, 2.0, 0.5, 1.0, 3.0, 1.0],
        "rtol": 1e-6,
        "atol": 1e-6,
    }
    return model, kw


@pytest.mark.parametrize(("gpu_method", "cpu_method"), [("auto", "tsit5"), ("dopri5", "dopri5")])
def test_kuznetsov_with_doses_matches_the_cpu_engine(gpu_method, cpu_method):
    # The GPU runs the CPU kernel's explicit pair: Tsitouras' for auto (no stiff switch there), Dormand–Prince's
    # for dopri5.
    model, kw = _kuznetsov_cohort()
    solver = SolverOptions(method=gpu_method, rtol=kw.pop("rtol"), atol=kw.pop("atol"))
    gpu = simulate_cohort_gpu(model, 120, solver=solver, **kw)
    cpu = simulate_cohort(model, 120, solver=replace(solver, method=cpu_method), **kw)
    assert gpu.status.tolist() == ["ok"] * 6 and not gpu.stiff.any()
    # Three patients clear the tumour: the extinction rule must fire at the same output times.
    cleared = (cpu["T"] == 0.0).sum(axis=1)
    assert (cleared > 0).sum() == 3
    np.testing.assert_array_equal((gpu["T"] == 0.0).sum(axis=1), cleared)
    # Same algorithm and tolerances: only rounding differs (the GPU fuses multiply-adds its own
    # way), which can flip one accept/reject decision and move a value by up to ~rtol.
    np.testing.assert_allclose(gpu.y, cpu.y, rtol=1e-5, atol=1e-6)
    if SIMULATOR:
        # The simulator runs the kernel in Python's float64: the step controller must take
        # the very same steps as the CPU kernel.
        np.testing.assert_array_equal(gpu.steps, cpu.steps)
    # The other pair is another method: the two differ by their global errors at rtol 1e-6 (measured:
    # 1.4e-5 relative), within the engines' 1e-4 contract.
    other = simulate_cohort(model, 120, solver=replace(solver, method="dopri5" if cpu_method == "tsit5" else "tsit5"),
                            **kw)  # fmt: skip
    np.testing.assert_allclose(gpu.y, other.y, rtol=1e-4, atol=1e-6)
    assert not np.array_equal(gpu.steps, other.steps)


def test_final_only_and_explicit_times_match_the_daily_grid():
    model, kw = _kuznetsov_cohort()
    kw["regimen"] = doses_within(kw["regimen"], 40)  # a dose after the simulated span is refused
    daily = simulate_cohort_gpu(model, 40, **kw)
    last = simulate_cohort_gpu(model, 40, final_only=True, **kw)
    assert last.y.shape == (6, 1, 2)
    # Dense output at t = 40 vs a step landing on t = 40: both within the tolerance.
    np.testing.assert_allclose(last.y[:, 0], daily.y[:, -1], rtol=1e-5, atol=1e-6)
    some = simulate_cohort_gpu(model, 40, times=[0.0, 5.0, 12.5, 40.0], **kw)
    np.testing.assert_allclose(some.y[:, [0, 1, 3]], daily.y[:, [0, 5, 40]], rtol=1e-5, atol=1e-6)
    # t = 5 is a dose time: the value reported there is the post-dose one (2e6 effectors added).
    assert np.all(some["E"][:, 1] > 2e6 * 0.5)


def test_doses_are_exact_against_closed_forms(toy):
    # A' = -k A: boluses scaled per patient, then an infusion and a set-event (conftest.py).
    k = np.array([0.5, 0.2])
    reg = bolus("A", 10.0, at=2, every=7, count=2) + infusion("A", duration=3.0, rate=2.0, at=16.0)
    reg = reg + set_state("A", 5.0, at=22.0)
    res = simulate_cohort_gpu(toy, 30, params={"k": k}, regimen=reg, dose_scale=[1.0, 2.5], rtol=1e-9,
                              output_every=0.5)  # fmt: skip
    t = res.t
    for i, (ki, sc) in enumerate(zip(k, [1.0, 2.5])):
        A = sum(sc * 10.0 * np.exp(-ki * (t - td)) * (t >= td) for td in (2.0, 9.0))
        inf = sc * 2.0 / ki * (1 - np.exp(-ki * (np.clip(t, 16.0, 19.0) - 16.0)))
        A = A + inf * np.exp(-ki * np.clip(t - 19.0, 0.0, None))
        A = np.where(t >= 22.0, 5.0 * np.exp(-ki * (t - 22.0)), A)  # set-events are not scaled
        # Exact solution, rtol 1e-9: the global error is a few times rtol.
        np.testing.assert_allclose(res["A"][i], A, rtol=1e-6, atol=1e-9)


def test_extinction_at_the_crossing_and_held_at_zero(toy):
    # C = 1000 exp(-0.7 t) crosses 1 cell at t* = ln(1000)/0.7 = 9.87 days; a second patient
    # starts below 1 cell, so the rule applies before the first step and C stays exactly 0.
    res = simulate_cohort_gpu(toy, 15, initial={"C": [1e3, 0.5]}, rtol=1e-9, output_every=0.25)
    t_star = math.log(1e3) / 0.7
    c = res["C"][0]
    before = res.t < t_star
    np.testing.assert_allclose(c[before], 1e3 * np.exp(-0.7 * res.t[before]), rtol=1e-6)
    assert np.all(c[~before] == 0.0) and np.all(res["C"][1] == 0.0)
    off = simulate_cohort_gpu(toy, 15, rtol=1e-9, output_every=0.25, extinction=False)
    assert off["C"][0, -1] == pytest.approx(1e3 * math.exp(-0.7 * 15), rel=1e-6)


def test_failures_are_statuses_and_stiff_patients_hit_max_steps(toy):
    # q B0 = 0.1 per day: B blows up at day 10; lam = 1e5 is stiff (the default pair, Tsitouras', like Dormand–Prince
    # needs ~6e5 steps: 20 days x 1e5 over h lam at the stability limit, about 3.3-3.5).
    res = simulate_cohort_gpu(toy, 20, params={"q": [0.0, 0.1, 0.0, 0.0], "lam": [2.0, 2.0, 2.0, 1e5]},
                              rtol=1e-8, max_steps=2_000)  # fmt: skip
    assert res.status[0] == "ok" and res.status[2] == "ok"
    assert res.status[1] in {"max_steps", "step_too_small", "not_finite"}
    assert res.status[3] == "max_steps" and res.steps[3] == 2_000
    assert np.all(np.isnan(res["B"][1, res.t > 10.5])) and np.all(np.isnan(res.y[3, 1:]))
    np.testing.assert_allclose(res["B"][1, res.t < 9], 1 / (1 - 0.1 * res.t[res.t < 9]), rtol=1e-6)
    np.testing.assert_array_equal(res.y[0], res.y[2])


def test_batches_and_block_size_do_not_change_results():
    model, kw = _kuznetsov_cohort()
    kw["regimen"] = doses_within(kw["regimen"], 30)
    base = simulate_cohort_gpu(model, 30, **kw)
    other = simulate_cohort_gpu(model, 30, batch_size=4, threads_per_block=3, patient_ids=list("abcdef"), **kw)
    np.testing.assert_array_equal(other.y, base.y)
    np.testing.assert_array_equal(other.steps, base.steps)
    assert other.to_dataframe()["patient"].iloc[-1] == "f"


def test_bad_inputs_and_a_missing_gpu_raise_input_errors(monkeypatch):
    with pytest.raises(InputError, match="threads_per_block"):
        simulate_cohort_gpu("kuznetsov1994", 5, threads_per_block=0)
    with pytest.raises(InputError, match="bounds"):
        simulate_cohort_gpu("kuznetsov1994", 5, params={"a": [-1.0]})
    with pytest.raises(InputError, match="'auto', 'tsit5' or 'dopri5'.*use simulate_cohort for 'rosenbrock'"):
        simulate_cohort_gpu("kuznetsov1994", 5, solver=SolverOptions(method="rosenbrock"))
    monkeypatch.setattr(cuda, "is_available", lambda: False)
    with pytest.raises(InputError, match=r"install iosim\[gpu\] and run on a machine with an NVIDIA GPU"):
        simulate_cohort_gpu("kuznetsov1994", 5)


_PTX = """
import numba.cuda.dispatcher as dispatcher
from numba import cuda, float64, int64, types

class Device:  # device functions ask the current device for its compute capability
    compute_capability = (9, 0)

dispatcher.get_current_device = Device
from numba.cuda.cudadrv import nvvm
if not nvvm.is_available():
    print("NO NVVM")
    raise SystemExit(0)
import iosim
from iosim.kernels.loader import load_module
from iosim.cohort.gpu import kernel_file

kernel = load_module(kernel_file(iosim.get_model("kuznetsov1994"))).solve_kernel
A1, A2, A3 = (types.Array(float64, d, "C") for d in (1, 2, 3))
I1 = types.Array(int64, 1, "C")
sig = (A2, A2, A2, A1, I1, I1, I1, I1, A1, A2, A1, A1, float64, float64, int64, A3, I1, I1, types.UniTuple(float64, 60))
try:
    ptx, _ = cuda.compile_ptx(kernel.py_func, sig, cc=(9, 0))
except Exception as e:  # plain numba-cuda brings no CUDA runtime compiler (NVRTC): [cu12] does
    if "nvrtc" not in str(e).lower():
        raise
    print("NO NVRTC")
    raise SystemExit(0)
print("PTX", len(ptx), "local depot" in ptx)
"""


@pytest.mark.slow
def test_kernel_compiles_for_an_h100_without_a_gpu(tmp_path):
    # The simulator runs Python, so it cannot catch what the CUDA compiler rejects: compile
    # the real kernel to PTX for sm_90 (needs NVVM and NVRTC, from numba-cuda[cu12]; skipped without).
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "0", "IOSIM_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(_PTX)], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    if "NO NVVM" in out.stdout or "NO NVRTC" in out.stdout:
        pytest.skip("the CUDA compiler libraries (NVVM, NVRTC: numba-cuda[cu12]) are not installed")
    # Every per-patient array stays in registers: no local-memory depot in the PTX.
    assert out.stdout.split()[-1] == "False", out.stdout
