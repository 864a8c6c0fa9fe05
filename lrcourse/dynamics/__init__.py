"""Optimization dynamics: test problems, the vectorized noisy-SGD engine and the theory beside it.

=================  ==================================================================================
module             what it holds
=================  ==================================================================================
``problems``       the exercise quadratic, condition-number quadratics, logistic loss, your own loss
``simulate``       noisy SGD / momentum / weight decay for thousands of runs at once, common random numbers
``metric_loop``    epoch-by-epoch simulation feeding a metric-driven scheduler (plateau, validation restarts)
``sgd_options``    the simulation's keyword arguments as one validated ``SimulationOptions``
``sgd_engine``     the vectorized loop behind ``simulate``: gradients and noise, momentum, divergence, recording
``diffusion``      the Ornstein-Uhlenbeck (SDE) variance, the noise scale ``lr/B``, linear scaling
``mechanics``      the energy of momentum SGD and the step size beyond which a step injects energy
``nesterov``       Nesterov's stability region and the critically damped learning-rate/momentum schedule
``pac_bayes``      the PAC-Bayes optimal step
``implicit_bias``  gradient descent on separable data drifting toward the max-margin direction
=================  ==================================================================================
"""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "problems": ["Problem", "ScalarQuadratic", "exercise_quadratic", "Quadratic", "LogisticLoss",
                 "FunctionProblem", "SampledQuadratic", "as_runs"],
    "metric_loop": ["MetricRun", "simulate_with_metric"],
    "simulate": ["SGDResult", "Comparison", "DivergenceWarning", "simulate_sgd", "compare_schedules",
                 "lr_array", "standard_normal_draws", "standard_schedules"],
    "diffusion": ["ou_variance_hyperbolic", "ou_variance", "stationary_variance", "sgd_variance",
                  "sgd_stationary_variance",
                  "VarianceCheck", "monte_carlo_variance", "noise_scale", "linear_scaling_rule",
                  "constant_noise_lr"],
    "mechanics": ["energy", "energy_change", "energy_change_from_rest", "energy_injection_threshold",
               "HeavyBallPath", "heavy_ball", "momentum_from_damping", "damping_from_momentum"],
    "nesterov": ["nesterov_iteration_matrix", "nesterov_spectral_radius", "nesterov_max_lr", "nesterov_stable",
                 "critical_damping_lr", "critically_damped_schedule"],
    "pac_bayes": ["pac_bayes_optimal_lr", "pac_bayes_stable_lr", "pac_bayes_kl", "sgd_posterior_variance"],
    "implicit_bias": ["separable_data", "max_margin_direction", "angle_between", "ImplicitBiasPath",
                      "implicit_bias_path"],
})
