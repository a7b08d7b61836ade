"""The benchmark scripts run end to end (``--quick``) and write their tables.

Timings are the benchmarks' business: nothing here asserts on them.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

SCHOOL_ROWS = [
    "Independent ridge",
    "Pooled ridge",
    "SharedParameterRegressor",
    "MeanRegularizedRegressor",
    "GraphRegularizedRegressor",
    "TraceNormRegressor",
    "JointFeatureRegressor",
    "SharedParameterRegressorCV",
    "MeanRegularizedRegressorCV",
    "GraphRegularizedRegressorCV",
    "TraceNormRegressorCV",
    "JointFeatureRegressorCV",
    "IndependentLassoRegressor",
    "DirtyRegressor",
    "RobustLowRankRegressor",
    "RobustFeatureRegressor",
    "SparseLowRankRegressor",
    "ClusteredRegressor",
    "SharedSubspaceRegressor",
    "TaskRelationshipRegressor",
    "TemporalGroupLassoRegressor",
    "FusedSparseGroupLassoRegressor",
    "HierarchicalRegressor",
]

LANDMINE_ROWS = [
    "Independent logistic",
    "Pooled logistic",
    "SharedParameterClassifier",
    "MeanRegularizedClassifier",
    "GraphRegularizedClassifier",
    "TraceNormClassifier",
    "JointFeatureClassifier",
    "SharedParameterClassifierCV",
    "MeanRegularizedClassifierCV",
    "GraphRegularizedClassifierCV",
    "TraceNormClassifierCV",
    "JointFeatureClassifierCV",
    "IndependentLassoClassifier",
    "DirtyClassifier",
    "RobustFeatureClassifier",
    "SparseLowRankClassifier",
    "ClusteredClassifier",
    "SharedSubspaceClassifier",
    "TaskRelationshipClassifier",
    "TemporalGroupLassoClassifier",
    "FusedSparseGroupLassoClassifier",
]

SPEED_ROWS = [
    "SharedParameterRegressor",
    "MeanRegularizedRegressor",
    "GraphRegularizedRegressor",
    "TraceNormRegressor",
    "JointFeatureRegressor",
    "IndependentLassoRegressor",
    "DirtyRegressor",
    "RobustLowRankRegressor",
    "RobustFeatureRegressor",
    "SparseLowRankRegressor",
    "ClusteredRegressor",
    "SharedSubspaceRegressor",
    "TaskRelationshipRegressor",
    "IndependentLassoClassifier",
    "DirtyClassifier",
    "RobustFeatureClassifier",
    "SparseLowRankClassifier",
    "ClusteredClassifier",
    "SharedSubspaceClassifier",
    "TaskRelationshipClassifier",
    "TemporalGroupLassoRegressor",
    "FusedSparseGroupLassoRegressor",
    "TemporalGroupLassoClassifier",
    "FusedSparseGroupLassoClassifier",
    "(b) n=",
    "(c) n=",
]


def run_script(name, output_dir):
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), "--quick", "--output-dir", str(output_dir)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=BENCHMARKS.parent,
    )
    assert completed.returncode == 0, (
        f"{name} failed with exit code {completed.returncode}:\n"
        f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )
    return completed


def table_rows(text):
    """The lines of the markdown tables that are rows (not header separators)."""
    return [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]


def test_school_quick(tmp_path):
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    run_script("school.py", tmp_path)

    report = (tmp_path / "school.md").read_text(encoding="utf-8")
    rows = table_rows(report)
    for model in SCHOOL_ROWS:
        matching = [row for row in rows if row.startswith(f"| {model} ")]
        assert len(matching) == 1, f"no single row for {model!r} in school.md:\n{report}"
        cells = [cell.strip() for cell in matching[0].strip("|").split("|")]
        for cell in cells[1:3]:  # pooled, and the mean over schools
            mean = float(cell.split("±")[0])
            assert 0.0 < mean < 1.0, f"explained variance out of range for {model!r}: {cell}"
    assert "Machine:" in report and "Command:" in report
    for name in ("school.png", "school_task_correlation.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_landmine_quick(tmp_path):
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    run_script("landmine.py", tmp_path)

    report = (tmp_path / "landmine.md").read_text(encoding="utf-8")
    rows = table_rows(report)
    for model in LANDMINE_ROWS:
        # One table per training fraction (20 % and 40 %), one row per model in each.
        matching = [row for row in rows if row.startswith(f"| {model} ")]
        assert len(matching) == 2, f"not one row per fraction for {model!r}:\n{report}"
        for row in matching:
            cells = [cell.strip() for cell in row.strip("|").split("|")]
            auc = float(cells[1].split("±")[0])
            # Every model beats chance clearly on Landmine (about 0.73 to 0.78).
            assert 0.6 < auc <= 1.0, f"mean per-task AUC out of range for {model!r}: {cells[1]}"
    assert "Machine:" in report and "Command:" in report
    assert "## 20% of every field" in report and "## 40% of every field" in report
    for name in ("landmine.png", "landmine_task_correlation.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_speed_quick(tmp_path):
    pytest.importorskip("tqdm")
    pytest.importorskip("cvxpy")
    pytest.importorskip("clarabel")
    run_script("speed.py", tmp_path)

    report = (tmp_path / "speed.md").read_text(encoding="utf-8")
    rows = table_rows(report)
    for model in SPEED_ROWS:
        assert any(row.startswith(f"| {model}") for row in rows), (
            f"no row for {model!r} in speed.md:\n{report}"
        )
    assert "Machine:" in report and "Command:" in report
    # Parts (a), (d) and (g) check skmtl's objective against cvxpy's in their last column.
    family_rows = [row for row in rows if "Regressor (" in row or "Classifier (" in row]
    assert len(family_rows) == 7 + 14 + 10
    assert all(row.rstrip(" |").endswith("yes") for row in family_rows), report


def test_device_rows_on_array_api_strict():
    """The GPU-against-CPU part of speed.py on array_api_strict's second device.

    ``speed.py --device cuda`` runs the same rows on CuPy; here the code path
    (moving data, dispatching, comparing the coefficients) runs without a GPU.
    """
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        pytest.skip("array API dispatch needs SCIPY_ARRAY_API=1")
    xps = pytest.importorskip("array_api_strict")
    tqdm = pytest.importorskip("tqdm").tqdm
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from _devices import HEADER, N_ROWS, device_rows
    finally:
        sys.path.remove(str(BENCHMARKS))
    with tqdm(disable=True) as progress:
        rows = device_rows(xps, xps.Device("device1"), quick=True, repeats=1,
                           progress=progress)
    assert len(rows) == N_ROWS
    for row in rows:
        assert len(row) == len(HEADER)
        relative_difference = float(row[-1])
        # float32 fits stop at tol 1e-4; float64 ones agree to rounding.
        assert relative_difference < (1e-3 if row[1] == "float32" else 1e-6), row


def test_per_task_ridge_is_ridge_on_every_task():
    """The batched baseline of school.py finds scikit-learn's Ridge solution of every task."""
    np = pytest.importorskip("numpy")
    from sklearn.linear_model import Ridge

    sys.path.insert(0, str(BENCHMARKS))
    try:
        from _common import PerTaskRidge
    finally:
        sys.path.remove(str(BENCHMARKS))
    rng = np.random.default_rng(0)
    # Unequal task sizes, one task with fewer rows than features.
    tasks = np.repeat(np.array([3, 7, 11]), [40, 25, 4])
    X = rng.standard_normal((tasks.size, 6))
    y = X @ rng.standard_normal(6) + rng.standard_normal(tasks.size) + tasks
    model = PerTaskRidge(alpha=2.0).fit(X, y, tasks=tasks)
    prediction = model.predict(X, tasks=tasks)
    for row, label in enumerate(model.tasks_):
        rows = tasks == label
        reference = Ridge(alpha=2.0).fit(X[rows], y[rows])
        np.testing.assert_allclose(model.coef_[row], reference.coef_, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(model.intercept_[row], reference.intercept_, rtol=1e-10)
        np.testing.assert_allclose(prediction[rows], reference.predict(X[rows]), rtol=1e-10)


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

SCALING_FAMILIES = [
    "SharedParameterRegressor",
    "MeanRegularizedRegressor",
    "GraphRegularizedRegressor",
    "TraceNormRegressor",
    "JointFeatureRegressor",
]


def assert_png(path):
    assert path.stat().st_size > 0, f"{path.name} is empty"
    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path.name} is not a PNG"


