"""CART: the greedy, depth-first growth of a binary tree by impurity decrease.

A node holding samples S with weights w has an impurity i(S):

    gini           i = 1 - sum_k p_k^2,                 p_k = (weight of class k in S) / W
    entropy        i = -sum_k p_k log2 p_k
    squared error  i = (1/W) sum_{i in S} w_i y_i^2 - ((1/W) sum_{i in S} w_i y_i)^2
    poisson        i = (1/W) sum_{i in S} w_i y_i log(y_i / ybar)     (half deviance, ybar > 0)

A split (feature j, threshold t) sends S_L = {x_j <= t} left and S_R right. Among all
features and all thresholds between consecutive distinct sorted values, CART takes the split
with the largest weighted impurity decrease

    Delta = (W / W_root) (i(S) - (W_R / W) i(S_R) - (W_L / W) i(S_L)),

which it finds by sorting once per feature and sweeping the threshold from left to right,
moving one sample at a time from S_R to S_L and updating the class weights (or the weighted
sums of y) in O(1) (O(K) for K classes). Only the part of Delta that varies between splits of
one node is compared during the sweep (scikit-learn's "proxy"): -W_L i(S_L) - W_R i(S_R) for
the class criteria, (sum_L)^2 / W_L + (sum_R)^2 / W_R for squared error.

Sorting per node is replaced by one sort per feature for the whole tree: every feature keeps its
samples in sorted order, and after each split the node's range of every feature is partitioned
stably into left and right, which keeps both halves sorted (O(n_node) per feature instead of
O(n_node log n_node)). The node is a leaf when it is pure, too small, too deep, or when no
split decreases the impurity by ``min_impurity_decrease``.

The rules are scikit-learn's to the letter (tie tolerance between float32 feature values,
thresholds at the midpoint of consecutive values, features drawn by a Fisher-Yates shuffle with
its xorshift generator, constant features remembered down the tree), so with the same data and
``random_state`` the tree is the same.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from glassml.tree._nodes import add_node, new_nodes, set_split

GINI, ENTROPY, SQUARED_ERROR, POISSON = 0, 1, 2, 3
CLASSIFICATION_CRITERIA = {"gini": GINI, "entropy": ENTROPY, "log_loss": ENTROPY}
REGRESSION_CRITERIA = {"squared_error": SQUARED_ERROR, "poisson": POISSON}

RAND_R_MAX = 2147483647  # scikit-learn's generator draws in [0, 2^31 - 1]
EPSILON = float(np.finfo(np.float64).eps)  # "impurity is zero" up to rounding
POISSON_EPSILON = 10.0 * EPSILON  # a child's sum of y below this cannot be a Poisson mean
_MASK32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, nogil=True)
def rand_int(low, high, state):
    """Uniform integer in [low, high) from scikit-learn's xorshift (state: uint64 array)."""
    s = state[0]
    if s == 0:
        s = np.uint64(1)
    s ^= (s << np.uint64(13)) & _MASK32
    s ^= s >> np.uint64(17)
    s ^= (s << np.uint64(5)) & _MASK32
    state[0] = s
    return low + np.int64(s % np.uint64(RAND_R_MAX + 1)) % (high - low)


# ------------------------------------------------------------------------ impurities


@njit(cache=True, nogil=True)
def _class_impurity(counts, weight, criterion):
    """Gini or entropy (base 2) of class weights ``counts`` summing to ``weight``."""
    if criterion == GINI:
        squares = 0.0
        for c in range(counts.shape[0]):
            squares += counts[c] * counts[c]
        return 1.0 - squares / (weight * weight)
    entropy = 0.0
    for c in range(counts.shape[0]):
        if counts[c] > 0.0:
            p = counts[c] / weight
            entropy -= p * (np.log(p) / np.log(2.0))
    return entropy


@njit(cache=True, nogil=True)
def _poisson_impurity(order, start, end, y, w, y_sum, weight, poisson_eps):
    """(1/W) sum_i w_i y_i log(y_i / ybar); infinite when the mean is not positive."""
    if y_sum <= poisson_eps:
        return np.inf
    mean = y_sum / weight
    loss = 0.0
    for p in range(start, end):
        i = order[p]
        if y[i] > 0.0:
            loss += w[i] * (y[i] * np.log(y[i] / mean))
    return loss / weight


# ------------------------------------------------------------------------ the sweep


