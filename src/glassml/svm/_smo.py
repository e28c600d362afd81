"""Sequential minimal optimisation for the C-SVC dual (Fan, Chen & Lin 2005; libsvm's ``Solver``).

The one-class dual (``one_class_solve``) is the same problem with every y = +1, a zero linear
term and libsvm's feasible start.

The dual of the soft-margin SVM, with ``Q_ij = y_i y_j K(x_i, x_j)``::

    min_α  f(α) = ½ αᵀQα − eᵀα      subject to  yᵀα = 0,  0 ≤ α_i ≤ C_i

Gradient: ``∇f(α) = Qα − e``. Each iteration changes two multipliers along the constraint:

1. Working set (WSS2, second order). With ``I_up = {t : α_t < C_t, y_t = +1} ∪ {α_t > 0, y_t = −1}``
   and ``I_low`` the mirror image,

       i = argmax_{t ∈ I_up} −y_t ∇f_t                                     (m(α) = that max)
       j = argmin_{t ∈ I_low, −y_t∇f_t < m(α)} −b_it² / a_it
       a_it = K_ii + K_tt − 2 K_it,   b_it = −y_i∇f_i + y_t∇f_t > 0

   Stop when ``m(α) − M(α) ≤ tol`` with ``M(α) = min_{t ∈ I_low} −y_t ∇f_t``.
2. Two-variable update: the one-dimensional minimiser along the feasible direction
   (``y_i Δα_i = −y_j Δα_j``) is ``Δ = b_ij / a_ij``, then clipped to the box ``[0, C]²``
   (``_update_pair``).
3. Gradient update: ``∇f ← ∇f + Q_:i Δα_i + Q_:j Δα_j`` -- two kernel rows per iteration, which
   is why rows are cached (``_RowCache`` arrays below, least recently used evicted first).

Shrinking (libsvm's heuristic) temporarily removes bounded multipliers that cannot move;
``G_bar`` (the gradient contribution of the multipliers at their upper bound) lets the full
gradient be rebuilt before the final optimality check. Rows are stored in float32 exactly as
libsvm does (``Qfloat``), which halves the cache and keeps the iteration path identical.
"""

from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from glassml._growth import grown

LINEAR, POLY, RBF, SIGMOID, PRECOMPUTED = 0, 1, 2, 3, 4
KERNEL_IDS = {"linear": LINEAR, "poly": POLY, "rbf": RBF, "sigmoid": SIGMOID}

TAU = 1e-12  # stands in for a non-positive curvature a_ij (indefinite kernels)
INF = np.inf
LOWER, UPPER, FREE = 0, 1, 2

# numba has no cheap mutable objects; the solver's state travels in three records (named tuples
# of arrays and numbers, which numba compiles like separate arguments, at no cost).

#: The kernel as the user chose it: ``kind`` (LINEAR ... PRECOMPUTED) and its parameters.
KernelSpec = namedtuple("KernelSpec", ["kind", "gamma", "coef0", "degree"])
#: The kernel on the training data: X, its squared row norms, the precomputed Gram matrix (a
#: dummy unless kind == PRECOMPUTED), and the spec's fields.
Kernel = namedtuple("Kernel", ["X", "sq_norms", "gram", "kind", "gamma", "coef0", "degree"])
#: The kernel-row cache: rows (n_slots, l) float32; slot_of[position] -> slot or -1;
#: owner[slot] -> position; length[slot]: rows[slot, :length] are valid; prev/nxt: the LRU list,
#: whose sentinel is n_slots; free_slots[:n_free[0]] are unused slots.
RowCache = namedtuple(
    "RowCache", ["rows", "slot_of", "owner", "length", "prev", "nxt", "free_slots", "n_free"]
)
#: The dual problem, indexed by position (shrinking permutes positions; samples[position] is
#: the sample): labels y, gradient G, G_bar, multipliers alpha, their status, bounds C, the
#: kernel's diagonal QD, the linear term p of the objective (−e for C-SVC, 0 for one-class).
Problem = namedtuple("Problem", ["y", "G", "G_bar", "alpha", "status", "C", "QD", "samples", "p"])


