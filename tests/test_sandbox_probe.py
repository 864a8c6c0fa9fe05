"""Sandbox self-check (autograder/probe.py): what a student's sandbox really gets, observed from inside.

The probe starts the same launcher and bwrap view as a submission's kernel. As root every
mechanism must be verified; a mechanism switched off behind the grader's back (the network
namespace, a weaker memory limit, a course file bound into the view, a foreign file planted in the
staged library) must be reported as NOT in force, loudly, and grading goes on.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess

import pytest

from autograder import kernel_view as kv
from autograder import pipeline
from autograder.course import REPO_ROOT
from autograder.executor import Limits
from autograder.probe import INSIDE, Check, ProbeReport, _expectations, course_files, probe_sandbox, walk_roots
from autograder.worker import default_scratch_root

pytestmark = pytest.mark.grading

ALL_CHECKS = {"bwrap", "uid", "signal", "course_tree", "library_view", "solutions", "out_dir", "submissions", "write",
              "runtime_locked", "shared_dirs", "network", "mount_ns", "ipc_ns", "pid_ns", "uts_ns", "private_tmp",
              "disk", "memory", "rlimits", "session", "env", "home", "python", "userns"}
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the full sandbox needs root")
SECRET = REPO_ROOT / "autograder" / "authoring" / "notebooks" / "sgdr.cells.txt"


@pytest.fixture
def course(tmp_path):
    """A submissions folder with one student and an output folder holding an earlier result."""
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "exercises" / "sgdr" / "sgdr.ipynb", subs / "alice" / "sgdr.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier-results.csv").write_text("student_id,score\nbob,10\n")
    return {"root": REPO_ROOT, "out_dir": out, "submissions_dir": subs}


@pytest.fixture(scope="module")
def verified():
    """One probe of the real configuration, shared by the assertions on it."""
    base = default_scratch_root() / f"test-probe-course-{os.getpid()}"
    shutil.rmtree(base, ignore_errors=True)
    (base / "subs" / "alice").mkdir(parents=True)
    (base / "out").mkdir()
    report = probe_sandbox(REPO_ROOT, base / "out", base / "subs", limits=Limits(memory_mb=1024))
    yield report
    shutil.rmtree(base, ignore_errors=True)


@needs_root
def test_probe_as_root_verifies_every_mechanism(verified):
    report = verified
    assert report.error == ""
    assert {c.name for c in report.checks} == ALL_CHECKS
    assert [(c.name, c.detail) for c in report.checks if not c.holds] == []
    assert all(c.expected and c.verdict == "verified" for c in report.checks)
    assert report.status == "VERIFIED" and report.warnings() == []
    text = "\n".join(report.markdown())
    assert all(f"| {name} |" in text for name in ALL_CHECKS) and "NOT IN FORCE" not in text


@needs_root
def test_probe_facts_show_the_allow_list_view(verified):
    facts = verified.facts
    assert facts["uid"] >= 62000 and facts["euid"] == facts["uid"] and facts["groups"] == []
    assert int(facts["cap_eff"], 16) == 0 and facts["no_new_privs"] == "1"
    assert facts["connect"]["status"] == "failed" and set(facts["interfaces_up"]) <= {"lo"}
    assert facts["rlimits"]["RLIMIT_AS"][0] == 1024 * 1024 * 1024
    assert facts["alloc_over_limit"] == "refused" and facts["alloc_under_limit"] == "allowed"
    assert facts["course_readable"] == {}
    assert sorted(facts["library"]) == sorted(kv.library_files())
    assert all(v is False for v in facts["shared"].values())  # /run, /run/lock, /var/tmp... are absent
    assert len(facts["processes"]) <= 3 and facts["signal_grader"] == "invisible"
    assert facts["home"] == kv.HOME == facts["cwd"]


def test_course_walk_covers_the_secrets_and_skips_the_python_installation():
    files, truncated = course_files(walk_roots(REPO_ROOT))
    assert not truncated
    assert str(SECRET) in files
    assert str(REPO_ROOT / "solutions" / "sgdr" / "sgdr.ipynb") in files
    assert any("/autograder/samples/" in f for f in files)
    assert not any(f.startswith(d + os.sep) for d in kv.python_dirs() for f in files)


@needs_root
def test_probe_fails_when_a_course_file_is_readable(course):
    """Bind one course file into the view behind the grader's back: the walk must find it."""
    report = probe_sandbox(**course, config_overrides={"bind": [(SECRET, SECRET)]})
    check = report["course_tree"]
    assert check.expected and not check.holds and str(SECRET) in check.detail
    assert report.status == "FAILED"
    assert any("course" in w and "NOT in force" in w for w in report.warnings())
    assert "NOT isolated: course_tree" in report.summary()


