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
from .diffusion import (
    constant_noise_lr,
    linear_scaling_rule,
    monte_carlo_variance,
    noise_scale,
    ou_variance,
    ou_variance_hyperbolic,
    sgd_variance,
)
from .energy import (
    damping_from_momentum,
    energy,
    energy_change,
    energy_injection_threshold,
    heavy_ball,
    momentum_from_damping,
)
from .implicit_bias import angle_between, implicit_bias_path, max_margin_direction, separable_data
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
from .metric_loop import MetricRun, simulate_with_metric
from .metrics import RobbinsMonro, moving_average, robbins_monro, total_variation
from .momentum_schedule import (
    critical_damping_lr,
    critically_damped_schedule,
    nesterov_max_lr,
    nesterov_spectral_radius,
    nesterov_stable,
)
from .pac_bayes import pac_bayes_optimal_lr
from .plateau import ReduceLROnPlateau
from .problems import (
    FunctionProblem,
    LogisticLoss,
    Problem,
    Quadratic,
    SampledQuadratic,
    ScalarQuadratic,
    exercise_quadratic,
)
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
from .simulate import (
    Comparison,
    DivergenceWarning,
    SGDResult,
    compare_schedules,
    simulate_sgd,
    standard_normal_draws,
    standard_schedules,
)
from .sklearn_sgd import Curves, compare_sgd_regressor, lrcourse_schedule_curve, regression_data, sklearn_schedule_curves
from .sklearn_rules import SklearnAdaptiveLR, SklearnInvScalingLR, SklearnOptimalLR
from .train import (
    TrainResult,
    digits_steps_per_epoch,
    load_digits_split,
    make_step_fn,
    super_convergence_demo,
    train_digits,
)
from .validation_restarts import RestartEvent, ValidationRestarts
from .warmup import Warmup, WarmupStableDecay, warmup_ramp

__version__ = "0.1.0"