@numba.njit(cache=True)
def _kernel_value(kernel, a, b):
    """k(x_a, x_b) evaluated as libsvm does (so both sides round alike)."""
    if kernel.kind == PRECOMPUTED:
        return kernel.gram[a, b]
    X = kernel.X
    dot = 0.0
    for f in range(X.shape[1]):
        dot += X[a, f] * X[b, f]
    if kernel.kind == LINEAR:
        return dot
    if kernel.kind == RBF:
        return np.exp(-kernel.gamma * (kernel.sq_norms[a] + kernel.sq_norms[b] - 2.0 * dot))
    if kernel.kind == POLY:
        return _powi(kernel.gamma * dot + kernel.coef0, kernel.degree)
    return np.tanh(kernel.gamma * dot + kernel.coef0)


@numba.njit(cache=True)
def _powi(base, times):
    """libsvm's integer power by repeated squaring (bit-identical to its polynomial kernel)."""
    result = 1.0
    t = times
    while t > 0:
        if t % 2 == 1:
            result *= base
        base *= base
        t //= 2
    return result


@numba.njit(cache=True)
def _fill_row(row, position, start, stop, problem, kernel):
    """row[t] = y_p y_t K(x_p, x_t) for positions t in [start, stop).

    The kernel branch sits outside the loop and the dot product is summed in feature order,
    as libsvm's dense ``dot``, so that every entry rounds as libsvm's does.
    """
    samples, y = problem.samples, problem.y
    a = samples[position]
    y_a = y[position]
    kind, gamma, coef0, degree = kernel.kind, kernel.gamma, kernel.coef0, kernel.degree
    if kind == PRECOMPUTED:
        gram = kernel.gram
        for t in range(start, stop):
            row[t] = np.float32(y_a * y[t] * gram[a, samples[t]])
        return
    X, sq_norms = kernel.X, kernel.sq_norms
    n_features = X.shape[1]
    x_a = X[a]
    for t in range(start, stop):
        b = samples[t]
        x_b = X[b]
        dot = 0.0
        for f in range(n_features):
            dot += x_a[f] * x_b[f]
        if kind == RBF:
            value = np.exp(-gamma * (sq_norms[a] + sq_norms[b] - 2.0 * dot))
        elif kind == LINEAR:
            value = dot
        elif kind == POLY:
            value = _powi(gamma * dot + coef0, degree)
        else:
            value = np.tanh(gamma * dot + coef0)
        row[t] = np.float32(y_a * y[t] * value)


# ---- kernel-row cache: slots of float32 rows, doubly linked LRU list, sentinel = n_slots -----


def new_cache(n_slots: int, l: int) -> RowCache:
    """An empty cache of ``n_slots`` rows of length ``l`` (at least 2, at most l slots)."""
    n_slots = max(2, min(n_slots, l))
    prev = np.empty(n_slots + 1, dtype=np.int64)
    nxt = np.empty(n_slots + 1, dtype=np.int64)
    prev[n_slots] = n_slots
    nxt[n_slots] = n_slots
    return RowCache(
        rows=np.empty((n_slots, l), dtype=np.float32),
        slot_of=-np.ones(l, dtype=np.int64),
        owner=-np.ones(n_slots, dtype=np.int64),
        length=np.zeros(n_slots, dtype=np.int64),
        prev=prev,
        nxt=nxt,
        free_slots=np.arange(n_slots)[::-1].copy(),
        n_free=np.array([n_slots]),
    )


@numba.njit(cache=True)
def _lru_delete(cache, s):
    cache.nxt[cache.prev[s]] = cache.nxt[s]
    cache.prev[cache.nxt[s]] = cache.prev[s]


@numba.njit(cache=True)
def _lru_insert(cache, s):
    # most recently used goes last, just before the sentinel
    prev, nxt, sentinel = cache.prev, cache.nxt, cache.rows.shape[0]
    nxt[s] = sentinel
    prev[s] = prev[sentinel]
    nxt[prev[s]] = s
    prev[sentinel] = s


@numba.njit(cache=True)
def _release(cache, s):
    """Slot s leaves the LRU list and its owner and joins the free slots."""
    _lru_delete(cache, s)
    cache.slot_of[cache.owner[s]] = -1
    cache.owner[s] = -1
    cache.length[s] = 0
    cache.free_slots[cache.n_free[0]] = s
    cache.n_free[0] += 1


