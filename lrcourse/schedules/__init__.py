"""Learning-rate schedules: small immutable objects evaluated on whole arrays, ``sched(np.arange(T))``.

=======================  ======================================================================="""

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
    "validation_restarts": ["ValidationRestarts", "RestartEvent"],
    "analysis": ["total_variation", "moving_average", "RobbinsMonro", "robbins_monro"],
})