@njit(cache=True, nogil=True)
def _sweep_classes(
    vals,
    order,
    start,
    end,
    y,
    w,
    node_counts,
    w_node,
    criterion,
    tol,
    min_samples_leaf,
    min_weight_leaf,
    left,
    best_left,
    best,
):
    """Best threshold of one feature for a class criterion; updates ``best`` in place.

    ``best`` = [proxy, position, threshold, W_left]; ``best_left`` gets the class weights of
    the left child at the best position (when this feature improves on ``best``).
    """
    left[:] = 0.0
    w_left = 0.0
    n_classes = node_counts.shape[0]
    improved = False
    for p in range(start + 1, end):
        i = order[p - 1]
        left[y[i]] += w[i]
        w_left += w[i]
        if vals[p] <= vals[p - 1] + tol:  # float32, as scikit-learn: ties are not thresholds
            continue
        if p - start < min_samples_leaf:
            continue
        if end - p < min_samples_leaf:
            break
        w_right = w_node - w_left
        if w_left < min_weight_leaf or w_right < min_weight_leaf:
            continue
        if criterion == GINI:
            sq_left = 0.0
            sq_right = 0.0
            for c in range(n_classes):
                sq_left += left[c] * left[c]
                r = node_counts[c] - left[c]
                sq_right += r * r
            proxy = -w_right * (1.0 - sq_right / (w_right * w_right)) - w_left * (
                1.0 - sq_left / (w_left * w_left)
            )
        else:
            e_left = 0.0
            e_right = 0.0
            for c in range(n_classes):
                if left[c] > 0.0:
                    q = left[c] / w_left
                    e_left -= q * (np.log(q) / np.log(2.0))
                r = node_counts[c] - left[c]
                if r > 0.0:
                    q = r / w_right
                    e_right -= q * (np.log(q) / np.log(2.0))
            proxy = -w_right * e_right - w_left * e_left
        if proxy > best[0]:
            best[0] = proxy
            best[1] = p
            best[2] = vals[p - 1] / 2.0 + vals[p] / 2.0
            best[3] = w_left
            best_left[:] = left
            improved = True
    return improved


@njit(cache=True, nogil=True)
def _sweep_values(
    vals,
    order,
    start,
    end,
    y,
    w,
    y_sum,
    w_node,
    criterion,
    tol,
    min_samples_leaf,
    min_weight_leaf,
    poisson_eps,
    best,
):
    """Best threshold of one feature for a regression criterion; updates ``best`` in place.

    ``best`` = [proxy, position, threshold, W_left, sum_left, sq_sum_left].
    """
    w_left = 0.0
    s_left = 0.0
    sq_left = 0.0
    improved = False
    for p in range(start + 1, end):
        i = order[p - 1]
        wy = w[i] * y[i]
        s_left += wy
        sq_left += wy * y[i]
        w_left += w[i]
        if vals[p] <= vals[p - 1] + tol:
            continue
        if p - start < min_samples_leaf:
            continue
        if end - p < min_samples_leaf:
            break
        w_right = w_node - w_left
        if w_left < min_weight_leaf or w_right < min_weight_leaf:
            continue
        s_right = y_sum - s_left
        if criterion == SQUARED_ERROR:
            proxy = s_left * s_left / w_left + s_right * s_right / w_right
        else:
            if s_left <= poisson_eps or s_right <= poisson_eps:
                continue
            proxy = s_left * (np.log(s_left / w_left) / np.log(2.0)) + s_right * (
                np.log(s_right / w_right) / np.log(2.0)
            )
        if proxy > best[0]:
            best[0] = proxy
            best[1] = p
            best[2] = vals[p - 1] / 2.0 + vals[p] / 2.0
            best[3] = w_left
            best[4] = s_left
            best[5] = sq_left
            improved = True
    return improved


# ------------------------------------------------------------------------ partition


@njit(cache=True, nogil=True)
def _partition(vals, order, start, end, goes_left, buffer_order, buffer_vals):
    """Stable partition of one feature's node range: left samples first, both still sorted."""
    k = start
    r = 0
    for p in range(start, end):
        i = order[p]
        if goes_left[i]:
            order[k] = i
            vals[k] = vals[p]
            k += 1
        else:
            buffer_order[r] = i
            buffer_vals[r] = vals[p]
            r += 1
    for q in range(r):
        order[k + q] = buffer_order[q]
        vals[k + q] = buffer_vals[q]


# ------------------------------------------------------------------------ the builder


