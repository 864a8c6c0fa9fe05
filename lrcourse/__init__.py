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
from .metrics import RobbinsMonro, moving_average, robbins_monro, total_variation
from .plateau import ReduceLROnPlateau
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
from .sklearn_rules import SklearnAdaptiveLR, SklearnInvScalingLR, SklearnOptimalLR
from .warmup import Warmup, WarmupStableDecay, warmup_ramp

__version__ = "0.1.0"