@needs_root
def test_probe_fails_on_a_file_planted_in_the_staged_library(course, tmp_path):
    planted = tmp_path / "lib"
    shutil.copytree(kv.stage_library(default_scratch_root()), planted)
    os.chmod(planted / "autograder" / "assignments", 0o755)
    shutil.copy(REPO_ROOT / "autograder" / "authoring" / "build.py", planted / "autograder" / "assignments")
    os.chmod(tmp_path, 0o755)
    report = probe_sandbox(**course, library=planted)
    check = report["library_view"]
    assert not check.holds and "autograder/assignments/build.py" in check.detail
    assert report.status == "FAILED"


@needs_root
def test_probe_detects_a_disabled_network_namespace(course):
    """Turn the sandbox's network namespace off AFTER the grader expected it: the probe must see it."""
    report = probe_sandbox(**course, config_overrides={"network_namespace": False})
    net = report["network"]
    assert net.expected and not net.holds
    assert "connected" in net.detail  # the sandbox reached the port the grader listens on
    assert report.status == "FAILED"
    assert any("network" in w and "NOT in force" in w for w in report.warnings())
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
    expect = _expectations(False, True)
    assert {k for k, v in expect.items() if not v} == {"uid", "runtime_locked"}
    checks = [Check(name, name, expect[name], holds=expect[name]) for name in sorted(ALL_CHECKS)]
    report = ProbeReport(root=False, checks=checks, seconds=0.1)
    assert report.status == "DEGRADED (not root)" and report.warnings() == []
    summary = report.summary()
    assert summary.startswith("DEGRADED (not root)")
    assert "NOT isolated: runtime_locked, uid" in summary
    checks[0].holds = False  # a mechanism that works without root fails: loud
    assert report.status == "FAILED" and len(report.warnings()) == 1


def test_probe_without_bwrap_fails_loudly(course, monkeypatch):
    monkeypatch.setattr(kv, "BWRAP", "/nonexistent/bwrap")
    report = probe_sandbox(**course)
    assert report.status == "FAILED" and not report["bwrap"].holds
    assert "not installed" in report.warnings()[0]


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
    assert report.splitlines()[2].startswith("> **WARNING: sandbox self-check: no network")
    assert "## Sandbox self-check" in report and "| network | no network (network namespace) | NOT IN FORCE |" in report
    assert "| course_tree |" in report and "| uid |" in report
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


@needs_root
def test_unprivileged_view_in_a_user_namespace_hides_the_course():
    """The non-root path: the same view built by an unprivileged bwrap (here as 'nobody', Debian's python)."""
    scratch = default_scratch_root() / f"test-userns-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True, mode=0o755)
    runtime = scratch / "rt"
    runtime.mkdir(mode=0o555)
    view = kv.KernelView(python=(), library=str(kv.stage_library(default_scratch_root())), runtime=str(runtime))
    files, _ = course_files(walk_roots(REPO_ROOT))
    spec = {"grader_pid": os.getpid(), "read": [], "list": [], "course_files": files, "library": kv.LIBRARY,
            "write": ["/", kv.LIBRARY, str(runtime)], "write_name": "x", "shared": ["/run", "/var/tmp"],
            "space": [kv.HOME, "/tmp", "/dev/shm"], "tmp_canary": "/tmp/none", "port": 9, "alloc_over": 1 << 40,
            "alloc_under": 1 << 20, "canary_env": "NONE"}
    cmd = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
           *kv.bwrap_command(view, uid=None), "/usr/bin/python3", "-I", "-c", INSIDE.read_text()]
    try:
        proc = subprocess.run(cmd, input=json.dumps(spec), capture_output=True, text=True, timeout=60,
                              env={"HOME": kv.HOME, "PATH": "/usr/bin"})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    facts = json.loads(proc.stdout)
    assert facts["course_readable"] == {}
    assert sorted(facts["library"]) == sorted(kv.library_files())
    assert all(w["status"] == "refused" for w in facts["write"].values())
    assert facts["signal_grader"] == "invisible" and facts["interfaces_up"] in ([], ["lo"])
    assert all(s["write"] == "written" for s in facts["space"].values())
    assert facts["home_stat"]["mode"] == 0o1777 and facts["cwd"] == kv.HOME
