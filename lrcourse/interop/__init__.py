"""Bridges to real training code: PyTorch (``lrcourse.torch``), scikit-learn's SGD, the digits data set.

===============  ====================================================================================
module           what it holds
===============  ====================================================================================
``torch``        drive a ``torch.optim`` optimizer with any schedule; torch's equivalent; trace a torch
                 scheduler (imports torch lazily; also importable as ``lrcourse.torch``)
``sklearn_sgd``  ``SGDRegressor``'s built-in rules beside an lrcourse schedule driving ``partial_fit``
``digits``       softmax regression / a small MLP on scikit-learn's digits with any schedule
===============  ====================================================================================
"""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "sklearn_sgd": ["Curves", "regression_data", "sklearn_schedule_curves", "lrcourse_schedule_curve",
                    "compare_sgd_regressor"],
    "digits": ["TrainResult", "load_digits_split", "train_digits", "digits_steps_per_epoch", "make_step_fn",
               "super_convergence_demo"],
})
