"""Where work runs: order, bounded memory, errors, and a Dask worker lost mid-task."""

import os
import threading

import pytest

from iosim import parallel
from iosim.errors import InputError
from iosim.parallel import Backend, run_tasks


def _square(x):
    return x * x


def _fail_on_three(x):
    if x == 3:
        raise ValueError("bad input 3")
    return x


def _die_once(x, marker):
    # The first worker to reach task 5 dies as if killed (no exception, no clean-up).
    if x == 5 and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return x * 10


@pytest.mark.parametrize(
    "backend", [Backend(), Backend(threads=3), Backend(workers=2)], ids=["serial", "threads", "processes"]
)
def test_results_come_back_in_order_or_as_completed(backend):
    ordered = list(run_tasks(_square, ((i,) for i in range(23)), backend))
    assert ordered == [(i, i * i) for i in range(23)]
    loose = list(run_tasks(_square, ((i,) for i in range(23)), backend, ordered=False))
    assert sorted(loose) == ordered


def test_only_a_few_tasks_are_taken_from_the_generator_ahead_of_the_consumer():
    backend = Backend(threads=2)
    taken = []
    lock = threading.Lock()

    def tasks():
        for i in range(100):
            with lock:
                taken.append(i)
            yield (i,)

    for i, _ in run_tasks(_square, tasks(), backend):
        # Never more than `width` tasks submitted beyond those already yielded.
        assert len(taken) <= i + 1 + backend.width


def test_an_error_in_a_task_reaches_the_caller():
    with pytest.raises(ValueError, match="bad input 3"):
        list(run_tasks(_fail_on_three, ((i,) for i in range(6)), Backend(threads=2)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"workers": 0}, "workers must be"),
        ({"threads": 1.5}, "threads must be"),
        ({"cluster": "kubernetes"}, "only cluster"),
        ({"scheduler": "127.0.0.1:8786"}, "tcp://"),
        ({"cluster": "local", "scheduler": "tcp://127.0.0.1:8786"}, "not both"),
    ],
)
def test_bad_backends_are_refused_with_one_line(kwargs, message):
    with pytest.raises(InputError, match=message):
        Backend(**kwargs)


def test_unreachable_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT_S", 1.0)
    # Port 9 (discard) on localhost: nothing listens there in a test environment.
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        list(run_tasks(_square, [(1,)], Backend(scheduler="tcp://127.0.0.1:9")))


def test_dask_reruns_the_task_of_a_worker_that_died(tmp_path):
    marker = str(tmp_path / "died")
    results = dict(run_tasks(_die_once, ((i, marker) for i in range(12)), Backend(workers=2, cluster="local")))
    assert os.path.exists(marker)  # a worker really died on task 5 ...
    assert results == {i: i * 10 for i in range(12)}  # ... and every task still has its result


def test_a_running_cluster_is_used_by_its_address():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        backend = Backend(scheduler=cluster.scheduler_address)
        assert list(run_tasks(_square, ((i,) for i in range(9)), backend)) == [(i, i * i) for i in range(9)]


def _thread_vars(_):
    return {name: os.environ.get(name) for name in parallel.WORKER_THREAD_VARS}


def test_worker_processes_run_one_blas_thread_and_the_callers_environment_is_kept(monkeypatch):
    for name in parallel.WORKER_THREAD_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the user's own setting wins
    seen = [env for _, env in run_tasks(_thread_vars, ((i,) for i in range(2)), Backend(workers=2))]
    assert all(env == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "3", "MKL_NUM_THREADS": "1"} for env in seen)
    assert os.environ.get("OPENBLAS_NUM_THREADS") is None and os.environ["OMP_NUM_THREADS"] == "3"
