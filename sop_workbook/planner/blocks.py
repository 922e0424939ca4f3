"""The LP → its independent blocks (docs/model.md, "The LP as solved").

SKUs that share no resource and no material, directly or through other SKUs (the sites of a company, say), form
independent blocks of the LP: no row holds columns of two of them, so the LP's optimum is the sum of the blocks'
optima. Each block is solved on its own, which is exact and, the solve time growing faster than the model, much
quicker than one solve of the whole; a re-solve after a small change solves only the blocks it touched
(`changed`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lp import Matrix, match
from .model import Model

# Blocks smaller than this many columns are solved together, several to one solver call, so that thousands of
# one-SKU blocks do not cost thousands of calls.
BLOCK_COLUMNS = 4_000


def components(matrix: Matrix) -> tuple[int, np.ndarray]:
    """The connected components of the graph whose nodes are the matrix's columns and rows (rows numbered after
    the columns) and whose edges are its entries: how many, and each node's component (0, 1, ...).

    Each node holds a label, at first its own number; a label always names a node of the same component. Each
    round, for every edge, the nodes its two ends' labels name take the lesser of those labels; then every node
    takes its label's label until no label changes (so every label names a node labelled with itself, a root).
    The rounds stop when the two ends of every edge have the same label: then each component has one root. The
    jumps make a few rounds enough where passing the least label from neighbour to neighbour would take one
    round per link of the longest path.
    """
    n_col, n_row = matrix.shape[1], matrix.shape[0]
    ends = (matrix.entry_columns(), matrix.indices.astype(np.int64) + n_col)
    label = np.arange(n_col + n_row)
    while True:
        first, second = label[ends[0]], label[ends[1]]
        least = np.minimum(first, second)
        np.minimum.at(label, first, least)
        np.minimum.at(label, second, least)
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label[ends[0]], label[ends[1]]):
            break
    # Every label is now a root (a node labelled with itself): the components are numbered in order of their roots.
    root = label == np.arange(n_col + n_row)
    number = np.cumsum(root) - 1
    return int(root.sum()), number[label]


def blocks(model: Model) -> list[tuple[np.ndarray, np.ndarray]]:
    """The LP's independent blocks as (columns, rows), each in increasing order, blocks in order of first column.

    The connected components of the LP's graph (`components`) share no row, so the LP is the sum of their LPs.
    Components are packed in order into blocks of at least `BLOCK_COLUMNS` columns (a large component is a block
    of its own).
    """
    n_col, n_row = model.n_col, model.n_row
    count, label = components(model.matrix)
    size = np.bincount(label[:n_col], minlength=count)
    # Components in order of their first node (column 0 first), packed by cumulative columns.
    first = np.full(count, n_col + n_row)
    np.minimum.at(first, label, np.arange(n_col + n_row))
    order = np.argsort(first, kind="stable")
    packed = np.empty(count, dtype=int)
    packed[order] = (np.cumsum(size[order]) - size[order]) // BLOCK_COLUMNS
    _, packed = np.unique(packed, return_inverse=True)
    n_blocks = int(packed.max()) + 1 if count else 0
    col_block, row_block = packed[label[:n_col]], packed[label[n_col:]]
    col_order = np.argsort(col_block, kind="stable")
    row_order = np.argsort(row_block, kind="stable")
    col_split = np.cumsum(np.bincount(col_block, minlength=n_blocks))[:-1]
    row_split = np.cumsum(np.bincount(row_block, minlength=n_blocks))[:-1]
    return list(zip(np.split(col_order, col_split), np.split(row_order, row_split)))


@dataclass
class BlockLP:
    """The LP of one block as plain arrays (they cross to a worker process), without the objective's offset.

    Attributes:
        cost, lower, upper, row_lower, row_upper: As in `Model`, for the block's columns and rows.
        start, index, value: The block's constraint matrix by columns (HiGHS's arrays).
        money_cost, keep_at_least, keep_at_most: As in `Model`, for the money-only duals
            (`highs.money_duals`); the positions are the block's own.
    """

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    money_cost: np.ndarray
    keep_at_least: np.ndarray
    keep_at_most: np.ndarray

    @property
    def n_col(self) -> int:
        """How many columns the block has."""
        return len(self.cost)

    @property
    def n_row(self) -> int:
        """How many rows the block has."""
        return len(self.row_lower)


def block_lp(model: Model, cols: np.ndarray, rows: np.ndarray) -> BlockLP:
    """The LP of the block of these columns and rows of the model."""
    matrix = model.matrix.block(cols, rows)
    position = np.full(model.n_col, -1)
    position[cols] = np.arange(len(cols))
    at_least = position[model.keep_at_least]
    at_most = position[model.keep_at_most]
    return BlockLP(
        cost=model.cost[cols],
        lower=model.lower[cols],
        upper=model.upper[cols],
        row_lower=model.row_lower[rows],
        row_upper=model.row_upper[rows],
        start=matrix.indptr.astype(np.int32),
        index=matrix.indices.astype(np.int32),
        value=matrix.data,
        money_cost=model.money_cost[cols],
        keep_at_least=at_least[at_least >= 0],
        keep_at_most=at_most[at_most >= 0],
    )


def changed(old: Model, new: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which columns and rows of `new` differ from `old`'s, matched by variable block (constraint family) and
    coordinates: new ones, and those whose cost, bounds or matrix entries changed.

    Returns:
        The old position of each new column and row (-1 = new), and whether each new column and row changed.
    """
    col_map = match(old.lp.variables, new.lp.variables, new.n_col)
    row_map = match(old.lp.constraints, new.lp.constraints, new.n_row)
    col_changed, row_changed = col_map < 0, row_map < 0
    kept, before = np.flatnonzero(~col_changed), col_map[col_map >= 0]
    col_changed[kept] = (
        (old.cost[before] != new.cost[kept])
        | (old.lower[before] != new.lower[kept])
        | (old.upper[before] != new.upper[kept])
    )
    kept, before = np.flatnonzero(~row_changed), row_map[row_map >= 0]
    row_changed[kept] = (old.row_lower[before] != new.row_lower[kept]) | (old.row_upper[before] != new.row_upper[kept])
    # Matrix entries, column by column: the same count, in the same rows (matched), with the same values.
    new_count, old_count = np.diff(new.matrix.indptr), np.diff(old.matrix.indptr)
    same = np.flatnonzero(~col_changed)
    col_changed[same] = new_count[same] != old_count[col_map[same]]
    same = np.flatnonzero(~col_changed)
    if len(same):
        counts = new_count[same]
        new_entry, old_entry = new.matrix.entries(same), old.matrix.entries(col_map[same])  # as many, in order
        differs = (row_map[new.matrix.indices[new_entry]] != old.matrix.indices[old_entry]) | (
            new.matrix.data[new_entry] != old.matrix.data[old_entry]
        )
        col_changed[np.repeat(same, counts)[differs]] = True
    return col_map, row_map, col_changed, row_changed
