"""Sandbox self-check (autograder/probe.py): what a student's sandbox really gets, observed from inside.

The probe starts the same launcher and sandbox config as a submission's kernel. As root every
mechanism must be verified; a mechanism switched off behind the grader's back (the network
namespace, a weaker memory limit) must be reported as NOT in force, loudly, and grading goes on.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket

import pytest

from autograder import pipeline
from autograder.course import REPO_ROOT
from autograder.executor import Limits
from autograder.probe import Check, ProbeReport, _expectations, probe_sandbox

pytestmark = pytest.mark.grading

ALL_CHECKS = {"uid", "signal", "solutions", "out_dir", "submissions", "write", "network", "mount_ns", "ipc_ns",
              "private_tmp", "memory", "rlimits", "process_group", "env", "scratch"}
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the full sandbox needs root")


@pytest.fixture
def course(tmp_path):
    """A submissions folder with one student, an output folder, and the hide list of a grading run."""
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "exercises" / "sgdr" / "sgdr.ipynb", subs / "alice" / "sgdr.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier-results.csv").write_text("student_id,score\nbob,10\n")
    hide = [str(REPO_ROOT / "solutions"), str(out), str(subs), *(str(p) for p in REPO_ROOT.glob("*.db"))]
    return {"root": REPO_ROOT, "out_dir": out, "submissions_dir": subs, "hide": hide}


@needs_root
def test_probe_as_root_verifies_every_mechanism(course):
    report = probe_sandbox(**course, limits=Limits(memory_mb=1024))
    assert report.error == ""
    assert {c.name for c in report.checks} >= ALL_CHECKS
    failed = [(c.name, c.detail) for c in report.checks if not c.holds]
    assert failed == []
    assert all(c.expected and c.verdict == "verified" for c in report.checks)
    assert report.status == "VERIFIED" and report.warnings() == []
    facts = report.facts
    assert facts["uid"] >= 62000 and facts["euid"] == facts["uid"] and facts["groups"] == []
    assert facts["connect"]["status"] == "failed" and facts["interfaces_up"] == []
    assert facts["rlimits"]["RLIMIT_AS"][0] == 1024 * 1024 * 1024
    assert facts["alloc_over_limit"] == "refused" and facts["alloc_under_limit"] == "allowed"
    text = "\n".join(report.markdown())
    for name in ALL_CHECKS:
        assert f"| {name} |" in text
    assert "NOT IN FORCE" not in text
    assert report.seconds < 2.0


@needs_root
def test_probe_detects_a_disabled_network_namespace(course):
    """Turn the sandbox's network namespace off AFTER the grader expected it: the probe must see it."""
    report = probe_sandbox(**course, config_overrides={"network_namespace": False})
    net = report["network"]
    assert net.expected and not net.holds
    assert "connected" in net.detail  # the sandbox reached the port the grader listens on
    assert report.status == "FAILED"
    assert any("network" in w and "NOT in force" in w for w in report.warnings())
    assert "NOT isolated: network" in report.summary()
    others = [c for c in report.checks if c.name != "network"]
    assert others and all(c.holds for c in others)


@needs_root
def test_probe_detects_a_weaker_memory_limit(course):
    report = probe_sandbox(**course, limits=Limits(memory_mb=512), config_overrides={"memory_mb": 4096})
    mem = report["memory"]
    assert mem.expected and not mem.holds
    assert report.facts["alloc_over_limit"] == "allowed"  # 768 MB could be reserved
    assert any("memory limit 512 MB" in w for w in report.warnings())


@needs_root
def test_network_switched_off_by_option_is_reported_not_hidden(course):
    report = probe_sandbox(**course, network_namespace=False)
    assert not report["network"].holds and not report["network"].expected
    assert report["network"].verdict.startswith("not active")
    assert report.warnings() == []
    assert "NOT isolated: network" in report.summary()


def test_not_root_is_degraded_and_lists_what_holds():
    expect = _expectations(False, True, {})
    assert {k for k, v in expect.items() if v} == {"memory", "rlimits", "process_group", "env", "scratch"}
    checks = [Check(name, name, expect[name], holds=expect[name]) for name in sorted(ALL_CHECKS)]
    report = ProbeReport(root=False, checks=checks, seconds=0.1)
    assert report.status == "DEGRADED (not root)" and report.warnings() == []
    summary = report.summary()
    assert summary.startswith("DEGRADED (not root)")
    assert "holds: env, memory, process_group, rlimits, scratch" in summary
    assert "NOT isolated:" in summary and "network" in summary.split("NOT isolated:")[1]
    checks[0].holds = False  # a mechanism that works without root ('env') fails: loud
    assert report.status == "FAILED" and len(report.warnings()) == 1


def test_probe_that_cannot_start_is_a_warning(course, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    report = probe_sandbox(**course, scratch_root=blocker / "scratch")
    assert report.status == "UNVERIFIED"
    assert report.warnings() and report.warnings()[0].startswith("WARNING: sandbox self-check could not run")


@needs_root
def test_grading_run_records_the_probe_and_warns_loudly(course, monkeypatch, capsys):
    """A run whose sandbox lost its network namespace still grades, but says so in summary and report."""
    broken = functools.partial(pipeline.probe_sandbox, config_overrides={"network_namespace": False})
    monkeypatch.setattr(pipeline, "probe_sandbox", broken)
    run = pipeline.grade("sgdr", course["submissions_dir"], course["out_dir"], jobs=1, timeout=30, progress=False)
    assert run["alice"].score == 0.0  # the blank release: graded as usual
    assert run.probe is not None and run.isolation == run.probe.summary()
    assert run.isolation.startswith("FAILED")
    assert any("network" in w for w in run.warnings)
    assert "WARNING: sandbox self-check" in run.table()
    assert "WARNING: sandbox self-check" in capsys.readouterr().err
    report = (course["out_dir"] / "report.md").read_text()
    assert "> **WARNING: sandbox self-check: no network" in report
    assert "## Sandbox self-check" in report and "| network | no network (network namespace) | NOT IN FORCE |" in report
    assert "| uid | private non-root uid, no groups, no_new_privs | verified |" in report
    assert (course["out_dir"] / "grades.csv").is_file()


def test_listening_port_is_reachable_outside_the_sandbox():
    """Control for the network check: the grader's own loopback connection works."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    try:
        socket.create_connection(srv.getsockname(), timeout=1).close()
    finally:
        srv.close()
