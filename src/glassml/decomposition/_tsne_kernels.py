"""Numba kernels for t-SNE: perplexity calibration and the Barnes–Hut gradient.

Both are sequential over a sample's neighbours or a tree walk, so they are compiled loops. The
gradient's loops are independent across points (one tree walk, one row of P each): they release
the GIL and run on contiguous runs of points in a pool of ordinary threads, as many as
``numba.get_num_threads()``. Not numba's ``prange``: its OpenMP pool spins at barriers, and with
the other core busy elsewhere two threads measured 2.5 times slower than one.

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

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import config, njit

from glassml._growth import grown

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
            node_start = grown(node_start, capacity, np.int64(0))
            node_end = grown(node_end, capacity, np.int64(0))
            node_level = grown(node_level, capacity, np.int64(0))
            node_first_child = grown(node_first_child, capacity, np.int64(0))
            node_n_children = grown(node_n_children, capacity, np.int64(0))
            stack = grown(stack, capacity, np.int64(0))
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


@njit(cache=True, fastmath=True, nogil=True)
def _walk(
    positions,
    centres,
    angle_sq,
    dof,
    node_start,
    node_end,
    first_child,
    n_children,
    width_sq,
    forces,
    point_normalisers,
    rank_start,
    rank_end,
):
    """Barnes–Hut walks of the points of Morton ranks [rank_start, rank_end).

    ``positions`` (Morton order) and ``centres`` (per node) are padded with zero columns to 3-D:
    the zeros change no distance, and a fixed width lets the compiler keep the offset and the
    force in registers. ``forces`` and ``point_normalisers`` are indexed by rank.
    """
    stack = np.empty(8 * (LEVELS + 2), dtype=np.int64)
    for rank in range(rank_start, rank_end):
        x, y, z = positions[rank, 0], positions[rank, 1], positions[rank, 2]
        force_x = force_y = force_z = 0.0
        z_i = 0.0
        stack[0] = 0
        top = 1
        while top > 0:
            top -= 1
            node = stack[top]
            start = node_start[node]
            end = node_end[node]
            count = end - start
            offset_x = x - centres[node, 0]
            offset_y = y - centres[node, 1]
            offset_z = z - centres[node, 2]
            sq_distance = offset_x * offset_x + offset_y * offset_y + offset_z * offset_z
            inside = start <= rank < end
            # y_i inside the cell: r / D >= 1/sqrt(d) > θ in practice, so it is opened.
            if n_children[node] > 0 and (
                width_sq[node] >= angle_sq * sq_distance or (inside and angle_sq == 0.0)
            ):
                for child in range(first_child[node], first_child[node] + n_children[node]):
                    stack[top] = child
                    top += 1
                continue
            if inside:
                # Summarise the cell without y_i itself: centre of the other count − 1 points.
                count -= 1
                if count == 0:
                    continue
                stretch = (count + 1) / count
                offset_x *= stretch
                offset_y *= stretch
                offset_z *= stretch
                sq_distance = offset_x * offset_x + offset_y * offset_y + offset_z * offset_z
            w, u = _kernel(sq_distance, dof)
            z_i += count * w
            scale = count * w * u
            force_x += scale * offset_x
            force_y += scale * offset_y
            force_z += scale * offset_z
        forces[rank, 0] = force_x
        forces[rank, 1] = force_y
        forces[rank, 2] = force_z
        point_normalisers[rank] = z_i


@njit(cache=True, nogil=True)
def _walk_inputs(Y: np.ndarray):
    """The tree of Y, with the positions (Morton order) and node centres padded to 3-D."""
    n_samples, n_dims = Y.shape
    order, node_start, node_end, first_child, n_children, centre_of_mass, width_sq = build_tree(Y)
    positions = np.zeros((n_samples, 3))
    for rank in range(n_samples):
        for k in range(n_dims):
            positions[rank, k] = Y[order[rank], k]
    centres = np.zeros((centre_of_mass.shape[0], 3))
    for node in range(centre_of_mass.shape[0]):
        for k in range(n_dims):
            centres[node, k] = centre_of_mass[node, k]
    return order, positions, centres, node_start, node_end, first_child, n_children, width_sq


@njit(cache=True)
def _scatter(order: np.ndarray, sorted_forces: np.ndarray, forces: np.ndarray) -> None:
    for rank in range(order.shape[0]):
        for k in range(forces.shape[1]):
            forces[order[rank], k] = sorted_forces[rank, k]


def _run_in_parallel(kernel, n_items: int, n_runs: int, *args) -> None:
    """kernel(*args, start, stop) over ``n_runs`` contiguous runs of range(n_items).

    The kernels release the GIL, and the runs are handed to a pool of blocking Python threads
    rather than numba's parallel loops: the numba/OpenMP pool spins at its barriers, which on a
    loaded machine made two threads 2.5 times slower than one (docs/unsupervised.md).
    The caller's thread walks the last run itself.
    """
    bounds = [run * n_items // n_runs for run in range(n_runs + 1)]
    if n_runs == 1:
        kernel(*args, 0, n_items)
        return
    futures = [_pool().submit(kernel, *args, bounds[r], bounds[r + 1]) for r in range(n_runs - 1)]
    kernel(*args, bounds[-2], bounds[-1])
    for future in futures:
        future.result()


_POOL: list[ThreadPoolExecutor] = []


def _pool() -> ThreadPoolExecutor:
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max(config.NUMBA_NUM_THREADS - 1, 1), "glassml-tsne"))
    return _POOL[0]


def repulsive_forces(
    Y: np.ndarray, angle: float, dof: float, forces: np.ndarray, n_runs: int = 1
) -> float:
    """forces[i] = Σ_{j≠i} w_ij u_ij (y_i − y_j) by Barnes–Hut; returns Z = Σ_{i≠j} w_ij.

    Each point's walk is independent, so the Morton order is cut into ``n_runs`` contiguous
    runs walked in parallel (consecutive walks visit the same cells: cache reuse within a run).
    Each point's share Σ_j w_ij goes to its own slot and Z is summed in order afterwards, so the
    result is bitwise the same for any ``n_runs`` and thread count.
    """
    order, positions, centres, *tree = _walk_inputs(Y)
    sorted_forces = np.empty_like(positions)
    point_normalisers = np.empty(Y.shape[0])
    _run_in_parallel(
        _walk,
        Y.shape[0],
        n_runs,
        positions,
        centres,
        angle * angle,
        dof,
        *tree,
        sorted_forces,
        point_normalisers,
    )
    _scatter(order, sorted_forces, forces)
    return float(np.sum(point_normalisers))


@njit(cache=True, nogil=True)
def _attractive_rows(positions, P_data, P_indices, P_indptr, dof, forces, row_start, row_end):
    """Rows [row_start, row_end) of the attraction; ``positions`` padded to 3-D as in _walk."""
    for i in range(row_start, row_end):
        x, y, z = positions[i, 0], positions[i, 1], positions[i, 2]
        force_x = force_y = force_z = 0.0
        for index in range(P_indptr[i], P_indptr[i + 1]):
            j = P_indices[index]
            offset_x = x - positions[j, 0]
            offset_y = y - positions[j, 1]
            offset_z = z - positions[j, 2]
            _, u = _kernel(offset_x * offset_x + offset_y * offset_y + offset_z * offset_z, dof)
            scale = P_data[index] * u
            force_x += scale * offset_x
            force_y += scale * offset_y
            force_z += scale * offset_z
        forces[i, 0] = force_x
        forces[i, 1] = force_y
        forces[i, 2] = force_z


def attractive_forces(
    Y: np.ndarray,
    P_data: np.ndarray,
    P_indices: np.ndarray,
    P_indptr: np.ndarray,
    dof: float,
    forces: np.ndarray,
    n_runs: int = 1,
) -> None:
    """forces[i] = Σ_j p_ij u_ij (y_i − y_j) over the stored (sparse) p_ij; independent rows,
    so ``n_runs`` runs of rows in parallel."""
    n_samples, n_dims = Y.shape
    positions = np.zeros((n_samples, 3))
    positions[:, :n_dims] = Y
    padded_forces = np.empty_like(positions)
    _run_in_parallel(
        _attractive_rows,
        n_samples,
        n_runs,
        positions,
        P_data,
        P_indices,
        P_indptr,
        dof,
        padded_forces,
    )
    forces[:] = padded_forces[:, :n_dims]


def barnes_hut_forces(
    Y: np.ndarray,
    P_data: np.ndarray,
    P_indices: np.ndarray,
    P_indptr: np.ndarray,
    angle: float,
    dof: float,
    attraction: np.ndarray,
    repulsion: np.ndarray,
    n_runs: int = 1,
) -> float:
    """Both sums of the gradient (attractive_forces, repulsive_forces); returns Z.

    With ``n_runs`` > 1 the whole attraction goes to a pool thread while this thread builds the
    tree, which is serial; that pool thread then takes its share of the walk.
    """
    if n_runs == 1:
        attractive_forces(Y, P_data, P_indices, P_indptr, dof, attraction)
        return repulsive_forces(Y, angle, dof, repulsion)
    pending = _pool().submit(attractive_forces, Y, P_data, P_indices, P_indptr, dof, attraction)
    normaliser = repulsive_forces(Y, angle, dof, repulsion, n_runs)
    pending.result()
    return normaliser


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