@numba.njit(cache=True)
def _get_row(cache, problem, kernel, position, need):
    """Slot holding Q[position, :need], computing only the part not yet cached."""
    sentinel = cache.rows.shape[0]
    s = cache.slot_of[position]
    if s >= 0:
        _lru_delete(cache, s)
    else:
        if cache.n_free[0] == 0:
            _release(cache, cache.nxt[sentinel])  # the least recently used
        cache.n_free[0] -= 1
        s = cache.free_slots[cache.n_free[0]]
        cache.slot_of[position] = s
        cache.owner[s] = position
        cache.length[s] = 0
    if cache.length[s] < need:
        _fill_row(cache.rows[s], position, cache.length[s], need, problem, kernel)
        cache.length[s] = need
    _lru_insert(cache, s)
    return s


@numba.njit(cache=True)
def _cache_swap(cache, i, j):
    """Positions i and j exchange places: move their rows and swap entries i, j in every row."""
    slot_of, owner, rows, length, nxt = (
        cache.slot_of,
        cache.owner,
        cache.rows,
        cache.length,
        cache.nxt,
    )
    si, sj = slot_of[i], slot_of[j]
    slot_of[i], slot_of[j] = sj, si
    if sj >= 0:
        owner[sj] = i
    if si >= 0:
        owner[si] = j
    low, high = min(i, j), max(i, j)
    sentinel = rows.shape[0]
    s = nxt[sentinel]
    while s != sentinel:
        following = nxt[s]
        if length[s] > low:
            if length[s] > high:
                rows[s, low], rows[s, high] = rows[s, high], rows[s, low]
            else:  # row covers one of the two only: drop it (libsvm "gives up" too)
                _release(cache, s)
        s = following


# ---- the solver -------------------------------------------------------------------------------


@numba.njit(cache=True)
def _status(alpha_t, c_t):
    if alpha_t >= c_t:
        return UPPER
    if alpha_t <= 0.0:
        return LOWER
    return FREE


@numba.njit(cache=True)
def _start(X, gram, spec, y_in, C_in):
    """The kernel on X and the dual problem at alpha = 0: gradient -e, nothing at a bound."""
    l = y_in.shape[0]
    # ||x||² summed in order, as libsvm's dot(), so kernel values round identically
    sq_norms = np.zeros(l)
    for t in range(l):
        for f in range(X.shape[1]):
            sq_norms[t] += X[t, f] * X[t, f]
    kernel = Kernel(X, sq_norms, gram, spec.kind, spec.gamma, spec.coef0, spec.degree)
    C = C_in.copy()
    status = np.zeros(l, dtype=np.int8)
    QD = np.empty(l)
    for t in range(l):
        QD[t] = _kernel_value(kernel, t, t)
        status[t] = _status(0.0, C[t])
    problem = Problem(
        y=y_in.astype(np.float64),
        G=-np.ones(l),
        G_bar=np.zeros(l),
        alpha=np.zeros(l),
        status=status,
        C=C,
        QD=QD,
        samples=np.arange(l),
        p=-np.ones(l),
    )
    return kernel, problem


def smo_solve(X, gram, spec: KernelSpec, y, C, tol, max_iter, n_slots, shrinking):
    """Solve the C-SVC dual; returns (y_i α_i per sample, rho, n_iter, gap history, hit_max).

    The decision function is ``Σ_i y_i α_i K(x_i, x) − rho``. ``gram`` is the precomputed
    kernel matrix when ``spec.kind == PRECOMPUTED`` (a dummy otherwise); ``n_slots`` rows of
    the kernel matrix are cached.
    """
    kernel, problem = _start(X, gram, spec, y, C)
    cache = new_cache(n_slots, y.shape[0])
    return _smo_loop(problem, cache, kernel, tol, max_iter, shrinking)


def one_class_solve(X, gram, spec: KernelSpec, C, nu, tol, max_iter, n_slots, shrinking):
    """Solve the one-class (nu) dual of Schölkopf et al. (2001), libsvm's scaling::

        min_α  ½ αᵀKα      subject to  eᵀα = ν Σ_i C_i,  0 ≤ α_i ≤ C_i

    (``C_i`` = 1, or the sample weights). It is the C-SVC dual with every ``y_i = +1`` and a
    zero linear term, so the same SMO solves it from libsvm's feasible start: the first
    multipliers at their bound, one partial, the rest 0 (``_one_class_start``). Returns
    (α per sample, rho, n_iter, gap history, hit_max); the decision function is
    ``Σ_i α_i K(x_i, x) − rho``.
    """
    y = np.ones(C.shape[0], dtype=np.int8)
    kernel, problem = _start(X, gram, spec, y, C)
    cache = new_cache(n_slots, y.shape[0])
    _one_class_start(problem, cache, kernel, float(nu))
    return _smo_loop(problem, cache, kernel, tol, max_iter, shrinking)


