"""Gallery of plots on the School data: regularization paths and learned task similarity.

The ILEA School data (``skmtl.datasets.load_school``: 139 schools, one task
each, 27 features standardized with ``StandardScaler``, routed task labels):

- ``path_trace.png``: the regularization path of ``TraceNormRegressor``
  (``skmtl.model_selection.regularization_path``, ``--alphas`` values from
  alpha_max down to alpha_max / 1000, each fit warm-started from the last): the
  singular values of ``coef_`` (T × d) against alpha;
- ``path_joint_feature.png``: the same for ``JointFeatureRegressor``: the L2 norm
  ``||W[:, j]||`` of each feature's coefficient column against alpha, one line
  per feature;
- ``task_similarity.png``: the cosine similarity of the rows of ``coef_`` (the
  tasks' coefficient vectors) of ``GraphRegularizedRegressor`` (complete graph)
  and ``MeanRegularizedRegressor``, each at the alpha that the School benchmark
  (``school.py``) chose most often, tasks ordered by the leaves of an average-
  linkage hierarchical clustering of that matrix (cosine distance), so that
  groups of similar schools show as blocks.

Writes the three PNGs and ``gallery.md`` (the images with one-sentence captions
and the machine) to ``--output-dir``. ``--quick`` keeps 8 schools and 5 alphas
(seconds, for the tests).
"""

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine_header, make_parser, pyplot, write_lines  # noqa: E402

from skmtl import (  # noqa: E402
    GraphRegularizedRegressor,
    JointFeatureRegressor,
    MeanRegularizedRegressor,
    TraceNormRegressor,
)
from skmtl.datasets import load_school  # noqa: E402
from skmtl.model_selection import regularization_path  # noqa: E402

N_ALPHAS = 30
N_ALPHAS_QUICK = 5
N_SCHOOLS_QUICK = 8
#: The alphas the School benchmark chose most often (results/school.md).
SIMILARITY_MODELS = (
    ("GraphRegularizedRegressor (complete graph)", GraphRegularizedRegressor(alpha=0.03)),
    ("MeanRegularizedRegressor", MeanRegularizedRegressor(alpha=10.0)),
)
#: Features named in the legend of the L2,1 path (the largest at the smallest alpha).
N_LABELLED_FEATURES = 8


def school_data(quick):
    """Standardized School features, targets, task labels and feature names."""
    bunch = load_school()
    X, y, tasks = bunch.data, bunch.target, bunch.tasks
    if quick:
        keep = tasks < N_SCHOOLS_QUICK
        X, y, tasks = X[keep], y[keep], tasks[keep]
    return StandardScaler().fit_transform(X), y, tasks, list(bunch.feature_names)


def singular_values(coefs):
    """Singular values of every ``coefs[k]`` (k, T, d): shape (k, min(T, d)), decreasing."""
    return np.linalg.svd(coefs, compute_uv=False)


def column_norms(coefs):
    """``||W[:, j]||`` of every path point and feature: shape (k, d)."""
    return np.linalg.norm(coefs, axis=1)


