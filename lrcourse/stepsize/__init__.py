"""Choosing the step size from the problem itself: line search, online step-size rules, the LR range test.

==============  =====================================================================================
module          what it holds
==============  =====================================================================================
``linesearch``  backtracking (Armijo) and exact line search on the course function, Newton's 1/h step,
                diagonal preconditioning
``online``      step sizes adapted while training: Delta-Bar-Delta and its regrettable variant,
                AdaDelta, AdGD, vSGD
``range_test``  the one-step range test of the exercise and Smith's LR range test during training
``oracle``      the checked access to the user's ``f``, ``grad`` and curvature that every method shares
==============  =====================================================================================

``convergence`` reads a run: its linear rate, the iterations it needs to reach a tolerance, the angle
between successive steps, and the exact-line-search bound from the condition number.
"""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "linesearch": ["DescentResult", "boyd_function", "boyd_gradient", "boyd_hessian", "BOYD_MINIMIZER",
                   "BOYD_MINIMUM", "armijo_holds", "backtracking_descent", "exact_line_search_descent",
                   "newton_1d", "newton_descent", "diagonal_preconditioned_descent"],
    "online": ["AdaptiveResult", "delta_bar_delta", "regrettable_delta_bar_delta", "adadelta", "adgd", "vsgd"],
    "range_test": ["quadratic_problem", "one_step_range_test", "useful_range", "RangeTestResult", "lr_range_test",
                   "range_test_lrs", "smooth_losses", "suggest_steepest", "suggest_min_over_10", "suggest_valley"],
    "convergence": ["step_angles", "linear_convergence_rate", "iterations_to_tolerance",
                    "exact_line_search_rate_bound"],
})
