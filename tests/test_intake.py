"""Submissions are read as data (autograder/intake.py): nothing is followed, nothing blocks, nobody is skipped."""

from __future__ import annotations

import os
import socket
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.course import REPO_ROOT
from autograder.intake import JUNK, LayoutError, discover, file_name

A = "sgdr"
SECRET = REPO_ROOT / "solutions" / A / f"{A}.ipynb"
NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _student(subs, name, kind):
    """Create student ``name`` whose notebook entry is of ``kind``."""
    folder = subs / name
    if kind == "folder-link":
        subs.mkdir(parents=True, exist_ok=True)
        os.symlink(SECRET.parent, folder)
        return
    if kind == "top-fifo":
        subs.mkdir(parents=True, exist_ok=True)
        os.mkfifo(folder)
        return
    folder.mkdir(parents=True)
    path = folder / f"{A}.ipynb"
    if kind == "honest":
        path.write_bytes(NOTEBOOK)
    elif kind == "link":
        os.symlink(SECRET, path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        os.symlink("/dev/zero", path)
    elif kind == "dir":
        path.mkdir()
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
    elif kind == "empty":
        pass


KINDS = ["honest", "link", "fifo", "zero", "dir", "socket", "empty", "folder-link", "top-fifo"]
REASON = {"link": "symbolic link", "fifo": "FIFO", "zero": "symbolic link", "dir": "a folder", "socket": "socket",
          "folder-link": "symbolic link", "top-fifo": "FIFO"}


@pytest.fixture
def subs(tmp_path):
    folder = tmp_path / "subs"
    _student(folder, "anchor", "honest")  # one proper submission: the layout is right
    return folder


@pytest.mark.parametrize("kind", sorted(REASON))
def test_odd_entries_become_flagged_rows_and_are_never_opened(subs, kind):
    _student(subs, "odd", kind)
    rows, junk = discover(subs, A)
    assert set(rows) == {"anchor", "odd"} and junk == []
    row = rows["odd"]
    assert row.status == "invalid" and row.raw is None
    assert REASON[kind] in row.flags[-1]
    assert rows["anchor"].raw == NOTEBOOK


def test_a_student_without_notebook_is_a_missing_row(subs):
    _student(subs, "nobody", "empty")
    rows, _ = discover(subs, A)
    assert rows["nobody"].status == "missing" and rows["nobody"].raw is None


def test_size_is_checked_before_reading(subs):
    (subs / "big").mkdir()
    (subs / "big" / f"{A}.ipynb").write_bytes(b"x" * 5000)
    rows, _ = discover(subs, A, cap=4096)
    assert rows["big"].status == "invalid" and "larger than" in rows["big"].flags[-1]


def test_hard_link_to_a_course_file_is_refused(subs):
    (subs / "linked").mkdir()
    try:
        os.link(SECRET, subs / "linked" / f"{A}.ipynb")
    except OSError:
        pytest.skip("the submissions folder is on another file system than the course")
    st_ = os.stat(SECRET)
    rows, _ = discover(subs, A, course_inodes=frozenset({(st_.st_dev, st_.st_ino)}))
    assert rows["linked"].status == "invalid" and "hard link to a file of the course" in rows["linked"].flags[-1]


def test_hard_link_between_students_is_flagged_but_graded(subs):
    (subs / "copycat").mkdir()
    os.link(subs / "anchor" / f"{A}.ipynb", subs / "copycat" / f"{A}.ipynb")
    rows, _ = discover(subs, A)
    assert rows["copycat"].raw == NOTEBOOK and any(f.startswith("hard-link") for f in rows["copycat"].flags)


def test_junk_is_listed_and_dot_folders_are_flagged_rows(subs):
    (subs / ".DS_Store").write_bytes(b"\0")
    (subs / "__MACOSX").mkdir()
    _student(subs, ".late", "honest")
    rows, junk = discover(subs, A)
    assert junk == [".DS_Store", "__MACOSX"]
    assert rows[".late"].raw == NOTEBOOK and rows[".late"].flags[0].startswith("hidden-folder")


def test_other_notebook_name_is_graded_with_its_name(subs):
    (subs / "renamed").mkdir()
    (subs / "renamed" / "my_sgdr.ipynb").write_bytes(NOTEBOOK)
    rows, _ = discover(subs, A)
    assert rows["renamed"].filename == "my_sgdr.ipynb" and rows["renamed"].raw == NOTEBOOK


@pytest.mark.parametrize("layout", ["flat", "deep", "empty", "other-assignment"])
def test_wrong_layout_is_an_error_showing_what_was_found(tmp_path, layout):
    subs = tmp_path / "subs"
    subs.mkdir()
    if layout == "flat":
        (subs / f"{A}.ipynb").write_bytes(NOTEBOOK)
    elif layout == "deep":
        (subs / "alice" / A).mkdir(parents=True)
        (subs / "alice" / A / f"{A}.ipynb").write_bytes(NOTEBOOK)
    elif layout == "other-assignment":
        (subs / "alice").mkdir()
        (subs / "alice" / "plateau.ipynb").write_bytes(NOTEBOOK)
    with pytest.raises(LayoutError, match=r"<student_id>/sgdr\.ipynb") as info:
        discover(subs, A)
    found = {"flat": f"{A}.ipynb", "deep": f"alice/{A}/{A}.ipynb", "empty": "holds no student folders",
             "other-assignment": "alice/plateau.ipynb"}[layout]
    assert found in str(info.value)


def test_file_names_are_safe_for_any_id():
    assert file_name("alice") == "alice"
    assert file_name("a\nb").startswith("~") and "/" not in file_name("x" * 300)
    assert file_name("x" * 300) != file_name("x" * 301)


@settings(max_examples=25)
@given(st.dictionaries(st.text(string.ascii_lowercase, min_size=1, max_size=8), st.sampled_from(KINDS), max_size=6))
def test_every_entry_gets_exactly_one_row(tmp_path_factory, students):
    """Whatever the folder holds, discovery ends, reads only regular files and gives one row per entry."""
    subs = tmp_path_factory.mktemp("subs")
    _student(subs, "anchor0", "honest")
    for name, kind in students.items():
        _student(subs, name, kind)
    rows, junk = discover(subs, A)
    assert set(rows) == {"anchor0", *students} and junk == []
    for name, kind in students.items():
        row = rows[name]
        assert (row.raw is not None) == (kind == "honest")
        assert row.status == {"honest": "ok", "empty": "missing"}.get(kind, "invalid")
    assert not set(rows) & JUNK