def test_scaling_quick(tmp_path):
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    run_script("scaling.py", tmp_path)

    report = (tmp_path / "scaling.md").read_text(encoding="utf-8")
    assert "Machine:" in report and "Command:" in report
    for curve in ("N", "T", "d"):
        assert f"## In {curve} (" in report, f"no table for the curve in {curve}:\n{report}"
    headers = [line for line in report.splitlines() if line.startswith("| N |")
               or line.startswith("| T |") or line.startswith("| d |")]
    assert len(headers) == 3
    for header in headers:
        assert all(family in header for family in SCALING_FAMILIES), header
    # --quick: three points per curve, each with a ratio and a time for every family.
    points = [row for row in table_rows(report) if row.count(" s)") == len(SCALING_FAMILIES)]
    assert len(points) == 9, report
    assert_png(tmp_path / "scaling.png")


def test_gallery_quick(tmp_path):
    pytest.importorskip("tqdm")
    pytest.importorskip("matplotlib")
    run_script("gallery.py", tmp_path)

    images = ("path_trace.png", "path_joint_feature.png", "task_similarity.png")
    for name in images:
        assert_png(tmp_path / name)
    report = (tmp_path / "gallery.md").read_text(encoding="utf-8")
    assert "Machine:" in report and "Command:" in report
    for name in images:
        assert f"({name})" in report and f"`{name}`" in report, f"{name} not in gallery.md"


