r"""The penalties of the cvxpy reference, one entry of :data:`FORMULATIONS` per family.

Each entry writes its penalty :math:`\Omega(W)` twice from the definition, without
the package's solvers or penalty objects: as a NumPy value and as a cvxpy
expression.  :mod:`skmtl.solvers.reference_cvxpy` builds every objective from
them, so a new family is one :class:`Formulation` here (see the contributor
guide).  The formulas are listed in that module's description.

A formulation gets the validated parameters ``p`` (a dict of floats, plus any
structured parameter it checks itself), and writes its cvxpy terms in the units
of the reference solve, :math:`W / \kappa`: terms of degree 1 in W (the norms)
are divided by ``unit`` = :math:`\kappa`, those of degree 2 are not (the whole
objective then scales by :math:`\kappa^2`).
"""

import numpy as np
import scipy.sparse as sp

__all__ = ["FORMULATIONS", "Formulation"]


def nonnegative(params, key, default=None):
    """``params[key]`` as a finite non-negative float (``default`` when absent)."""
    if key in params and params[key] is not None:
        value = params[key]
    elif default is not None:
        value = default
    else:
        raise ValueError(f"params must define {key!r}.")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{key} must be a finite non-negative number, got {value!r}.")
    return value


def nuclear_norm(W):
    return float(np.sum(np.linalg.svd(W, compute_uv=False))) if W.size else 0.0


def check_coef(coef):
    W = np.asarray(coef, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"coef must have shape (n_tasks, n_features), got {W.shape}.")
    return W


class Formulation:
    """One family's penalty.  Override ``numpy_value`` and ``cvxpy_terms``; the rest
    has defaults for a penalty of W alone with the parameters ``alpha`` and ``l2``."""

    #: Parameter names, and the defaults of the optional ones.
    parameters = ("alpha", "l2")
    defaults = {"l2": 0.0}
    #: The strengths of :meth:`cvxpy_terms`: its terms enter when one is positive.
    strengths = ("alpha",)

    def check(self, params):
        """Validated parameters: floats, plus what :meth:`check_more` adds."""
        out = {key: nonnegative(params, key, self.defaults.get(key)) for key in self.parameters}
        self.check_more(out, params)
        return out

    def check_more(self, p, params):
        """Structured or constrained parameters (hook)."""

    def variables(self, cp, n_tasks, n_features, p):
        """cvxpy variables: ``vec(W)`` in row-major order and a dict of named extras."""
        return cp.Variable(n_tasks * n_features, name="W"), {}

    def value(self, W, p, shared_coef=None, components=None):
        """:math:`\\Omega(W)` with NumPy (``shared_coef`` and ``components``: see
        :func:`~skmtl.solvers.reference_cvxpy.penalty_value`)."""
        return self.numpy_value(W, p) + 0.5 * p.get("l2", 0.0) * float(np.sum(W * W))

    def numpy_value(self, W, p):
        raise NotImplementedError

    def terms(self, cp, W, w_flat, p, unit, variables):
        """The cvxpy terms of :math:`\\Omega`, their constraints and the extras to return."""
        terms = []
        if p.get("l2", 0.0) > 0:
            terms.append(0.5 * p["l2"] * cp.sum_squares(w_flat))
        if any(p[name] > 0 for name in self.strengths):
            terms.append(self.cvxpy_terms(cp, W, p, unit))
        return terms, [], {}

    def cvxpy_terms(self, cp, W, p, unit):
        raise NotImplementedError

    def extract(self, coef, p, extras, y_scale):
        """What the result reports besides ``coef``: ``shared_coef``, ``components``,
        ``task_matrix`` (None when the family has none)."""
        return {"shared_coef": None, "components": None, "task_matrix": None}


# ---------------------------------------------------------------- quadratic couplings
def shared_closed_form(W, alpha_shared, alpha_task):
    """Minimizer over ``w0`` of the shared-parameter penalty for fixed ``W``."""
    denominator = alpha_shared + W.shape[0] * alpha_task
    if denominator == 0:
        return np.zeros(W.shape[1])
    return alpha_task * W.sum(axis=0) / denominator


