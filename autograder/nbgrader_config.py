"""nbgrader configuration of the course: the repository is the course root.

``solutions/`` is nbgrader's source directory, ``exercises/`` its release directory and the
gradebook is ``gradebook.db`` (SQLite) at the course root. Load it with any nbgrader command::

    nbgrader generate_assignment sgdr --config autograder/nbgrader_config.py --force
    JUPYTER_CONFIG_PATH=autograder nbgrader autograde sgdr      # same file, found by name
    JUPYTER_CONFIG_PATH=autograder jupyter lab                  # formgrader (Nbgrader > Formgrader)
"""

import os

_here = os.path.dirname(os.path.abspath(__file__))
_root = os.environ.get("LRCOURSE_COURSE_ROOT") or os.path.dirname(_here)

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.root = _root
c.CourseDirectory.course_id = "lrcourse"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_root, "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.db"]
# Released files are the same for every run: no header, no timestamps.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.Execute.timeout = 60
c.Exchange.root = os.path.join(_root, ".nbgrader-exchange")
