"""The shared shape of the rules that react to a metric and therefore keep state.

:class:`~lrcourse.ReduceLROnPlateau` and :class:`~lrcourse.SklearnAdaptiveLR` cannot be evaluated in
closed form: each epoch's rate depends on the metrics seen so far. Both follow one protocol,
:class:`MetricRule`: ``reset()`` forgets the past, ``step(value)`` takes one epoch's metric and returns
the rate for the next epoch, and ``trace(values)`` replays a whole sequence on a fresh copy.
"""

from __future__ import annotations

import copy

import numpy as np

from .. import _validate as check

__all__: list[str] = []  # a base class of public rules, not itself a public name


class MetricRule:
    """Base class of the stateful, metric-driven rules (see the module docstring).

    Subclasses implement :meth:`reset` and :meth:`step`; their ``trace`` calls :meth:`replay` with
    the name of its argument, so that errors name it.
    """

    def reset(self) -> None:  # pragma: no cover - abstract
        """Forget every metric seen: back to the initial rate."""
        raise NotImplementedError

    def step(self, value) -> float:  # pragma: no cover - abstract
        """Record one epoch's metric and return the learning rate for the next epoch."""
        raise NotImplementedError

    def replay(self, name: str, values) -> np.ndarray:
        """Rates after each value of the 1-D sequence ``values``, from a fresh start.

        This object is untouched: the sequence runs on a reset copy. ``name`` is the argument's name
        in error messages; ``inf`` is a valid (hopeless) metric, ``nan`` is refused.
        """
        values = check.array(name, values, ndim=1, finite=False)
        if np.any(np.isnan(values)):
            raise ValueError(f"{name} must not contain NaN (at index {int(np.argmax(np.isnan(values)))})")
        fresh = copy.copy(self)
        fresh.reset()
        return np.array([fresh.step(v) for v in values], dtype=np.float64)