class SharedParameter(Formulation):
    """``W = 1 w0' + V``, ``alpha_shared/2 ||w0||^2 + alpha_task/2 ||V||_F^2`` over w0."""

    parameters = ("alpha_shared", "alpha_task")
    defaults = {}

    def variables(self, cp, n_tasks, n_features, p):
        if p["alpha_shared"] + p["alpha_task"] <= 0:
            return super().variables(cp, n_tasks, n_features, p)
        w0 = cp.Variable(n_features, name="w0")
        v = cp.Variable(n_tasks * n_features, name="V")
        # vec(1 w0') in row-major order
        tile = sp.csr_matrix(np.tile(np.eye(n_features), (n_tasks, 1)))
        return tile @ w0 + v, {"w0": w0, "V": v}

    def value(self, W, p, shared_coef=None, components=None):
        if shared_coef is None:
            w0 = shared_closed_form(W, p["alpha_shared"], p["alpha_task"])
        else:
            w0 = np.asarray(shared_coef, dtype=np.float64)
            if w0.shape != (W.shape[1],):
                raise ValueError(f"shared_coef must have shape ({W.shape[1]},), got {w0.shape}.")
        V = W - w0[None, :]
        return float(0.5 * p["alpha_shared"] * np.dot(w0, w0)
                     + 0.5 * p["alpha_task"] * np.sum(V * V))

    def terms(self, cp, W, w_flat, p, unit, variables):
        terms = []
        if "w0" in variables:
            if p["alpha_shared"] > 0:
                terms.append(0.5 * p["alpha_shared"] * cp.sum_squares(variables["w0"]))
            if p["alpha_task"] > 0:
                terms.append(0.5 * p["alpha_task"] * cp.sum_squares(variables["V"]))
        return terms, [], {}

    def extract(self, coef, p, extras, y_scale):
        shared = shared_closed_form(coef, p["alpha_shared"], p["alpha_task"])
        return {"shared_coef": shared, "components": None, "task_matrix": None}


class Mean(Formulation):
    """``alpha/2 sum_t ||w_t - mean_s w_s||^2``."""

    def numpy_value(self, W, p):
        deviation = W - W.mean(axis=0)
        return 0.5 * p["alpha"] * float(np.sum(deviation * deviation))

    def cvxpy_terms(self, cp, W, p, unit):
        mean_row = cp.sum(W, axis=0, keepdims=True) / W.shape[0]
        return 0.5 * p["alpha"] * cp.sum_squares(W - np.ones((W.shape[0], 1)) @ mean_row)


def graph_edges(task_graph, n_tasks):
    """The upper-triangular pairs ``(s, t, A_st)`` with positive weight."""
    if task_graph is None:
        A = np.ones((n_tasks, n_tasks))
    else:
        A = task_graph.toarray() if sp.issparse(task_graph) else np.asarray(task_graph)
        A = A.astype(np.float64)
        if A.shape != (n_tasks, n_tasks):
            raise ValueError(f"task_graph must have shape ({n_tasks}, {n_tasks}), got {A.shape}.")
        if not np.all(np.isfinite(A)) or np.any(A < 0):
            raise ValueError("task_graph must be finite and non-negative.")
        if not np.allclose(A, A.T, rtol=1e-12, atol=0.0):
            raise ValueError("task_graph must be symmetric.")
    rows, cols = np.triu_indices(n_tasks, k=1)
    weights = A[rows, cols]
    keep = weights > 0
    return rows[keep], cols[keep], weights[keep]


class Graph(Formulation):
    """``alpha/2 sum_{s<t} A_st ||w_s - w_t||^2`` (``task_graph`` None: complete graph)."""

    def check_more(self, p, params):
        p["task_graph"] = params.get("task_graph")

    def numpy_value(self, W, p):
        rows, cols, weights = graph_edges(p["task_graph"], W.shape[0])
        differences = W[rows] - W[cols]
        return 0.5 * p["alpha"] * float(np.sum(weights * np.sum(differences**2, axis=1)))

    def cvxpy_terms(self, cp, W, p, unit):
        rows, cols, weights = graph_edges(p["task_graph"], W.shape[0])
        k = weights.size
        if not k:
            return cp.Constant(0.0)
        root = np.sqrt(weights)
        # weighted incidence matrix: row k is sqrt(A_st) (e_s - e_t)
        incidence = sp.csr_matrix(
            (np.concatenate([root, -root]),
             (np.concatenate([np.arange(k)] * 2), np.concatenate([rows, cols]))),
            shape=(k, W.shape[0]),
        )
        return 0.5 * p["alpha"] * cp.sum_squares(incidence @ W)


# ---------------------------------------------------------------------------- norms
class Trace(Formulation):
    """``alpha ||W||_*``."""

    def numpy_value(self, W, p):
        return p["alpha"] * nuclear_norm(W)

    def cvxpy_terms(self, cp, W, p, unit):
        return (p["alpha"] / unit) * cp.normNuc(W)