@numba.njit(cache=True)
def _one_class_start(problem, cache, kernel, nu):
    """libsvm's start: α filled in order up to ν Σ C_i; G = Qα + p with p = 0; G_bar."""
    alpha, C, G, G_bar, status, p = (
        problem.alpha,
        problem.C,
        problem.G,
        problem.G_bar,
        problem.status,
        problem.p,
    )
    l = alpha.shape[0]
    remaining = 0.0
    for t in range(l):  # summed as scikit-learn's libsvm does, so the start is identical
        remaining += C[t] * nu
    t = 0
    while remaining > 0 and t < l:
        alpha[t] = min(C[t], remaining)
        remaining -= alpha[t]
        t += 1
    for t in range(l):
        p[t] = 0.0
        G[t] = 0.0
        status[t] = _status(alpha[t], C[t])
    for i in range(l):
        if status[i] != LOWER:
            Q_i = cache.rows[_get_row(cache, problem, kernel, i, l)]
            for t in range(l):
                G[t] += alpha[i] * Q_i[t]
            if status[i] == UPPER:
                for t in range(l):
                    G_bar[t] += C[i] * Q_i[t]


@numba.njit(cache=True)
def _smo_loop(problem, cache, kernel, tol, max_iter, shrinking):
    y, G, G_bar, alpha, status, C = (
        problem.y,
        problem.G,
        problem.G_bar,
        problem.alpha,
        problem.status,
        problem.C,
    )
    rows = cache.rows
    l = y.shape[0]
    active_size = l
    unshrunk = np.bool_(False)  # typed, not literal: one compiled _shrink
    history = np.empty(1024)
    n_iter = 0
    counter = min(l, 1000) + 1
    hit_max = False
    while True:
        if max_iter != -1 and n_iter >= max_iter:
            hit_max = True
            break
        counter -= 1
        if counter == 0:
            counter = min(l, 1000)
            if shrinking:
                active_size, unshrunk = _shrink(problem, cache, kernel, active_size, unshrunk, tol)

        i, j, gap = _select_working_set(problem, cache, kernel, active_size, tol)
        if j == -1:
            # optimal on the active set: rebuild the whole gradient and check all samples
            _reconstruct_gradient(problem, cache, kernel, active_size)
            active_size = l
            i, j, gap = _select_working_set(problem, cache, kernel, active_size, tol)
            if j == -1:
                break
            counter = 1  # shrink at the next iteration
        if n_iter == history.shape[0]:
            history = grown(history, 2 * n_iter, 0.0)
        history[n_iter] = gap
        n_iter += 1

        si = _get_row(cache, problem, kernel, i, active_size)
        sj = _get_row(cache, problem, kernel, j, active_size)
        Q_i, Q_j = rows[si], rows[sj]
        old_alpha_i, old_alpha_j = alpha[i], alpha[j]
        _update_pair(problem, i, j, Q_i[j])

        delta_i = alpha[i] - old_alpha_i
        delta_j = alpha[j] - old_alpha_j
        for t in range(active_size):
            G[t] += Q_i[t] * delta_i + Q_j[t] * delta_j

        # G_bar_t = Σ_{k at upper bound} C_k Q_tk changes when i or j enters/leaves the bound
        for k, c_k in ((i, C[i]), (j, C[j])):
            was_upper = status[k] == UPPER
            status[k] = _status(alpha[k], c_k)
            if was_upper != (status[k] == UPPER):
                sk = _get_row(cache, problem, kernel, k, l)
                sign = -1.0 if was_upper else 1.0
                Q_k = rows[sk]
                for t in range(l):
                    G_bar[t] += sign * c_k * Q_k[t]

    rho = _calculate_rho(problem, active_size)
    coefficients = np.empty(l)
    for t in range(l):
        coefficients[problem.samples[t]] = y[t] * alpha[t]
    return coefficients, rho, n_iter, history[:n_iter].copy(), hit_max


