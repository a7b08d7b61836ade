"""Fit times of the array-API estimators on an accelerator against NumPy on the CPU.

Used by ``speed.py --device cuda``. Each problem is fitted twice with the same
parameters: once on NumPy arrays (the CPU path) and once on the device
namespace's arrays under ``sklearn.config_context(array_api_dispatch=True)``.
The data are moved to the device before the clock starts; the device is
synchronized before it stops. Both fits' objectives are compared: on NumPy the sparse
families run coordinate descent and elsewhere FISTA/ADMM, and where the minimizer is not
unique (the L2,1 norm on School's collinear dummy columns) two algorithms may stop at
different minimizers of the same objective.
"""


import numpy as np
import sklearn
from _harness import Timing, best_of
from sklearn.base import clone

from skmtl import (
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    SharedParameterRegressor,
    TraceNormRegressor,
)
from skmtl.datasets import load_school, make_multitask_regression
from skmtl.solvers.reference_cvxpy import objective_value
from skmtl.utils import convert_fitted

SCHOOL_FAMILIES = (
    SharedParameterRegressor(alpha_shared=0.1, alpha_task=0.1),
    MeanRegularizedRegressor(alpha=0.1),
    GraphRegularizedRegressor(alpha=0.1),
    TraceNormRegressor(alpha=0.1),
    JointFeatureRegressor(alpha=0.1),
)
#: (tasks, features, rows per task) of the large trace-norm problem: N = 10⁶ rows.
LARGE_TRACE = (500, 1000, 2000)
LARGE_TRACE_QUICK = (20, 30, 100)
#: (rows, features, tasks) of the shared-design L2,1 problem.
SHARED_DESIGN = (100_000, 100, 20)
SHARED_DESIGN_QUICK = (2000, 20, 5)


def synchronize(xp):
    """Wait for the device's queued work (CuPy); a no-op for namespaces that run eagerly."""
    cuda = getattr(xp, "cuda", None)
    if cuda is not None and hasattr(cuda, "get_current_stream"):
        cuda.get_current_stream().synchronize()


def best_time(fit, repeats, xp=None):
    """Best wall time of ``repeats`` fits, the device synchronized before the clock stops."""

    def synchronized():
        fitted = fit()
        if xp is not None:
            synchronize(xp)
        return fitted

    return best_of(synchronized, Timing(repeats, min_time=0.0))[:2]


def compare(label, estimator, X, y, tasks, dtype, xp, device, repeats):
    """One table row: CPU and device times of ``estimator`` on (X, y, tasks) in ``dtype``."""
    X, y = X.astype(dtype), y.astype(dtype)
    fit_params = {} if tasks is None else {"tasks": tasks}
    cpu_time, cpu_fit = best_time(lambda: clone(estimator).fit(X, y, **fit_params), repeats)
    X_device, y_device = xp.asarray(X, device=device), xp.asarray(y, device=device)
    synchronize(xp)
    with sklearn.config_context(array_api_dispatch=True):
        device_time, device_fit = best_time(
            lambda: clone(estimator).fit(X_device, y_device, **fit_params), repeats, xp
        )
    cpu_objective = objective(cpu_fit, X, y, tasks)
    device_objective = objective(convert_fitted(device_fit, np), X, y, tasks)
    difference = abs(device_objective - cpu_objective) / abs(cpu_objective)
    return [
        label,
        np.dtype(dtype).name,
        f"{cpu_time:.3f} ({cpu_fit.n_iter_} it.)",
        f"{device_time:.3f} ({device_fit.n_iter_} it.)",
        f"**{cpu_time / device_time:.2f}**",
        f"{difference:.1e}",
    ]


def objective(model, X, y, tasks):
    """The model's objective on (X, y, tasks), in float64; a shared design as routed rows."""
    X, y = X.astype(np.float64), y.astype(np.float64)
    if tasks is None:
        n_tasks = y.shape[1]
        task_index = np.repeat(np.arange(n_tasks), X.shape[0])
        X, y = np.tile(X, (n_tasks, 1)), y.T.reshape(-1)
    else:
        n_tasks = len(model.tasks_)
        task_index = np.searchsorted(np.asarray(model.tasks_), tasks)
    return objective_value(model._family, X, y, task_index, n_tasks, model.coef_,
                           model.intercept_, model._reference_params())


HEADER = ["Problem", "dtype", "CPU [s]", "device [s]", "speed-up CPU/device",
          "relative objective difference"]


def device_rows(xp, device, quick, repeats, progress):
    """Rows of the CPU/device table: School families, large trace norm, shared-design L2,1."""
    rows = []
    X, y, tasks = load_school(return_X_y=True)
    if quick:
        keep = tasks < 6
        X, y, tasks = X[keep], y[keep], tasks[keep]
    for estimator in SCHOOL_FAMILIES:
        progress.set_postfix_str(f"School {type(estimator).__name__}")
        rows.append(compare(f"School, {type(estimator).__name__}", estimator, X, y, tasks,
                            np.float64, xp, device, repeats))
        progress.update()

    n_tasks, d, per_task = LARGE_TRACE_QUICK if quick else LARGE_TRACE
    X, y, tasks, _ = make_multitask_regression(n_tasks=n_tasks, n_features=d,
                                               n_samples=per_task, structure="lowrank",
                                               random_state=0)
    for dtype in (np.float32, np.float64):
        progress.set_postfix_str(f"trace norm {np.dtype(dtype).name}")
        label = f"TraceNormRegressor, T={n_tasks}, d={d}, N={n_tasks * per_task}"
        rows.append(compare(label, TraceNormRegressor(alpha=0.1, tol=1e-4), X, y, tasks,
                            dtype, xp, device, 1))
        progress.update()
    del X, y, tasks

    n, d, n_tasks = SHARED_DESIGN_QUICK if quick else SHARED_DESIGN
    X, Y, _, _ = make_multitask_regression(n_tasks=n_tasks, n_features=d, n_samples=n,
                                           structure="sparse", n_informative=max(1, d // 10),
                                           noise=3.0, shared_design=True, random_state=0)
    for dtype in (np.float32, np.float64):
        progress.set_postfix_str(f"shared-design L2,1 {np.dtype(dtype).name}")
        label = f"JointFeatureRegressor, shared design n={n}, d={d}, T={n_tasks}"
        rows.append(compare(label, JointFeatureRegressor(alpha=0.05, tol=1e-4), X, Y, None,
                            dtype, xp, device, repeats))
        progress.update()
    return rows


N_ROWS = len(SCHOOL_FAMILIES) + 4


def device_description(xp, device):
    """The accelerator's name where the namespace can tell it (CuPy), else the device."""
    cuda = getattr(xp, "cuda", None)
    if cuda is not None and hasattr(cuda, "runtime"):
        properties = cuda.runtime.getDeviceProperties(cuda.Device().id)
        name = properties["name"]
        return name.decode() if isinstance(name, bytes) else str(name)
    return f"{xp.__name__} device {device}"