class JointFeature(Formulation):
    """``alpha sum_j ||W[:, j]||_2``."""

    def numpy_value(self, W, p):
        return p["alpha"] * float(np.sum(np.sqrt(np.sum(W * W, axis=0))))

    def cvxpy_terms(self, cp, W, p, unit):
        return (p["alpha"] / unit) * cp.sum(cp.norm(W, 2, axis=0))


class Lasso(Formulation):
    """``alpha sum_tj |W_tj|``."""

    def numpy_value(self, W, p):
        return p["alpha"] * float(np.sum(np.abs(W)))

    def cvxpy_terms(self, cp, W, p, unit):
        return (p["alpha"] / unit) * cp.sum(cp.abs(W))


class Fused(Formulation):
    """``alpha sum_j sum_t |W[t+1, j] - W[t, j]| + alpha_lasso sum_tj |W_tj|``, the tasks
    in the order of the rows."""

    parameters = ("alpha", "alpha_lasso", "l2")
    defaults = {"alpha_lasso": 0.0, "l2": 0.0}
    strengths = ("alpha", "alpha_lasso")

    def numpy_value(self, W, p):
        return (p["alpha"] * float(np.sum(np.abs(np.diff(W, axis=0))))
                + p["alpha_lasso"] * float(np.sum(np.abs(W))))

    def cvxpy_terms(self, cp, W, p, unit):
        term = p["alpha_lasso"] * cp.sum(cp.abs(W))
        if W.shape[0] > 1:
            term = term + p["alpha"] * cp.sum(cp.abs(W[1:, :] - W[:-1, :]))
        return term / unit


def task_order(params, n_tasks):
    """The ``order`` parameter: the rows of W in temporal order (None: the rows' own)."""
    order = params.get("order")
    if order is None:
        return np.arange(n_tasks)
    order = np.asarray(order)
    if order.shape != (n_tasks,) or sorted(order.tolist()) != list(range(n_tasks)):
        raise ValueError(f"order must be a permutation of range({n_tasks}), got {order!r}.")
    return order


class _Ordered(Formulation):
    """A penalty over the tasks in the order of the parameter ``order``."""

    def check_more(self, p, params):
        p["order"] = params.get("order")

    def ordered(self, W, p):
        return W[task_order(p, W.shape[0])]

    def differences(self, W, p):
        """The sparse (T - 1, T) matrix whose row k is e_(k+1) - e_(k) in ``order``."""
        order = task_order(p, W.shape[0])
        steps = W.shape[0] - 1
        return sp.csr_matrix(
            (np.concatenate([np.ones(steps), -np.ones(steps)]),
             (np.concatenate([np.arange(steps)] * 2), np.concatenate([order[1:], order[:-1]]))),
            shape=(steps, W.shape[0]))


class Temporal(_Ordered):
    """``alpha sum_j ||W[:, j]||_2 + alpha_smooth/2 sum_k ||w_(k+1) - w_(k)||^2``, the rows
    ``w_(k)`` taken in ``order``."""

    parameters = ("alpha", "alpha_smooth", "l2")
    defaults = {"l2": 0.0}
    strengths = ("alpha", "alpha_smooth")

    def numpy_value(self, W, p):
        differences = np.diff(self.ordered(W, p), axis=0)
        return (p["alpha"] * float(np.sum(np.sqrt(np.sum(W * W, axis=0))))
                + 0.5 * p["alpha_smooth"] * float(np.sum(differences**2)))

    def cvxpy_terms(self, cp, W, p, unit):
        term = (p["alpha"] / unit) * cp.sum(cp.norm(W, 2, axis=0))
        if W.shape[0] > 1:
            term = term + 0.5 * p["alpha_smooth"] * cp.sum_squares(self.differences(W, p) @ W)
        return term


class FusedSparseGroup(_Ordered):
    """``alpha_lasso sum_tj |W_tj| + alpha_fused sum_j sum_k |W_(k+1)j - W_(k)j|
    + alpha_group sum_j ||W[:, j]||_2``, the rows taken in ``order``."""

    parameters = ("alpha_lasso", "alpha_fused", "alpha_group")
    defaults = {}
    strengths = parameters

    def numpy_value(self, W, p):
        differences = np.diff(self.ordered(W, p), axis=0)
        return (p["alpha_lasso"] * float(np.sum(np.abs(W)))
                + p["alpha_fused"] * float(np.sum(np.abs(differences)))
                + p["alpha_group"] * float(np.sum(np.sqrt(np.sum(W * W, axis=0)))))

    def cvxpy_terms(self, cp, W, p, unit):
        term = (p["alpha_lasso"] * cp.sum(cp.abs(W))
                + p["alpha_group"] * cp.sum(cp.norm(W, 2, axis=0)))
        if W.shape[0] > 1:
            term = term + p["alpha_fused"] * cp.sum(cp.abs(self.differences(W, p) @ W))
        return term / unit


