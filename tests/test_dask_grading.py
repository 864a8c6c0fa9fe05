"""The same per-submission grading on a local Dask cluster gives the same grades as the pool."""

from __future__ import annotations

import csv
import shutil

import pytest

from autograder.course import REPO_ROOT

pytestmark = [pytest.mark.grading, pytest.mark.dask]


def test_grading_on_a_local_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    from autograder import grade

    subs = tmp_path / "subs"
    for student, folder in (("source", "solutions"), ("blank", "exercises")):
        (subs / student).mkdir(parents=True)
        shutil.copy(REPO_ROOT / folder / "sgdr" / "sgdr.ipynb", subs / student / "sgdr.ipynb")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        run = grade("sgdr", subs, tmp_path / "out", dask=client, timeout=60, progress=False)
    assert run.executed == 2
    assert run["source"].score == run.max_score == 10
    assert run["blank"].score == 0
    with open(tmp_path / "out" / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert float(rows["source"]["score"]) == 10 and float(rows["blank"]["score"]) == 0
    assert (tmp_path / "out" / "gradebook.db").is_file()
