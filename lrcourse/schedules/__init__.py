"""Learning-rate schedules: small immutable objects evaluated on whole arrays, ``sched(np.arange(T))``.

=================  ==================================================================================
module             what it holds
=================  ==================================================================================
``base``           :class:`Schedule` (the base class), custom schedules (``@schedule``, ``FunctionSchedule``)
``shapes``         the cosine, linear and inverse-power interpolations every schedule is built from
``stateful``       the protocol of the metric-driven rules (``step``, ``reset``, ``trace``)
``pytorch``        PyTorch's closed-form schedules with PyTorch's names (``StepLR`` ... ``MultiplicativeLR``)
``restarts``       cosine annealing with warm restarts (SGDR)
``cyclic``         ``CyclicLR``, ``OneCycleLR`` and the lecture's 45/45/10 one-cycle
``compose``        ``SequentialLR``, ``ChainedScheduler``
``warmup``         warm-up in front of any schedule, warm-up-stable-decay
``decay``          the decay laws of the lectures that PyTorch lacks (exponential, 1/t, 1/sqrt(t), Noam...)
``sklearn_rules``  scikit-learn's ``optimal``, ``invscaling`` and ``adaptive`` rules
``plateau``        ``ReduceLROnPlateau`` (driven by a metric, stateful)
``analysis``       flatness (total variation), moving average, the Robbins-Monro check
=================  ==================================================================================
"""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "base": ["Schedule", "Tail", "FunctionSchedule", "schedule"],
    "pytorch": ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "PolynomialLR", "LinearLR",
                "ConstantLR", "LambdaLR", "MultiplicativeLR"],
    "restarts": ["CosineAnnealingWarmRestarts", "restart_points"],
    "cyclic": ["CyclicLR", "OneCycleLR", "three_phase_one_cycle"],
    "compose": ["SequentialLR", "ChainedScheduler"],
    "warmup": ["Warmup", "WarmupStableDecay", "warmup_ramp"],
    "decay": ["ConstantSchedule", "ExponentialDecay", "InverseTimeDecay", "InversePowerDecay", "InverseSqrtDecay",
              "NoamLR", "BatchSizeScaledLR"],
    "sklearn_rules": ["SklearnOptimalLR", "SklearnInvScalingLR", "SklearnAdaptiveLR"],
    "plateau": ["ReduceLROnPlateau"],
    "analysis": ["total_variation", "moving_average", "RobbinsMonro", "robbins_monro"],
})