# ---------------------------------------- penalties minimized over a split or a matrix
class Minimized(Formulation):
    """A penalty that is a minimum over extra cvxpy variables: its NumPy value at W
    solves that minimum with cvxpy (W divided by its largest entry first; the penalty
    is homogeneous of degree :attr:`degree` in W)."""

    degree = 1

    def value(self, W, p, shared_coef=None, components=None):
        scale = float(np.max(np.abs(W))) if W.size else 0.0
        if scale == 0.0:
            return 0.0
        from . import reference_cvxpy as reference

        cp = reference.import_cvxpy()
        terms, constraints, _ = self.terms(cp, cp.Constant(W / scale), None, p, 1.0, {})
        problem = cp.Problem(cp.Minimize(cp.sum(terms)), constraints)
        status = reference._solve_once(cp, problem, reference.DEFAULT_CLARABEL_SETTINGS)
        if status not in ("optimal", "optimal_inaccurate"):
            raise RuntimeError(f"cvxpy/Clarabel could not evaluate the {type(self).__name__} "
                               f"penalty ({status}).")
        return float(problem.value) * scale**self.degree


class Split(Minimized):
    """``W = A + B`` and ``first(A) + second(B)``, minimized over the split."""

    defaults = {}

    def value(self, W, p, shared_coef=None, components=None):
        if components is None:
            return super().value(W, p)
        first, second = (check_coef(part) for part in components)
        if first.shape != W.shape or second.shape != W.shape:
            raise ValueError(f"components must be two arrays of shape {W.shape}.")
        if not np.allclose(first + second, W, rtol=1e-9, atol=1e-12 * (1 + np.abs(W).max())):
            raise ValueError("components must sum to coef.")
        return self.split_value(first, second, p)

    def terms(self, cp, W, w_flat, p, unit, variables):
        first = cp.Variable(W.shape, name="first")
        return [self.split_terms(cp, first, W - first, p) / unit], [], {
            "components": (first, W - first)}

    def extract(self, coef, p, extras, y_scale):
        first = np.asarray(extras["components"][0].value, dtype=np.float64) * y_scale
        return {"shared_coef": None, "components": (first, coef - first), "task_matrix": None}


class Dirty(Split):
    """``alpha_shared sum_j ||P[:, j]||_2 + alpha_task sum_tj |Q_tj|``."""

    parameters = ("alpha_shared", "alpha_task")

    def split_value(self, first, second, p):
        return (p["alpha_shared"] * float(np.sum(np.linalg.norm(first, axis=0)))
                + p["alpha_task"] * float(np.sum(np.abs(second))))

    def split_terms(self, cp, first, second, p):
        return (p["alpha_shared"] * cp.sum(cp.norm(first, 2, axis=0))
                + p["alpha_task"] * cp.sum(cp.abs(second)))


class Robust(Split):
    """``alpha_lowrank ||L||_* + alpha_outlier sum_t ||S[t, :]||_2``."""

    parameters = ("alpha_lowrank", "alpha_outlier")

    def split_value(self, first, second, p):
        return (p["alpha_lowrank"] * nuclear_norm(first)
                + p["alpha_outlier"] * float(np.sum(np.linalg.norm(second, axis=1))))

    def split_terms(self, cp, first, second, p):
        return (p["alpha_lowrank"] * cp.normNuc(first)
                + p["alpha_outlier"] * cp.sum(cp.norm(second, 2, axis=1)))


class RobustFeature(Split):
    """``alpha_shared sum_j ||P[:, j]||_2 + alpha_outlier sum_t ||Q[t, :]||_2``."""

    parameters = ("alpha_shared", "alpha_outlier")

    def split_value(self, first, second, p):
        return (p["alpha_shared"] * float(np.sum(np.linalg.norm(first, axis=0)))
                + p["alpha_outlier"] * float(np.sum(np.linalg.norm(second, axis=1))))

    def split_terms(self, cp, first, second, p):
        return (p["alpha_shared"] * cp.sum(cp.norm(first, 2, axis=0))
                + p["alpha_outlier"] * cp.sum(cp.norm(second, 2, axis=1)))


