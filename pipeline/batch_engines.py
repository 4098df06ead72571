"""Engines for ``run_batch``: each calls ``process_one`` for every job and yields the records as they finish.

- ``local``: N long-lived worker processes (multiprocessing, "spawn" start method: no fork of a process that
  may hold threads or models). Each takes one job at a time over its own pipe and keeps its models between
  documents (``models/catalog.py`` shares them per process), so a model loads once per worker. A worker that
  dies (killed, out of memory, a crash in native code) costs only the document it held: that document is
  recorded as failed and a fresh worker takes the next job. ``workers=0`` runs in this process (debugging).
- ``ray``: one Ray actor per worker, same contract. ``ray.init(address=...)`` joins a running cluster (or
  the one ``RAY_ADDRESS`` names); without an address a local instance with ``workers`` CPUs is started and
  shut down afterwards. On a cluster of several machines, inputs and the output folder must be on storage
  every node sees under the same path: the actors read the inputs and write the outputs themselves.

Threads: when the config leaves ``[models] threads = 0``, the model backends of each local worker get
``cpu_count // N`` threads, so N workers do not oversubscribe the cores; each Ray actor reserves one CPU and
gets one thread. BLAS libraries (numpy, hence the USE embedder) get one thread per worker through
``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``/``MKL_NUM_THREADS`` unless those are already set: a batch is
parallel across documents, and on the shared 2-core test machine one BLAS thread per worker aligned a
document 3 to 6 times faster than two (0.9-1.3 s against 4.0-7.7 s median, 12 documents, fast config).
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.batch import BatchRecord, config_hash, process_one
from pipeline.batch_pairing import Job
from pipeline.config import Config
from pipeline.errors import ConfigError, PipelineError

log = logging.getLogger("undoc.batch")
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_STOP_SECONDS = 10.0
_START_SECONDS = 5.0
READY = "ready"


def run(engine: str, jobs: list[Job], config: Config, out_dir: Path, stages: list[str], workers: int,
        ray_address: str | None = None) -> Iterator[BatchRecord]:
    """Records for ``jobs`` in the order they finish."""
    if not jobs:
        return
    if engine == "ray":
        yield from run_ray(jobs, config, out_dir, stages, workers, ray_address)
    elif workers == 0:
        for job in jobs:
            yield process_one(job, config, out_dir, stages)
    else:
        yield from run_local(jobs, config, out_dir, stages, workers)


def with_threads(config: Config, threads: int) -> Config:
    """The config with ``[models] threads`` set, unless the user chose a number."""
    if config.models.threads:
        return config
    return dataclasses.replace(config, models=dataclasses.replace(config.models, threads=threads))


def died_record(job: Job, config: Config, stages: list[str], how: str) -> BatchRecord:
    record = BatchRecord.for_job(job, "failed", config_hash(config, stages))
    record.error = f"{Path(job.zh).name}: the worker {how} while processing it; it will be retried on the next run"
    record.error_type = "internal"
    return record


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        hint = ", probably out of memory" if code == -signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"exited with code {code}"


# -- local worker processes -------------------------------------------------------------------------------


def _worker_main(conn: multiprocessing.connection.Connection, config: Config, out_dir: str,
                 stages: list[str], log_level: int) -> None:
    """Loop of one worker process: a job in, its record out, until told to stop (None) or the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops the workers
    for var in _THREAD_VARS:
        os.environ.setdefault(var, "1")
    logging.basicConfig(level=log_level, format="undoc: %(levelname)s: %(message)s")
    conn.send(READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            conn.send(process_one(job, config, out_dir, stages))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, ctx: Any, args: tuple[Any, ...]) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, *args), name="undoc-batch-worker")
        self.proc.start()
        child.close()
        self.job: Job | None = None
        self.ready = False

    def wait_ready(self) -> None:
        """Block until the worker has started; a worker that cannot start stops the batch (it would fail
        every document the same way)."""
        while not self.ready:
            multiprocessing.connection.wait([self.conn, self.proc.sentinel], timeout=_START_SECONDS)
            try:
                if self.conn.poll() and self.conn.recv() == READY:
                    self.ready = True
                    return
            except (EOFError, OSError):
                pass
            if not self.proc.is_alive():
                self.proc.join()
                raise PipelineError(
                    f"a batch worker process could not start ({_exit_text(self.proc.exitcode)}; its error is above); "
                    "a script that calls run_batch must do so under if __name__ == \"__main__\":")

    def give(self, job: Job) -> None:
        self.job = job
        self.conn.send(job)

    def take(self) -> BatchRecord | None:
        """The finished record, or None when the process died."""
        try:
            if self.conn.poll():
                return self.conn.recv()
        except (EOFError, OSError):
            pass
        self.proc.join(1.0)
        return None

    def stop(self) -> None:
        """Ask an idle worker to finish; end a busy one at once (its document is redone next run)."""
        if self.job is None and self.proc.is_alive():
            try:
                self.conn.send(None)
                self.proc.join(_STOP_SECONDS)
            except OSError:
                pass
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(_STOP_SECONDS)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_local(jobs: list[Job], config: Config, out_dir: Path, stages: list[str],
              workers: int) -> Iterator[BatchRecord]:
    ctx = multiprocessing.get_context("spawn")
    workers = max(1, min(workers, len(jobs)))
    threads = max(1, (os.cpu_count() or 1) // workers)
    args = (with_threads(config, threads), str(out_dir), stages, logging.getLogger().getEffectiveLevel())
    queue = deque(jobs)
    pool = [_Worker(ctx, args) for _ in range(workers)]
    try:
        for worker in pool:
            worker.wait_ready()
            worker.give(queue.popleft())
        while busy := [w for w in pool if w.job is not None]:
            ready = set(multiprocessing.connection.wait([w.conn for w in busy] + [w.proc.sentinel for w in busy]))
            for worker in busy:
                if worker.conn not in ready and worker.proc.sentinel not in ready:
                    continue
                job = worker.job
                assert job is not None
                record = worker.take()
                if record is None:
                    record = died_record(job, config, stages, _exit_text(worker.proc.exitcode))
                    log.warning("%s", record.error)
                    worker.job = None
                    worker.stop()
                    pool[pool.index(worker)] = worker = _Worker(ctx, args)
                    worker.wait_ready()
                worker.job = None
                if queue:
                    worker.give(queue.popleft())
                yield record
    finally:
        for worker in pool:
            worker.stop()


# -- Ray actors ---------------------------------------------------------------------------------------------


class RayWorker:
    """A Ray actor holding one worker's models; ``process`` is ``process_one``."""

    def __init__(self, config: Config, out_dir: str, stages: list[str]) -> None:
        self.config, self.out_dir, self.stages = config, out_dir, stages

    def process(self, job: Job) -> BatchRecord:
        return process_one(job, self.config, self.out_dir, self.stages)


def run_ray(jobs: list[Job], config: Config, out_dir: Path, stages: list[str], workers: int,
            address: str | None = None) -> Iterator[BatchRecord]:
    try:
        import ray
        from ray.exceptions import RayActorError, RayError
    except ImportError:
        raise ConfigError("the ray engine needs Ray: pip install 'undoc[batch]' (or use --engine local)") from None
    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {"include_dashboard": False}
        if address is None and not os.environ.get("RAY_ADDRESS"):
            options["num_cpus"] = workers
        ray.init(address=address, **options)
    actor_class = ray.remote(num_cpus=1)(RayWorker)
    worker_config = with_threads(config, 1)

    def start() -> Any:
        return actor_class.remote(worker_config, str(out_dir), stages)

    queue = deque(jobs)
    actors = [start() for _ in range(min(workers, len(jobs)))]
    running: dict[Any, tuple[Any, Job]] = {}

    def give(actor: Any) -> None:
        job = queue.popleft()
        running[actor.process.remote(job)] = (actor, job)

    try:
        for actor in actors:
            give(actor)
        while running:
            ready, _ = ray.wait(list(running), num_returns=1)
            actor, job = running.pop(ready[0])
            try:
                record = ray.get(ready[0])
            except RayActorError as exc:
                record = died_record(job, config, stages, f"actor died ({type(exc).__name__})")
                ray.kill(actor, no_restart=True)
                actors[actors.index(actor)] = actor = start()
            except RayError as exc:
                record = died_record(job, config, stages, f"task failed ({type(exc).__name__})")
            if queue:
                give(actor)
            yield record
    finally:
        for actor in actors:
            ray.kill(actor, no_restart=True)
        if started_here:
            ray.shutdown()
