"""Shared helpers of the dataset loaders."""

from importlib import resources

import numpy as np
from sklearn.utils import Bunch


def _read_npz(filename, target_dtype):
    """Return ``(X, y, task)`` from ``skmtl/datasets/data/<filename>``."""
    ref = resources.files("skmtl.datasets").joinpath("data", filename)
    with ref.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        X = np.asarray(npz["X"], dtype=np.float64)
        y = np.asarray(npz["y"], dtype=target_dtype)
        tasks = np.asarray(npz["task"], dtype=np.int64)
    return X, y, tasks


def _make_output(
    X,
    y,
    tasks,
    *,
    feature_names,
    task_name,
    target_name,
    descr,
    as_frame,
    return_X_y,
    loader,
    **extra,
):
    """Assemble a loader's return value (Bunch or tuple, arrays or pandas).

    ``task_name`` is the name of the task column of ``data`` when
    ``as_frame`` and the prefix of ``task_names``; ``extra`` goes into the
    Bunch as is.
    """
    feature_names = list(feature_names)
    n_tasks = int(tasks.max()) + 1
    task_names = [f"{task_name}_{i}" for i in range(n_tasks)]

    frame = None
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on environment
            raise ImportError(
                f"{loader}(as_frame=True) requires pandas; install it with "
                "`pip install pandas` or use as_frame=False."
            ) from exc
        data = pd.DataFrame(X, columns=feature_names)
        data[task_name] = tasks
        target = pd.Series(y, name=target_name)
        frame = data.assign(**{target_name: target})
    else:
        data, target = X, y

    if return_X_y:
        return (data, target) if as_frame else (data, target, tasks)

    return Bunch(
        data=data,
        target=target,
        tasks=tasks,
        feature_names=feature_names,
        task_names=task_names,
        **extra,
        frame=frame,
        DESCR=descr,
    )
