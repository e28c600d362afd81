"""Numba kernels for t-SNE: perplexity calibration and the Barnes–Hut gradient.

Both are sequential over a sample's neighbours or a tree walk, so they are compiled loops. They
run on one thread: on the shared 2-core machines this library is benchmarked on, numba's
thread pool lost to the serial loop (threads spin while the other core is busy elsewhere).

Barnes–Hut (van der Maaten, 2014). The gradient of KL(P || Q) splits into an attractive part
over the sparse P and a repulsive part over all pairs:

    ∂C/∂y_i = c [ Σ_j p_ij u_ij (y_i − y_j)  −  (1/Z) Σ_j w_ij u_ij (y_i − y_j) ],

with u_ij = (1 + ||y_i − y_j||²/α)⁻¹, w_ij = u_ij^((α+1)/2), Z = Σ_{k≠l} w_kl, c = 2(α+1)/α.
The repulsive sums Σ_j w_ij u_ij (y_i − y_j) and Σ_j w_ij are approximated with a 2^d-tree over
the embedding: a cell of width r whose centre of mass is at distance D from y_i stands for all its
N_cell points when r / D < angle (θ), contributing N_cell w u (y_i − y_cell) and N_cell w.

The tree is built on Morton (Z-order) codes: quantising the embedding to a 2^L grid and sorting by
the interleaved bits puts every cell's points in one contiguous run of the sorted order, so a cell
is a range [start, end) and its centre of mass comes from prefix sums.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Morton levels: d * LEVELS bits must fit in an unsigned 64-bit code.
LEVELS = 20


@njit(cache=True)
def binary_search_perplexity(
    sq_distances: np.ndarray, neighbors: np.ndarray, perplexity: float, tol: float, max_steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Conditional probabilities p_{j|i} ∝ exp(−β_i d²_ij) with entropy log(perplexity).

    For each row i, bisection on the precision β_i of the Gaussian kernel until the Shannon
    entropy H_i = log Z_i + β_i Σ_j p_{j|i} d²_ij equals log(perplexity) to ``tol`` (nats).
    H_i decreases monotonically in β_i, so doubling / halving brackets the root and bisection
    finds it. Distances are shifted by the row minimum before exponentiating (p is unchanged,
    and the nearest neighbour never underflows).

    ``neighbors[i, j]`` is the sample index of column j (``-1`` marks i itself in the dense
    case; it gets probability 0). Returns (P_conditional, beta).
    """
    n_samples, n_columns = sq_distances.shape
    P = np.zeros((n_samples, n_columns))
    betas = np.empty(n_samples)
    target = np.log(perplexity)
    for i in range(n_samples):
        nearest = np.inf
        for j in range(n_columns):
            if neighbors[i, j] >= 0 and sq_distances[i, j] < nearest:
                nearest = sq_distances[i, j]
        beta = 1.0
        beta_low = 0.0
        beta_high = np.inf
        for _ in range(max_steps):
            total = 0.0
            weighted = 0.0
            for j in range(n_columns):
                if neighbors[i, j] < 0:
                    P[i, j] = 0.0
                    continue
                shifted = sq_distances[i, j] - nearest
                P[i, j] = np.exp(-beta * shifted)
                total += P[i, j]
                weighted += P[i, j] * shifted
            entropy = np.log(total) + beta * weighted / total
            difference = entropy - target
            if np.abs(difference) <= tol:
                break
            if difference > 0.0:  # too flat: sharpen
                beta_low = beta
                beta = beta * 2.0 if beta_high == np.inf else 0.5 * (beta + beta_high)
            else:
                beta_high = beta
                beta = 0.5 * (beta + beta_low)
        for j in range(n_columns):
            P[i, j] /= total
        betas[i] = beta
    return P, betas