def alpha_axis(ax, path):
    """Log alpha axis, decreasing to the right like the path, with alpha_max marked."""
    ax.set_xscale("log")
    ax.set_xlim(path.alphas[0] * 1.2, path.alphas[-1] / 1.2)
    if path.alpha_max is not None:
        ax.axvline(path.alpha_max, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel(f"{path.parameter} (log scale, decreasing)")
    ax.grid(True, which="both", alpha=0.3)


def plot_trace_path(path, output_dir):
    """``path_trace.png``: singular values of coef_ against alpha."""
    plt = pyplot()
    values = singular_values(path.coefs)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(path.alphas, values, color="tab:blue", linewidth=1)
    alpha_axis(ax, path)
    ax.set_ylabel("singular values of coef_ (T × d)")
    ax.set_title(f"TraceNormRegressor path on School ({path.coefs.shape[1]} schools)")
    fig.tight_layout()
    fig.savefig(output_dir / "path_trace.png", dpi=120)
    plt.close(fig)
    return values


def plot_joint_feature_path(path, feature_names, output_dir):
    """``path_joint_feature.png``: every feature's column norm against alpha."""
    plt = pyplot()
    norms = column_norms(path.coefs)
    labelled = np.argsort(norms[-1])[::-1][:N_LABELLED_FEATURES].tolist()
    # tab10 without its grey, which the other features are drawn in.
    colors = [plt.get_cmap("tab10")(i) for i in (0, 1, 2, 3, 4, 5, 6, 8, 9)]
    fig, ax = plt.subplots(figsize=(9, 4.8))
    for j, name in enumerate(feature_names):
        if j in labelled:
            ax.plot(path.alphas, norms[:, j], linewidth=1.5, label=name,
                    color=colors[labelled.index(j) % len(colors)])
        else:
            ax.plot(path.alphas, norms[:, j], color="grey", linewidth=0.7, alpha=0.6)
    alpha_axis(ax, path)
    ax.set_ylabel("||W[:, j]|| (one line per feature)")
    ax.set_title(f"JointFeatureRegressor path on School ({path.coefs.shape[1]} schools)")
    ax.legend(fontsize=7, title=f"largest {N_LABELLED_FEATURES} at the\nsmallest alpha",
              title_fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(output_dir / "path_joint_feature.png", dpi=120)
    plt.close(fig)
    return norms


def cosine_similarity(coef):
    """Cosine similarity of the rows of ``coef`` (T, d); a zero row is similar to nothing."""
    norms = np.linalg.norm(coef, axis=1)
    unit = coef / np.where(norms > 0, norms, 1.0)[:, None]
    return np.clip(unit @ unit.T, -1.0, 1.0)


def cluster_order(similarity):
    """Task order: leaves of an average-linkage clustering on the cosine distance."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    distance = 0.5 * (distance + distance.T)
    if distance.shape[0] < 3:
        return np.arange(distance.shape[0])
    return leaves_list(linkage(squareform(distance, checks=False), method="average"))


def plot_task_similarity(fitted, output_dir):
    """``task_similarity.png``: one clustered cosine-similarity heatmap per model."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(fitted), figsize=(6.6 * len(fitted), 5.4))
    summaries = []
    for ax, (name, model) in zip(np.atleast_1d(axes), fitted, strict=True):
        similarity = cosine_similarity(model.coef_)
        order = cluster_order(similarity)
        off_diagonal = similarity[~np.eye(similarity.shape[0], dtype=bool)]
        least = float(np.min(off_diagonal)) if off_diagonal.size else 1.0
        # Each panel spans its own range: strong sharing leaves all similarities near 1.
        image = ax.imshow(similarity[np.ix_(order, order)], cmap="viridis",
                          vmin=min(least, 1.0 - 1e-6), vmax=1.0, interpolation="nearest")
        ax.set_title(f"{name}, alpha={model.alpha:g}", fontsize=9)
        ax.set_xlabel("task (clustered order)")
        ax.set_ylabel("task (clustered order)")
        fig.colorbar(image, ax=ax, shrink=0.85, label="cosine similarity of coef_ rows")
        median = float(np.median(off_diagonal)) if off_diagonal.size else 1.0
        summaries.append((name, model.alpha, median, least))
    fig.tight_layout()
    fig.savefig(output_dir / "task_similarity.png", dpi=120)
    plt.close(fig)
    return summaries


def fit_similarity_models(X, y, tasks, progress):
    """The two quadratic models at their School-benchmark alphas."""
    fitted = []
    for name, model in SIMILARITY_MODELS:
        progress.set_postfix_str(name)
        fitted.append((name, model.fit(X, y, tasks=tasks)))
        progress.update()
    return fitted


def compute_path(estimator, X, y, tasks, n_alphas, progress):
    """``regularization_path`` of one norm family, with a progress step."""
    progress.set_postfix_str(f"{type(estimator).__name__} path")
    path = regularization_path(estimator, X, y, tasks=tasks, alphas=n_alphas)
    progress.update()
    return path


def path_caption(path, family):
    """Range of alpha and iterations of a path, for the captions."""
    return (f"{family}: {len(path.alphas)} alphas from {path.alphas[0]:.3g} (alpha_max) to "
            f"{path.alphas[-1]:.3g}, {int(np.sum(path.n_iters))} iterations in all, largest "
            f"certificate {float(np.max(path.certificates)):.1e}")


def write_report(output_dir, n_tasks, trace, joint, values, norms, summaries, wall_time):
    """``gallery.md``: the images with one-sentence captions."""
    rank = int(np.sum(values[-1] > 1e-10 * values[-1].max())) if values[-1].max() > 0 else 0
    support = int(np.sum(norms[-1] > 0))
    lines = machine_header("Gallery: School regularization paths and task similarity",
                           "gallery.py")
    lines += [
        f"School data: {n_tasks} schools (tasks), 27 standardized features, routed task labels. "
        f"Total wall time {wall_time:.0f} s.",
        "",
        "![trace-norm path](path_trace.png)",
        "",
        f"`path_trace.png`: the singular values of `TraceNormRegressor.coef_` along its "
        f"regularization path leave zero one after another as alpha decreases, down to rank "
        f"{rank} at the smallest alpha ({path_caption(trace, 'TraceNormRegressor')}).",
        "",
        "![L2,1 path](path_joint_feature.png)",
        "",
        f"`path_joint_feature.png`: the norm of each feature's coefficient column of "
        f"`JointFeatureRegressor` along its path, features entering the model jointly for all "
        f"schools, {support} of 27 in use at the smallest alpha "
        f"({path_caption(joint, 'JointFeatureRegressor')}).",
        "",
        "![task similarity](task_similarity.png)",
        "",
        "`task_similarity.png`: the cosine similarity of the schools' coefficient vectors "
        "learned by " + " and ".join(
            f"`{name}` (alpha={alpha:g}; median off-diagonal {median:.2f}, least {least:.2f})"
            for name, alpha, median, least in summaries
        ) + ", schools ordered by average-linkage clustering of each matrix (each panel "
        "has its own colour range: the shared component makes every pair similar).",
        "",
    ]
    write_lines(output_dir / "gallery.md", lines)


def main(argv=None):
    parser = make_parser(__doc__, f"{N_SCHOOLS_QUICK} schools and {N_ALPHAS_QUICK} alphas")
    parser.add_argument("--alphas", type=int, default=None,
                        help=f"points per path (default {N_ALPHAS}, {N_ALPHAS_QUICK} with --quick)")
    args = parser.parse_args(argv)
    if args.alphas is None:
        args.alphas = N_ALPHAS_QUICK if args.quick else N_ALPHAS
    if args.alphas < 2:
        parser.error("--alphas must be at least 2")
    args.output_dir.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    X, y, tasks, feature_names = school_data(args.quick)
    with tqdm(total=2 + len(SIMILARITY_MODELS), desc="gallery", unit="fit") as progress:
        fitted = fit_similarity_models(X, y, tasks, progress)
        trace = compute_path(TraceNormRegressor(), X, y, tasks, args.alphas, progress)
        joint = compute_path(JointFeatureRegressor(), X, y, tasks, args.alphas, progress)
    summaries = plot_task_similarity(fitted, args.output_dir)
    values = plot_trace_path(trace, args.output_dir)
    norms = plot_joint_feature_path(joint, feature_names, args.output_dir)
    wall_time = time.perf_counter() - start
    write_report(args.output_dir, int(np.unique(tasks).size), trace, joint, values, norms,
                 summaries, wall_time)
    print(f"Total wall time: {wall_time:.1f} s; written to {args.output_dir}")


if __name__ == "__main__":
    main()
