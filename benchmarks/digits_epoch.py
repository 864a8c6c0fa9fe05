"""Time per training epoch on scikit-learn's digits (NumPy softmax regression and MLP, batch 32).

Run: ``python benchmarks/digits_epoch.py``. Prints seconds per epoch, mini-batch steps per second
and the validation accuracy reached (a sanity check that the timed work is real training).
"""

from __future__ import annotations

import time

from lrcourse.interop.digits import digits_steps_per_epoch, load_digits_split, train

EPOCHS = 20
BATCH = 32


def _time(model, **kw):
    Xtr, ytr, Xva, yva = load_digits_split(0)
    train(Xtr, ytr, Xva, yva, 0.05, epochs=1, batch_size=BATCH, model=model, **kw)  # warm-up
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        res = train(Xtr, ytr, Xva, yva, 0.05, epochs=EPOCHS, batch_size=BATCH, model=model, momentum=0.9, **kw)
        best = min(best, time.perf_counter() - t0)
    return best / EPOCHS, res.history["val_acc"][-1]


def main() -> None:
    spe = digits_steps_per_epoch(BATCH)
    print(f"digits: 1347 training samples, batch {BATCH} -> {spe} steps per epoch; best of 3 runs of {EPOCHS} epochs")
    for label, model, kw in [("softmax regression", "softmax", {}), ("MLP 64 hidden, ReLU", "mlp", {"hidden": 64})]:
        per_epoch, acc = _time(model, **kw)
        print(f"{label:22s}: {per_epoch * 1e3:7.2f} ms/epoch  {spe / per_epoch:9.0f} steps/s  "
              f"(incl. full train/val evaluation each epoch; final val acc {acc:.3f})")


if __name__ == "__main__":
    main()