@numba.njit(cache=True)
def _update_pair(problem, i, j, Q_ij):
    """Minimise f along y_i Δα_i = −y_j Δα_j, then clip back into the box (libsvm's rules)."""
    alpha, y, G, QD = problem.alpha, problem.y, problem.G, problem.QD
    C_i, C_j = problem.C[i], problem.C[j]
    if y[i] != y[j]:
        quad_coef = QD[i] + QD[j] + 2.0 * Q_ij
        if quad_coef <= 0:
            quad_coef = TAU
        delta = (-G[i] - G[j]) / quad_coef
        diff = alpha[i] - alpha[j]  # conserved: α_i − α_j
        alpha[i] += delta
        alpha[j] += delta
        if diff > 0:
            if alpha[j] < 0:
                alpha[j] = 0.0
                alpha[i] = diff
        elif alpha[i] < 0:
            alpha[i] = 0.0
            alpha[j] = -diff
        if diff > C_i - C_j:
            if alpha[i] > C_i:
                alpha[i] = C_i
                alpha[j] = C_i - diff
        elif alpha[j] > C_j:
            alpha[j] = C_j
            alpha[i] = C_j + diff
    else:
        quad_coef = QD[i] + QD[j] - 2.0 * Q_ij
        if quad_coef <= 0:
            quad_coef = TAU
        delta = (G[i] - G[j]) / quad_coef
        total = alpha[i] + alpha[j]  # conserved: α_i + α_j
        alpha[i] -= delta
        alpha[j] += delta
        if total > C_i:
            if alpha[i] > C_i:
                alpha[i] = C_i
                alpha[j] = total - C_i
        elif alpha[j] < 0:
            alpha[j] = 0.0
            alpha[i] = total
        if total > C_j:
            if alpha[j] > C_j:
                alpha[j] = C_j
                alpha[i] = total - C_j
        elif alpha[i] < 0:
            alpha[i] = 0.0
            alpha[j] = total


@numba.njit(cache=True)
def _select_working_set(problem, cache, kernel, active_size, tol):
    """WSS2; returns (i, j, m(α) − M(α)) with j = −1 when m(α) − M(α) < tol."""
    y, G, status, QD = problem.y, problem.G, problem.status, problem.QD
    g_max = -INF  # m(α) = max_{I_up} −y_t ∇f_t
    # np.int64, not a bare -1: a literal start makes Numba compile _get_row a second time,
    # specialised to -1, while it is still inferring the loop's type (cold-start seconds).
    g_max_idx = np.int64(-1)
    for t in range(active_size):
        if y[t] > 0:
            if status[t] != UPPER and -G[t] >= g_max:
                g_max = -G[t]
                g_max_idx = t
        elif status[t] != LOWER and G[t] >= g_max:
            g_max = G[t]
            g_max_idx = t
    i = g_max_idx
    g_max2 = -INF  # −M(α) = max_{I_low} y_t ∇f_t
    j = -1
    if i == -1:
        return i, j, g_max + g_max2
    Q_i = cache.rows[_get_row(cache, problem, kernel, i, active_size)]
    obj_diff_min = INF
    for t in range(active_size):
        if y[t] > 0:
            if status[t] != LOWER:
                grad_diff = g_max + G[t]  # b_it
                if G[t] >= g_max2:
                    g_max2 = G[t]
                if grad_diff > 0:
                    quad_coef = QD[i] + QD[t] - 2.0 * y[i] * Q_i[t]  # a_it
                    obj_diff = -(grad_diff * grad_diff) / (quad_coef if quad_coef > 0 else TAU)
                    if obj_diff <= obj_diff_min:
                        j = t
                        obj_diff_min = obj_diff
        elif status[t] != UPPER:
            grad_diff = g_max - G[t]
            if -G[t] >= g_max2:
                g_max2 = -G[t]
            if grad_diff > 0:
                quad_coef = QD[i] + QD[t] + 2.0 * y[i] * Q_i[t]
                obj_diff = -(grad_diff * grad_diff) / (quad_coef if quad_coef > 0 else TAU)
                if obj_diff <= obj_diff_min:
                    j = t
                    obj_diff_min = obj_diff
    gap = g_max + g_max2
    if gap < tol:
        j = -1
    return i, j, gap