@njit(cache=True)
def _morton_order(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Sort the points by Morton code on a 2^LEVELS grid over the bounding square/cube.

    Returns (order, codes in sorted order, root cell width).
    """
    n_samples, n_dims = Y.shape
    low = np.empty(n_dims)
    width = 0.0
    for k in range(n_dims):
        low[k] = Y[:, k].min()
        width = max(width, Y[:, k].max() - low[k])
    width = max(width, 1e-12) * (1.0 + 1e-9)
    cells = 1 << LEVELS
    codes = np.zeros(n_samples, dtype=np.uint64)
    grid = np.empty(n_dims, dtype=np.uint64)
    for i in range(n_samples):
        code = np.uint64(0)
        for k in range(n_dims):
            grid[k] = np.uint64(min(int((Y[i, k] - low[k]) / width * cells), cells - 1))
        for level in range(LEVELS - 1, -1, -1):
            for k in range(n_dims):
                code = (code << np.uint64(1)) | ((grid[k] >> np.uint64(level)) & np.uint64(1))
        codes[i] = code
    order = np.argsort(codes)
    return order, codes[order], width


@njit(cache=True)
def _grown(array: np.ndarray, capacity: int) -> np.ndarray:
    bigger = np.empty(capacity, dtype=array.dtype)
    bigger[: array.shape[0]] = array
    return bigger


@njit(cache=True)
def build_tree(Y: np.ndarray):
    """2^d-tree on Morton-sorted points; each node is a contiguous range of the sorted order.

    A node's children are created one after the other, so they are stored as (first child,
    number of children). Returns (order, node_start, node_end, node_first_child,
    node_n_children, node_centre_of_mass, node_width_sq).
    """
    n_samples, n_dims = Y.shape
    order, codes, width = _morton_order(Y)
    prefix = np.zeros((n_samples + 1, n_dims))
    for rank in range(n_samples):
        for k in range(n_dims):
            prefix[rank + 1, k] = prefix[rank, k] + Y[order[rank], k]

    n_children = 1 << n_dims
    # About 2n nodes in practice (leaves plus branching cells); chains of single-child cells
    # around near-coincident points can need more, so the arrays grow on demand.
    capacity = 4 * n_samples + 4 * LEVELS * n_children
    node_start = np.empty(capacity, dtype=np.int64)
    node_end = np.empty(capacity, dtype=np.int64)
    node_level = np.empty(capacity, dtype=np.int64)
    node_first_child = np.empty(capacity, dtype=np.int64)
    node_n_children = np.empty(capacity, dtype=np.int64)
    node_start[0], node_end[0], node_level[0] = 0, n_samples, 0
    n_nodes = 1
    stack = np.empty(capacity, dtype=np.int64)
    stack[0] = 0
    top = 1
    mask = np.uint64(n_children - 1)
    while top > 0:
        top -= 1
        node = stack[top]
        start, end, level = node_start[node], node_end[node], node_level[node]
        node_n_children[node] = 0
        if end - start <= 1 or level == LEVELS:
            continue  # leaf: one point, or coincident points at the finest resolution
        shift = np.uint64((LEVELS - 1 - level) * n_dims)
        if n_nodes + n_children > capacity or top + n_children > capacity:
            capacity *= 2
            node_start = _grown(node_start, capacity)
            node_end = _grown(node_end, capacity)
            node_level = _grown(node_level, capacity)
            node_first_child = _grown(node_first_child, capacity)
            node_n_children = _grown(node_n_children, capacity)
            stack = _grown(stack, capacity)
        node_first_child[node] = n_nodes
        run_start = start
        while run_start < end:
            child = (codes[run_start] >> shift) & mask
            run_end = run_start + 1
            while run_end < end and ((codes[run_end] >> shift) & mask) == child:
                run_end += 1
            node_start[n_nodes], node_end[n_nodes] = run_start, run_end
            node_level[n_nodes] = level + 1
            node_n_children[node] += 1
            stack[top] = n_nodes
            top += 1
            n_nodes += 1
            run_start = run_end
    centre_of_mass = np.empty((n_nodes, n_dims))
    width_sq = np.empty(n_nodes)
    for node in range(n_nodes):
        count = node_end[node] - node_start[node]
        for k in range(n_dims):
            centre_of_mass[node, k] = (
                prefix[node_end[node], k] - prefix[node_start[node], k]
            ) / count
        cell_width = width / (1 << node_level[node])
        width_sq[node] = cell_width * cell_width
    return (
        order,
        node_start[:n_nodes],
        node_end[:n_nodes],
        node_first_child[:n_nodes],
        node_n_children[:n_nodes],
        centre_of_mass,
        width_sq,
    )


@njit(cache=True)
def _kernel(sq_distance: float, dof: float) -> tuple[float, float]:
    """(w, u): Student-t weight w = u^((α+1)/2) and u = (1 + d²/α)⁻¹."""
    u = 1.0 / (1.0 + sq_distance / dof)
    w = u if dof == 1.0 else u ** ((dof + 1.0) / 2.0)
    return w, u


@njit(cache=True, fastmath=True)
def repulsive_forces(Y: np.ndarray, angle: float, dof: float, forces: np.ndarray) -> float:
    """forces[i] = Σ_{j≠i} w_ij u_ij (y_i − y_j) by Barnes–Hut; returns Z = Σ_{i≠j} w_ij."""
    n_samples, n_dims = Y.shape
    order, node_start, node_end, first_child, n_children, centre_of_mass, width_sq = build_tree(Y)
    angle_sq = angle * angle
    normaliser = 0.0
    # Scratch buffers allocated once: per-point allocations cost as much as a short walk.
    stack = np.empty((1 << n_dims) * (LEVELS + 2), dtype=np.int64)
    force = np.empty(n_dims)
    offset = np.empty(n_dims)
    # Walk the points in Morton order: consecutive walks visit the same cells (cache reuse).
    for rank in range(n_samples):
        i = order[rank]
        stack[0] = 0
        top = 1
        force[:] = 0.0
        z_i = 0.0
        while top > 0:
            top -= 1
            node = stack[top]
            start = node_start[node]
            end = node_end[node]
            count = end - start
            sq_distance = 0.0
            for k in range(n_dims):
                offset[k] = Y[i, k] - centre_of_mass[node, k]
                sq_distance += offset[k] * offset[k]
            is_leaf = n_children[node] == 0
            if start <= rank < end:
                if not is_leaf:
                    # y_i lies in this cell (r / D >= 1/sqrt(d) > θ in practice): open it.
                    if width_sq[node] >= angle_sq * sq_distance or angle_sq == 0.0:
                        for child in range(first_child[node], first_child[node] + n_children[node]):
                            stack[top] = child
                            top += 1
                        continue
                # Summarise the cell without y_i itself: centre of the other count − 1 points.
                count -= 1
                if count == 0:
                    continue
                sq_distance = 0.0
                for k in range(n_dims):
                    offset[k] = offset[k] * (count + 1) / count
                    sq_distance += offset[k] * offset[k]
            elif not is_leaf and width_sq[node] >= angle_sq * sq_distance:
                for child in range(first_child[node], first_child[node] + n_children[node]):
                    stack[top] = child
                    top += 1
                continue
            w, u = _kernel(sq_distance, dof)
            z_i += count * w
            scale = count * w * u
            for k in range(n_dims):
                force[k] += scale * offset[k]
        for k in range(n_dims):
            forces[i, k] = force[k]
        normaliser += z_i
    return normaliser


@njit(cache=True)
def attractive_forces(
    Y: np.ndarray,
    P_data: np.ndarray,
    P_indices: np.ndarray,
    P_indptr: np.ndarray,
    dof: float,
    forces: np.ndarray,
) -> None:
    """forces[i] = Σ_j p_ij u_ij (y_i − y_j) over the stored (sparse) p_ij."""
    n_samples, n_dims = Y.shape
    for i in range(n_samples):
        for k in range(n_dims):
            forces[i, k] = 0.0
        for index in range(P_indptr[i], P_indptr[i + 1]):
            j = P_indices[index]
            sq_distance = 0.0
            for k in range(n_dims):
                difference = Y[i, k] - Y[j, k]
                sq_distance += difference * difference
            _, u = _kernel(sq_distance, dof)
            for k in range(n_dims):
                forces[i, k] += P_data[index] * u * (Y[i, k] - Y[j, k])


@njit(cache=True)
def sparse_kl_divergence(
    Y: np.ndarray,
    P_data: np.ndarray,
    P_indices: np.ndarray,
    P_indptr: np.ndarray,
    dof: float,
    normaliser: float,
) -> float:
    """KL(P || Q) = Σ p_ij log(p_ij / q_ij) over the stored p_ij, q_ij = w_ij / Z."""
    n_samples, n_dims = Y.shape
    total = 0.0
    for i in range(n_samples):
        for index in range(P_indptr[i], P_indptr[i + 1]):
            p = P_data[index]
            if p <= 0.0:
                continue
            j = P_indices[index]
            sq_distance = 0.0
            for k in range(n_dims):
                difference = Y[i, k] - Y[j, k]
                sq_distance += difference * difference
            w, _ = _kernel(sq_distance, dof)
            total += p * np.log(p * normaliser / w)
    return total