class SparseLowRank(Split):
    """``alpha_sparse sum_tj |P_tj| + alpha_lowrank ||Q||_*``."""

    parameters = ("alpha_sparse", "alpha_lowrank")

    def split_value(self, first, second, p):
        return (p["alpha_sparse"] * float(np.sum(np.abs(first)))
                + p["alpha_lowrank"] * nuclear_norm(second))

    def split_terms(self, cp, first, second, p):
        return (p["alpha_sparse"] * cp.sum(cp.abs(first))
                + p["alpha_lowrank"] * cp.normNuc(second))


class Clustered(Minimized):
    """``alpha eta (1 + eta) tr(W' (eta I + M)^-1 W)`` over T x T ``0 <= M <= I``,
    ``tr M = k``."""

    degree = 2
    #: The parameter that gives k, the trace of M.
    count = "n_clusters"

    def check_more(self, p, params):
        if not (p["alpha"] > 0 and p["l2"] > 0):
            raise ValueError(f"The {type(self).__name__} penalty needs alpha > 0 and l2 > 0.")
        count = params.get(self.count)
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
            raise ValueError(f"{self.count} must be an integer >= 1, got {count!r}.")
        p[self.count] = int(count)

    def oriented(self, W):
        """The matrix whose rows M couples: W itself (the tasks)."""
        return W

    def terms(self, cp, W, w_flat, p, unit, variables):
        coupled = self.oriented(W)
        size = coupled.shape[0]
        eta = p["l2"] / p["alpha"]
        matrix = cp.Variable((size, size), symmetric=True, name="M")
        constraints = [matrix >> 0, np.eye(size) - matrix >> 0,
                       cp.trace(matrix) == min(p[self.count], size)]
        shifted = eta * np.eye(size) + matrix
        term = p["alpha"] * eta * (1 + eta) * cp.matrix_frac(coupled, shifted)
        return [term], constraints, {"task_matrix": matrix}

    def extract(self, coef, p, extras, y_scale):
        matrix = np.asarray(extras["task_matrix"].value, dtype=np.float64)
        return {"shared_coef": None, "components": None, "task_matrix": matrix}


class SharedSubspace(Clustered):
    """``alpha eta (1 + eta) tr(W (eta I + M)^-1 W')`` over d x d ``0 <= M <= I``,
    ``tr M = k``: the clustered penalty of ``W'`` (convex ASO)."""

    count = "n_components"

    def oriented(self, W):
        """The matrix whose rows M couples: W' (the features)."""
        return W.T


def relationship_covariance(coef):
    """The minimizing :math:`\\Sigma = (WW^\\top)^{1/2} / \\operatorname{tr}(WW^\\top)^{1/2}`
    of the relationship penalty (:math:`I/T` for W = 0), NumPy."""
    W = check_coef(coef)
    eigenvalues, vectors = np.linalg.eigh(W @ W.T)
    root = (vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ vectors.T
    trace = float(np.trace(root))
    return root / trace if trace > 0 else np.eye(W.shape[0]) / W.shape[0]


class Relationship(Formulation):
    """``alpha/2 tr(W' Sigma^-1 W)`` over Sigma, which is ``alpha/2 ||W||_*^2``.

    Written as the squared nuclear norm: the ``cp.matrix_frac`` form is exact too but
    ill-posed for the interior-point solver when W has rank below T, where the
    minimizing Sigma is singular.
    """

    def numpy_value(self, W, p):
        return 0.5 * p["alpha"] * nuclear_norm(W) ** 2

    def terms(self, cp, W, w_flat, p, unit, variables):
        term = 0.5 * p["alpha"] * cp.square(cp.normNuc(W)) + 0.5 * p["l2"] * cp.sum_squares(W)
        return [term], [], {}

    def extract(self, coef, p, extras, y_scale):
        return {"shared_coef": None, "components": None,
                "task_matrix": relationship_covariance(coef)}


#: The families of the reference, by name.
FORMULATIONS = {
    "shared_parameter": SharedParameter(),
    "mean": Mean(),
    "graph": Graph(),
    "trace": Trace(),
    "joint_feature": JointFeature(),
    "lasso": Lasso(),
    "fused": Fused(),
    "temporal": Temporal(),
    "fused_sparse_group": FusedSparseGroup(),
    "dirty": Dirty(),
    "robust": Robust(),
    "robust_feature": RobustFeature(),
    "sparse_low_rank": SparseLowRank(),
    "clustered": Clustered(),
    "shared_subspace": SharedSubspace(),
    "relationship": Relationship(),
}
