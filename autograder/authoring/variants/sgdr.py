"""Answers to the ``sgdr`` assignment written differently from the reference, right and wrong.

``VARIANTS[student] = (cells, broken)``: ``cells`` maps a solution cell's grade_id to the code written
there (cells not listed keep the release's stub); ``broken`` is the set of parts that answer must lose.
``SAMPLES`` picks the demo's bundled class: student id -> variant.
"""

from __future__ import annotations

_SGDR_CLOSED_FORM = '''
def sgdr(t, T_0, T_mult, eta_max, eta_min):
    epoch = np.asarray(t, dtype=float)
    if T_mult == 1:
        cycle = np.floor(epoch / T_0)
        begin = cycle * T_0
    else:
        cycle = np.floor(np.log(epoch * (T_mult - 1) / T_0 + 1) / np.log(T_mult))
        begin = T_0 * (T_mult ** cycle - 1) / (T_mult - 1)
        cycle = np.where(begin > epoch, cycle - 1, cycle)          # guard against rounding
        cycle = np.where(T_0 * (T_mult ** (cycle + 1) - 1) / (T_mult - 1) <= epoch, cycle + 1, cycle)
        begin = T_0 * (T_mult ** cycle - 1) / (T_mult - 1)
    span = T_0 * T_mult ** cycle
    return eta_min + (eta_max - eta_min) * (1 + np.cos(np.pi * (epoch - begin) / span)) / 2
'''

_SGDR_LOOP = '''
import math

def sgdr(t, T_0, T_mult, eta_max, eta_min):
    period = T_0
    while t >= period:          # peel off whole cycles
        t = t - period
        period = period * T_mult
    return eta_min + (eta_max - eta_min) * (1 + math.cos(math.pi * t / period)) / 2
'''

_SGDR_RENAMED = '''
def sgdr(epoch, first_period, growth, high, low):
    def one(e):
        start, length = 0.0, float(first_period)
        while e >= start + length:
            start += length
            length *= growth
        return low + 0.5 * (high - low) * (1 + np.cos(np.pi * (e - start) / length))
    if np.ndim(epoch) == 0:
        return one(float(epoch))
    return [one(float(e)) for e in np.ravel(epoch)]          # a list is fine too
'''


def _sgdr_mistake(condition="t >= period", growth="period * T_mult", floor="eta_min", epoch="t"):
    return f'''
import math

def sgdr(t, T_0, T_mult, eta_max, eta_min):
    t = {epoch}
    period = T_0
    while {condition}:
        t = t - period
        period = {growth}
    return {floor} + (eta_max - {floor}) * (1 + math.cos(math.pi * t / period)) / 2
'''



VARIANTS = {
    "closed_form": ({"sgdr_solution": _SGDR_CLOSED_FORM}, set()),
    "loop": ({"sgdr_solution": _SGDR_LOOP}, set()),
    "renamed_list": ({"sgdr_solution": _SGDR_RENAMED}, set()),
    "off_by_one_restart": ({"sgdr_solution": _sgdr_mistake(condition="t > period")}, {"restarts"}),
    "period_not_doubling": ({"sgdr_solution": _sgdr_mistake(growth="period")}, {"doubling"}),
    "floor_ignored": ({"sgdr_solution": _sgdr_mistake(floor="0.0")}, {"floor"}),
    "rounds_epochs": ({"sgdr_solution": _sgdr_mistake(epoch="math.floor(t)")}, {"fractional"}),
    "blank": ({}, {"first_cycle", "restarts", "doubling", "floor", "fractional"}),
}

#: The demo's bundled class: student id -> variant.
SAMPLES = {
    "ada": "closed_form",
    "bram": "loop",
    "chiara": "off_by_one_restart",
    "dmitri": "period_not_doubling",
    "elif": "floor_ignored",
    "farid": "blank",
}