SCALE_ROWS = ["MeanRegularizedRegressor", "TraceNormRegressor", "JointFeatureRegressor"]


def test_scale_quick(tmp_path):
    pytest.importorskip("tqdm")
    pytest.importorskip("dask.array")
    pytest.importorskip("distributed")
    run_script("scale.py", tmp_path)

    # --quick writes its own report, never the full one.
    assert not (tmp_path / "scale.md").exists()
    report = (tmp_path / "scale_quick.md").read_text(encoding="utf-8")
    assert "Machine:" in report and "Command:" in report
    rows = table_rows(report)
    for model in SCALE_ROWS:
        fits = [row for row in rows if row.startswith(f"| {model}(")]
        assert len(fits) == 1, f"no single fit row for {model!r} in scale_quick.md:\n{report}"
        checks = [row for row in rows if row.startswith(f"| {model} |")]
        # One row in the cluster throughput table, one in the correctness check.
        assert len(checks) == 2, report
        assert checks[-1].rstrip(" |").endswith("yes"), checks[-1]
    backends = [row for row in rows if row.startswith(("| dask |", "| default |"))]
    assert len(backends) == 2, report


def cells_of(row):
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def test_dask_wide_quick(tmp_path):
    """Both routes of a classifier on dask (Hessian blocks, gradient passes) at each width
    fit the same model."""
    pytest.importorskip("distributed")
    run_script("dask_wide.py", tmp_path)

    assert not (tmp_path / "dask_wide.md").exists()
    report = (tmp_path / "dask_wide_quick.md").read_text(encoding="utf-8")
    assert "Machine:" in report and "Command:" in report
    rows = [cells_of(row) for row in table_rows(report) if not row.startswith("| d ")]
    assert [(row[0], row[1]) for row in rows] == [
        ("20", "blocks"), ("20", "gradient"), ("80", "blocks"), ("80", "gradient")]
    for row in rows:
        assert int(row[3]) >= 2  # passes: the totals and at least one step
        assert float(row[6]) <= 1e-5  # both routes solved to the same model


def test_cv_statistics_quick(tmp_path):
    """Fold statistics and fits on rows choose the same alpha and coefficients."""
    run_script("cv_statistics.py", tmp_path)

    assert not (tmp_path / "cv_statistics.md").exists()
    report = (tmp_path / "cv_statistics_quick.md").read_text(encoding="utf-8")
    assert "Machine:" in report and "Command:" in report
    rows = [cells_of(row) for row in table_rows(report) if not row.startswith("| data ")]
    assert len(rows) == 3, report
    for row in rows:
        assert row[6] == "True", row
        assert float(row[7]) <= 1e-8, row


def test_hierarchical_quick(tmp_path):
    """Both packages fit the same model: where statsmodels fits, its log-likelihood is
    at most skmtl's (skmtl finds the maximum of its profile to machine precision)."""
    pytest.importorskip("statsmodels")
    run_script("hierarchical.py", tmp_path)

    report = (tmp_path / "hierarchical.md").read_text(encoding="utf-8")
    assert "Machine:" in report and "Command:" in report
    rows = [row for row in table_rows(report) if not row.startswith("| Problem")]
    assert [row.split("|")[1].strip() for row in rows] == ["School, first 2 features",
                                                            "Generated"]
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert float(cells[4]) > 0  # skmtl's fit time
        if cells[11]:
            assert float(cells[11]) <= float(cells[10]) * (1 - 1e-12)
