r"""
=====================================================================
Sparse text features: joint feature selection finds the shared words
=====================================================================

Text classification and regression per domain (reviews of books, films and
music; messages of different users) work on bag-of-words counts: a sparse
matrix with one column per word of the vocabulary, most of them zero in any
document.  When the domains share the words that carry the signal, the L2,1
penalty of :class:`~skmtl.JointFeatureRegressor` selects them jointly: a word
is used by every task or by none.

This example generates such a problem with a known answer: a vocabulary of
20,000 words, 8 domains of 300 documents each, and a target (a rating) that
depends on the same 40 shared words in every domain, with domain-specific
weights.  X is a SciPy CSR matrix and stays one: the estimator never forms a
dense copy of it, nor a 20,000 × 20,000 Gram matrix.  Independent lassos, one
per domain, are the comparison.
"""

# %%
# A generated bag-of-words problem
# --------------------------------
#
# Word frequencies follow a Zipf law, as in real text; each document draws about
# 60 word occurrences.  The shared words are taken among the moderately frequent
# ones.
import time

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse as sp

from skmtl import IndependentLassoRegressor, JointFeatureRegressor

rng = np.random.default_rng(0)
n_words, n_domains, n_documents, length = 20_000, 8, 300, 60
frequency = 1.0 / np.arange(1, n_words + 1)
frequency /= frequency.sum()
rows, columns = [], []
for document in range(n_domains * n_documents):
    words = rng.choice(n_words, size=length, p=frequency)
    rows.append(np.full(length, document))
    columns.append(words)
rows, columns = np.concatenate(rows), np.concatenate(columns)
X = sp.csr_array((np.ones(rows.size), (rows, columns)),
                 shape=(n_domains * n_documents, n_words))
X.sum_duplicates()
X.data = np.log1p(X.data)  # damped counts
domain = np.repeat(np.arange(n_domains), n_documents)

shared = rng.choice(np.arange(20, 600), size=40, replace=False)
weights = np.zeros((n_domains, n_words))
weights[:, shared] = rng.choice([-1.0, 1.0], 40) * rng.uniform(1.0, 3.0, (n_domains, 40))
rating = np.array([X[[i]] @ weights[t] for i, t in enumerate(domain)]).ravel()
rating += 0.3 * rng.standard_normal(rating.size)
print(f"X: {X.shape[0]} documents x {X.shape[1]} words, {X.nnz} non-zeros "
      f"({X.nnz / np.prod(X.shape):.2%} dense)")

# %%
# Joint feature selection against independent lassos
# ---------------------------------------------------
#
# Both models are fitted on the CSR matrix with the domains routed by
# ``tasks=``.  The alphas are a fraction of the smallest alpha that selects
# nothing.
def fit_timed(model):
    start = time.perf_counter()
    model.fit(X, rating, tasks=domain)
    return model, time.perf_counter() - start


joint, joint_time = fit_timed(JointFeatureRegressor(alpha=0.01))
lasso, lasso_time = fit_timed(IndependentLassoRegressor(alpha=0.005))
for name, model, seconds in (("joint (L2,1)", joint, joint_time),
                             ("independent lassos", lasso, lasso_time)):
    used = np.flatnonzero(np.any(model.coef_ != 0, axis=0))
    found = np.intersect1d(used, shared).size
    print(f"{name:20s} {seconds:5.2f} s: {used.size:5d} words used, "
          f"{found}/40 shared words among them")

# %%
# Which words each model uses
# ---------------------------
#
# Each column is a word (the 2,000 most frequent), each row a domain; a mark is a
# non-zero coefficient.  The joint model uses the same columns in every domain,
# and they are the shared words (the red ticks); the independent lassos pick
# different words in different domains.
fig, axes = plt.subplots(2, 1, figsize=(8, 4), sharex=True)
for axis, (name, model) in zip(axes, (("JointFeatureRegressor", joint),
                                      ("IndependentLassoRegressor", lasso)), strict=True):
    task, word = np.nonzero(model.coef_[:, :2000])
    axis.scatter(word, task, s=4, marker="s")
    axis.vlines(shared, -0.8, -0.4, color="tab:red", linewidth=1)
    axis.set_ylabel("domain")
    axis.set_title(name)
axes[-1].set_xlabel("word (by frequency rank)")
fig.tight_layout()
plt.show()