@njit(cache=True, nogil=True)
def build_tree(
    values,
    order,
    y_class,
    y_value,
    weight,
    n_classes,
    criterion,
    tolerances,
    max_depth,
    min_samples_split,
    min_samples_leaf,
    min_weight_leaf,
    min_impurity_decrease,
    max_features,
    weighted_n_samples,
    epsilon,
    poisson_eps,
    seed,
):
    """Grow one CART tree depth first; returns ``(nodes, node_count)``.

    ``values[f]`` / ``order[f]`` are feature f's (scaled float32) values and sample indices in
    increasing order, for the samples of positive weight only; they are partitioned in place.
    Classification uses ``y_class`` (class index) and ``n_classes`` values per node (the class
    fractions); regression uses ``y_value`` and one value per node (the weighted mean).
    ``epsilon`` is scikit-learn's EPSILON in the units of the impurity.
    """
    n_features, n_samples = values.shape
    is_classification = criterion == GINI or criterion == ENTROPY
    n_values = n_classes if is_classification else 1
    # Typed (np.int64), not literals: see glassml.tree._nodes on Numba's literal specialisation.
    nodes = new_nodes(np.int64(2047), n_values)
    node_count = np.int64(0)

    features = np.arange(n_features)
    constant_features = np.empty(n_features, dtype=np.int64)
    goes_left = np.zeros(n_samples, dtype=np.uint8)
    buffer_order = np.empty(n_samples, dtype=order.dtype)
    buffer_vals = np.empty(n_samples, dtype=values.dtype)
    node_counts = np.zeros(max(n_classes, 1))
    left = np.zeros(max(n_classes, 1))
    best_left = np.zeros(max(n_classes, 1))
    best = np.empty(6)
    state = np.array([seed], dtype=np.uint64)

    # (start, end, depth, parent, is_left, impurity, n_constant_features, reference feature)
    stack = [(0, n_samples, 0, -1, 0, np.inf, 0, 0)]
    first = True
    while len(stack) > 0:
        start, end, depth, parent, is_left, impurity, n_known_constants, reference = stack.pop()
        n_node = end - start

        # Node statistics over the node's samples (any partitioned feature lists them).
        ref_order = order[reference]
        node_counts[:] = 0.0
        w_node = 0.0
        y_sum = 0.0
        sq_sum = 0.0
        for p in range(start, end):
            i = ref_order[p]
            if is_classification:
                node_counts[y_class[i]] += weight[i]
            else:
                wy = weight[i] * y_value[i]
                y_sum += wy
                sq_sum += wy * y_value[i]
            w_node += weight[i]

        is_leaf = (
            depth >= max_depth
            or n_node < min_samples_split
            or n_node < 2 * min_samples_leaf
            or w_node < 2.0 * min_weight_leaf
        )
        if first:
            if is_classification:
                impurity = _class_impurity(node_counts, w_node, criterion)
            elif criterion == SQUARED_ERROR:
                impurity = sq_sum / w_node - (y_sum / w_node) ** 2.0
            else:
                impurity = _poisson_impurity(
                    ref_order, start, end, y_value, weight, y_sum, w_node, poisson_eps
                )
            first = False
        is_leaf = is_leaf or impurity <= epsilon

        split_feature = -1
        split_pos = end
        threshold = 0.0
        impurity_left = 0.0
        impurity_right = 0.0
        n_total_constants = n_known_constants
        if not is_leaf:
            best[0] = -np.inf
            best[1] = end
            # Fisher-Yates draw of features without replacement (scikit-learn's loop): at
            # least max_features are visited, and at least one of them must be non-constant.
            f_i = n_features
            n_visited = 0
            n_found_constants = 0
            n_drawn_constants = np.int64(0)  # typed: one compiled rand_int (see _nodes)
            while f_i > n_total_constants and (
                n_visited < max_features or n_visited <= n_found_constants + n_drawn_constants
            ):
                n_visited += 1
                f_j = rand_int(n_drawn_constants, f_i - n_found_constants, state)
                if f_j < n_known_constants:
                    tmp = features[n_drawn_constants]
                    features[n_drawn_constants] = features[f_j]
                    features[f_j] = tmp
                    n_drawn_constants += 1
                    continue
                f_j += n_found_constants
                f = features[f_j]
                vals = values[f]
                tol = tolerances[f]
                if vals[end - 1] <= vals[start] + tol:  # constant within the tie tolerance
                    features[f_j] = features[n_total_constants]
                    features[n_total_constants] = f
                    n_found_constants += 1
                    n_total_constants += 1
                    continue
                f_i -= 1
                features[f_j] = features[f_i]
                features[f_i] = f
                if is_classification:
                    improved = _sweep_classes(
                        vals,
                        order[f],
                        start,
                        end,
                        y_class,
                        weight,
                        node_counts,
                        w_node,
                        criterion,
                        tol,
                        min_samples_leaf,
                        min_weight_leaf,
                        left,
                        best_left,
                        best,
                    )
                else:
                    improved = _sweep_values(
                        vals,
                        order[f],
                        start,
                        end,
                        y_value,
                        weight,
                        y_sum,
                        w_node,
                        criterion,
                        tol,
                        min_samples_leaf,
                        min_weight_leaf,
                        poisson_eps,
                        best,
                    )
                if improved:
                    split_feature = f

            # Constant features keep their order for the children and siblings.
            features[:n_known_constants] = constant_features[:n_known_constants]
            constant_features[n_known_constants:n_total_constants] = features[
                n_known_constants:n_total_constants
            ]

            split_pos = np.int64(best[1])
            if split_pos < end:
                threshold = best[2]
                w_left = best[3]
                w_right = w_node - w_left
                if is_classification:
                    impurity_left = _class_impurity(best_left, w_left, criterion)
                    for c in range(n_classes):
                        left[c] = node_counts[c] - best_left[c]
                    impurity_right = _class_impurity(left, w_right, criterion)
                elif criterion == SQUARED_ERROR:
                    s_left = best[4]
                    sq_left = best[5]
                    impurity_left = sq_left / w_left - (s_left / w_left) ** 2.0
                    impurity_right = (sq_sum - sq_left) / w_right - (
                        (y_sum - s_left) / w_right
                    ) ** 2.0
                else:
                    split_order = order[split_feature]
                    impurity_left = _poisson_impurity(
                        split_order,
                        start,
                        split_pos,
                        y_value,
                        weight,
                        best[4],
                        w_left,
                        poisson_eps,
                    )
                    impurity_right = _poisson_impurity(
                        split_order,
                        split_pos,
                        end,
                        y_value,
                        weight,
                        y_sum - best[4],
                        w_right,
                        poisson_eps,
                    )
                improvement = (w_node / weighted_n_samples) * (
                    impurity
                    - (w_right / w_node * impurity_right)
                    - (w_left / w_node * impurity_left)
                )
                is_leaf = improvement + epsilon < min_impurity_decrease
            else:
                is_leaf = True

        nodes, node_id = add_node(nodes, node_count, parent, is_left == 1, impurity, n_node, w_node)
        node_count += 1
        value = nodes[8][node_id]
        if is_classification:
            for c in range(n_classes):
                value[c] = node_counts[c] / w_node
        else:
            value[0] = y_sum / w_node

        if not is_leaf:
            set_split(nodes, node_id, split_feature, threshold, split_pos - start > end - split_pos)
            split_order = order[split_feature]
            for p in range(start, end):
                goes_left[split_order[p]] = 1 if p < split_pos else 0
            # Features constant here stay constant below: they are never swept again.
            for k in range(n_total_constants, n_features):
                f = features[k]
                if f != split_feature:
                    _partition(
                        values[f], order[f], start, end, goes_left, buffer_order, buffer_vals
                    )
            stack.append(
                (
                    split_pos,
                    end,
                    depth + 1,
                    node_id,
                    0,
                    impurity_right,
                    n_total_constants,
                    split_feature,
                )
            )
            stack.append(
                (
                    start,
                    split_pos,
                    depth + 1,
                    node_id,
                    1,
                    impurity_left,
                    n_total_constants,
                    split_feature,
                )
            )
    return nodes, node_count


# ------------------------------------------------------------------------ presorted data


@njit(cache=True, nogil=True)
def select_samples(values, order, keep):
    """Feature-sorted values and orders restricted to the samples with ``keep`` set,
    renumbered 0..m-1 in their original order (so y[keep], w[keep] line up)."""
    n_features, n_samples = values.shape
    new_index = np.empty(n_samples, dtype=np.int64)
    m = 0
    for i in range(n_samples):
        if keep[i]:
            new_index[i] = m
            m += 1
        else:
            new_index[i] = -1
    out_values = np.empty((n_features, m), dtype=values.dtype)
    out_order = np.empty((n_features, m), dtype=order.dtype)
    for f in range(n_features):
        k = 0
        for p in range(n_samples):
            i = order[f, p]
            if keep[i]:
                out_values[f, k] = values[f, p]
                out_order[f, k] = new_index[i]
                k += 1
    return out_values, out_order