@numba.njit(cache=True)
def _calculate_rho(problem, active_size):
    """b = −rho: average of y_t ∇f_t over free multipliers, else the midpoint of its bounds."""
    y, G, status = problem.y, problem.G, problem.status
    upper_bound, lower_bound, sum_free, n_free = INF, -INF, 0.0, 0
    for t in range(active_size):
        yG = y[t] * G[t]
        if status[t] == UPPER:
            if y[t] < 0:
                upper_bound = min(upper_bound, yG)
            else:
                lower_bound = max(lower_bound, yG)
        elif status[t] == LOWER:
            if y[t] > 0:
                upper_bound = min(upper_bound, yG)
            else:
                lower_bound = max(lower_bound, yG)
        else:
            n_free += 1
            sum_free += yG
    if n_free > 0:
        return sum_free / n_free
    return (upper_bound + lower_bound) / 2.0


@numba.njit(cache=True)
def _reconstruct_gradient(problem, cache, kernel, active_size):
    """∇f_t for shrunk t from G_bar (bounded multipliers) plus the free multipliers' rows."""
    G, alpha, status, rows = problem.G, problem.alpha, problem.status, cache.rows
    l = G.shape[0]
    if active_size == l:
        return
    for t in range(active_size, l):
        G[t] = problem.G_bar[t] + problem.p[t]
    n_free_alpha = 0
    for t in range(active_size):
        if status[t] == FREE:
            n_free_alpha += 1
    if n_free_alpha * l > 2 * active_size * (l - active_size):
        for i in range(active_size, l):
            s = _get_row(cache, problem, kernel, i, active_size)
            for t in range(active_size):
                if status[t] == FREE:
                    G[i] += alpha[t] * rows[s, t]
    else:
        for i in range(active_size):
            if status[i] == FREE:
                s = _get_row(cache, problem, kernel, i, l)
                for t in range(active_size, l):
                    G[t] += alpha[i] * rows[s, t]


@numba.njit(cache=True)
def _be_shrunk(problem, t, g_max1, g_max2):
    y, G, status = problem.y, problem.G, problem.status
    if status[t] == UPPER:
        return -G[t] > (g_max1 if y[t] > 0 else g_max2)
    if status[t] == LOWER:
        return G[t] > (g_max2 if y[t] > 0 else g_max1)
    return False


@numba.njit(cache=True)
def _swap(problem, cache, i, j):
    """Positions i and j exchange places in the problem and in the cache."""
    _cache_swap(cache, i, j)
    for values in (problem.y, problem.G, problem.G_bar, problem.alpha, problem.C, problem.QD):
        values[i], values[j] = values[j], values[i]
    status, samples = problem.status, problem.samples
    status[i], status[j] = status[j], status[i]
    samples[i], samples[j] = samples[j], samples[i]


@numba.njit(cache=True)
def _shrink(problem, cache, kernel, active_size, unshrunk, tol):
    """Move bounded multipliers that violate nothing past active_size (libsvm do_shrinking)."""
    y, G, status = problem.y, problem.G, problem.status
    l = y.shape[0]
    g_max1 = -INF  # max over I_up of −y ∇f
    g_max2 = -INF  # max over I_low of y ∇f
    for t in range(active_size):
        if y[t] > 0:
            if status[t] != UPPER and -G[t] >= g_max1:
                g_max1 = -G[t]
            if status[t] != LOWER and G[t] >= g_max2:
                g_max2 = G[t]
        else:
            if status[t] != UPPER and -G[t] >= g_max2:
                g_max2 = -G[t]
            if status[t] != LOWER and G[t] >= g_max1:
                g_max1 = G[t]
    if not unshrunk and g_max1 + g_max2 <= tol * 10:
        # close to optimal: bring every multiplier back once before the final stretch
        unshrunk = True
        _reconstruct_gradient(problem, cache, kernel, active_size)
        active_size = l
    t = np.int64(0)  # typed, not literal: one compiled _be_shrunk and _swap (see above)
    while t < active_size:
        if _be_shrunk(problem, t, g_max1, g_max2):
            active_size -= 1
            while active_size > t:
                if not _be_shrunk(problem, active_size, g_max1, g_max2):
                    _swap(problem, cache, t, active_size)
                    break
                active_size -= 1
        t += 1
    return active_size, unshrunk
