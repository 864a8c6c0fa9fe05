"""Run the per-submission work (:func:`autograder.worker.grade_submission`) on Dask distributed.

``lrcourse grade A SUBS --out OUT --dask tcp://scheduler:8786`` sends one task per submission to an
existing cluster; ``--dask local`` starts a :class:`distributed.LocalCluster`. Results come back
to the parent, which alone scores them and writes the gradebook. Workers must have this package
installed and should run as root so the sandbox can switch to private uids (otherwise isolation
degrades to rlimits, as reported in the log).
"""

from __future__ import annotations


def run_on_dask(todo: list, commit, dask, jobs: int, bar) -> None:
    from distributed import Client, LocalCluster, as_completed

    from .worker import error_row, grade_submission

    cluster = None
    own_client = True
    if isinstance(dask, Client):
        client, own_client = dask, False
    elif dask == "local":
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(str(dask), timeout=10)
    try:
        futures = [client.submit(grade_submission, job, pure=False, key=f"grade-{job['student_id']}-{job['key'][:12]}")
                   for job in todo]
        by_key = {f.key: job for f, job in zip(futures, todo)}
        for fut in as_completed(futures):
            job = by_key[fut.key]
            try:
                commit(fut.result())
            except Exception as exc:  # noqa: BLE001 - a lost worker must not stop the class
                commit(error_row(job, f"grader-error: {type(exc).__name__}: {exc}"))
            bar.update()
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()
