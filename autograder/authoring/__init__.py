"""Authoring the assignments (instructor side, never visible to a student's kernel).

- ``notebooks/<A>.cells.txt``: the readable source of each notebook (solutions included);
- :mod:`.build`: ``python -m autograder.authoring.build`` writes ``solutions/<A>/<A>.ipynb`` from them;
- :mod:`.variants`: student answers written in other styles, right and wrong, with the parts each
  must lose; ``python -m autograder.authoring.variants`` writes the sample class
  (``autograder/samples/``) and the test fixtures (``tests/fixtures/submissions/``).
"""
