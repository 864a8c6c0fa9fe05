"""lrcourse: learning-rate schedules, optimizer simulations, lectures and graded exercises.

Every schedule is an immutable object evaluated vectorized: ``sched(np.arange(T))``.
PyTorch's schedules keep PyTorch's names, parameters and numbers.
"""

from .base import FunctionSchedule, Schedule, schedule
from .compose import ChainedScheduler, SequentialLR
from .cyclic import CyclicLR, OneCycleLR, three_phase_one_cycle
from .decay import (
    BatchSizeScaledLR,
    ConstantSchedule,
    ExponentialDecay,
    InversePowerDecay,
    InverseSqrtDecay,
    InverseTimeDecay,
    NoamLR,
)
from .adaptive import AdaptiveResult, adadelta, adgd, delta_bar_delta, regrettable_delta_bar_delta, vsgd
from .linesearch import (
    BOYD_MINIMIZER,
    BOYD_MINIMUM,
    DescentResult,
    armijo_holds,
    backtracking_descent,
    boyd_function,
    boyd_gradient,
    boyd_hessian,
    diagonal_preconditioned_descent,
    exact_line_search_descent,
    newton_1d,
    newton_descent,
)
from .metrics import RobbinsMonro, moving_average, robbins_monro, total_variation
from .plateau import ReduceLROnPlateau
from .range_test import (
    RangeTestResult,
    lr_range_test,
    one_step_range_test,
    range_test_lrs,
    smooth_losses,
    suggest_min_over_10,
    suggest_steepest,
    suggest_valley,
    useful_range,
)
from .restarts import CosineAnnealingWarmRestarts, restart_points
from .schedules import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .sklearn_sgd import compare_sgd_regressor, lrcourse_schedule_curve, regression_data, sklearn_schedule_curves
from .sklearn_rules import SklearnAdaptiveLR, SklearnInvScalingLR, SklearnOptimalLR
from .train import (
    TrainResult,
    digits_steps_per_epoch,
    load_digits_split,
    make_step_fn,
    super_convergence_demo,
    train_digits,
)
from .warmup import Warmup, WarmupStableDecay, warmup_ramp

__version__ = "0.1.0"
