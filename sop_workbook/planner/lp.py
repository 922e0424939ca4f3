"""A linear program written like its mathematics: variables in named blocks with a shape, constraints in named
families, each built with one numpy operation over index arrays (linopy's habit, with numpy alone).

    lp = LinearProgram()
    make = lp.add_variables("make", coords=(sku[:, None], month), cost=unit_cost[:, None])
    inventory = lp.add_variables("inventory", coords=(sku[:, None], month), cost=holding[:, None])
    balance = lp.add_constraints("stock balance", coords=(sku[:, None], month), lower=opening, upper=opening)
    balance.add(1.0, inventory[:, :])  # inventory[s,t] − inventory[s,t−1] − make[s,t] = opening (t = 0) or 0
    balance.add(-1.0, inventory.shift())
    balance.add(-1.0, make[:, :])
    arrays = lp.finish()  # costs, bounds and the constraint matrix, as HiGHS takes them

A block's `coords` are integer arrays, broadcast together to the block's shape, that name each variable (which
SKU, which month); a block indexed like a numpy array gives the LP's column numbers. Two LPs built from the same
inputs name the same quantity with the same coordinates, which is how a re-solve tells what a change touched
(`match`). The objective has three parts, kept apart because they mean different things (docs/model.md,
"Objective"): `cost` is money, `penalty` steers the plan (safety stock, closing stock, confirmed orders) and is
never counted as money, `tie_break` is a hair-width cost that only decides between plans of the same money.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

INFINITY = np.inf


def _broadcast(value, shape: tuple[int, ...]) -> np.ndarray:
    """A number or array as floats of `shape`, flattened (row-major, like the block's columns)."""
    return np.broadcast_to(np.asarray(value, dtype=float), shape).ravel()


@dataclass
class _Block:
    """A named range of the LP's columns or rows with a shape, and the coordinates that name each entry."""

    name: str
    first: int
    shape: tuple[int, ...]
    coords: tuple[np.ndarray, ...]

    @property
    def size(self) -> int:
        """How many columns (rows) the block has."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def span(self) -> slice:
        """The block's range of columns (rows)."""
        return slice(self.first, self.first + self.size)

    @property
    def numbers(self) -> np.ndarray:
        """The column (row) number of each entry, in the block's shape."""
        return np.arange(self.first, self.first + self.size).reshape(self.shape)

    def values(self, solution: np.ndarray) -> np.ndarray:
        """The block's entries of a vector over the LP's columns (rows), such as column values or row duals, in
        the block's shape."""
        return solution[self.span].reshape(self.shape)

    def labels(self) -> np.ndarray:
        """Each entry's coordinates, one row per entry in column order."""
        return np.column_stack([np.broadcast_to(c, self.shape).ravel() for c in self.coords]).astype(np.int64)


class Variables(_Block):
    """A block of variables, e.g. make[sku, month]. Indexed like a numpy array of its shape, it gives column
    numbers: `make[:, :]` every column, `make[s, t]` some, `make.shift()` each one's previous month."""

    def __getitem__(self, index) -> np.ndarray:
        return self.numbers[index]

    def shift(self) -> np.ndarray:
        """The columns of the same variable a month earlier (along the last axis); -1 in the first month, where a
        term that refers to it is left out (the month before the horizon is a constant on the right-hand side)."""
        earlier = np.full(self.shape, -1, dtype=np.int64)
        earlier[..., 1:] = self.numbers[..., :-1]
        return earlier


@dataclass
class Constraints(_Block):
    """A family of constraints, lower ≤ Σ coefficient × column ≤ upper, one row per entry of its shape; `add` puts
    one term into every row at once."""

    entries: list = field(default_factory=list, repr=False)

    def add(self, coefficient, columns: np.ndarray, rows=None) -> None:
        """Add `coefficient` × `columns` to the family's rows.

        Args:
            coefficient: A number, or an array broadcast with `columns`.
            columns: Column numbers (from indexing a `Variables`); -1 entries are left out.
            rows: Where each column goes: an index into the family's shape (a tuple of index arrays, broadcast with
                `columns`); by default the row at the same position, `columns` having the family's shape. Several
                columns going to one row (index repeated) make a sum, such as Σk subcontract[s, k, t].
        """
        rows = self.numbers if rows is None else self.numbers[rows]
        rows, columns, values = np.broadcast_arrays(rows, columns, np.asarray(coefficient, dtype=float))
        keep = columns >= 0
        self.entries.append((rows[keep], columns[keep], values[keep]))


@dataclass
class Arrays:
    """A linear program as arrays: per column the objective's three parts and the bounds, per row the bounds, and
    the constraint matrix."""

    cost: np.ndarray
    penalty: np.ndarray
    tie_break: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: Matrix


class LinearProgram:
    """Columns in named variable blocks, rows in named constraint families, minimised (costs positive, revenue
    negative).

    Attributes:
        variables: {name: Variables} in column order.
        constraints: {name: Constraints} in row order.
    """

    def __init__(self) -> None:
        self.variables: dict[str, Variables] = {}
        self.constraints: dict[str, Constraints] = {}
        self.n_col = 0
        self.n_row = 0
        self._columns: dict[str, list[np.ndarray]] = {
            part: [] for part in ("cost", "penalty", "tie_break", "lower", "upper")
        }
        self._rows: dict[str, list[np.ndarray]] = {"lower": [], "upper": []}

    def add_variables(
        self, name: str, coords: tuple, *, cost=0.0, penalty=0.0, tie_break=0.0, lower=0.0, upper=INFINITY
    ) -> Variables:
        """A new block of variables named `name`, one per entry of its coordinates broadcast together.

        Args:
            name: The block's name (make, inventory, ...).
            coords: Integer arrays naming each variable (SKU, month, ...), broadcast to the block's shape.
            cost: Money per unit of the variable (currency; revenue negative), broadcast to the shape.
            penalty: Steering penalty per unit, never money (docs/model.md, "Objective").
            tie_break: Tie-break cost per unit, in the LP only.
            lower: Lower bounds.
            upper: Upper bounds (INFINITY for none).
        """
        shape = np.broadcast_shapes(*(np.shape(c) for c in coords))
        block = Variables(name, self.n_col, shape, tuple(np.asarray(c) for c in coords))
        for part, value in (("cost", cost), ("penalty", penalty), ("tie_break", tie_break)):
            self._columns[part].append(_broadcast(value, shape))
        self._columns["lower"].append(_broadcast(lower, shape))
        self._columns["upper"].append(_broadcast(upper, shape))
        self.variables[name] = block
        self.n_col += block.size
        return block

    def add_constraints(self, name: str, coords: tuple, *, lower=-INFINITY, upper=INFINITY) -> Constraints:
        """A new family of rows named `name`, one per entry of its coordinates broadcast together, with bounds
        broadcast to its shape; terms are added with `Constraints.add`."""
        shape = np.broadcast_shapes(*(np.shape(c) for c in coords))
        family = Constraints(name, self.n_row, shape, tuple(np.asarray(c) for c in coords))
        self._rows["lower"].append(_broadcast(lower, shape))
        self._rows["upper"].append(_broadcast(upper, shape))
        self.constraints[name] = family
        self.n_row += family.size
        return family

    def finish(self) -> Arrays:
        """The LP as arrays, once every block and family has been added. The program then keeps only what names
        its columns and rows (blocks, families, their shapes and coordinates), not the arrays."""
        columns = {part: np.concatenate(values) if values else np.zeros(0) for part, values in self._columns.items()}
        rows = {part: np.concatenate(values) if values else np.zeros(0) for part, values in self._rows.items()}
        terms = [term for family in self.constraints.values() for term in family.entries]
        entries = (np.concatenate([term[i] for term in terms]) if terms else np.zeros(0) for i in range(3))
        rows_, cols, values = entries
        matrix = Matrix.from_entries(rows_.astype(np.int64), cols.astype(np.int64), values, (self.n_row, self.n_col))
        for family in self.constraints.values():
            family.entries = []
        self._columns = {part: [] for part in self._columns}
        self._rows = {part: [] for part in self._rows}
        return Arrays(**columns, row_lower=rows["lower"], row_upper=rows["upper"], matrix=matrix)

    def rows_of(self, *names: str) -> np.ndarray:
        """Whether each row belongs to one of these constraint families."""
        mask = np.zeros(self.n_row, dtype=bool)
        for name in names:
            mask[self.constraints[name].span] = True
        return mask


def match(old: dict[str, _Block], new: dict[str, _Block], size: int) -> np.ndarray:
    """Where each of `new`'s columns (or rows) is among `old`'s: the same block name at the same coordinates;
    -1 where it is new. `old` and `new` are `LinearProgram.variables` (or `.constraints`) of two LPs of the same
    inputs, `size` how many columns (rows) the new LP has."""
    found = np.full(size, -1, dtype=np.int64)
    for name, block in new.items():
        before = old.get(name)
        if before is None or before.size == 0 or block.size == 0:
            continue
        old_labels, new_labels = before.labels(), block.labels()
        dims = np.maximum(old_labels.max(axis=0), new_labels.max(axis=0)) + 1
        old_flat = np.ravel_multi_index(old_labels.T, dims)
        new_flat = np.ravel_multi_index(new_labels.T, dims)
        order = np.argsort(old_flat, kind="stable")
        place = np.minimum(np.searchsorted(old_flat[order], new_flat), len(order) - 1)
        hit = old_flat[order][place] == new_flat
        found[block.span] = np.where(hit, before.first + order[place], -1)
    return found


@dataclass
class Matrix:
    """A sparse matrix stored by columns (CSC): column j holds the rows indices[indptr[j]:indptr[j + 1]], in
    increasing order, with the values data[indptr[j]:indptr[j + 1]]. HiGHS takes the same three arrays; the
    planner needs only these few operations, so no sparse-matrix library is imported for them."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]  # (rows, columns)

    @classmethod
    def from_entries(cls, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> Matrix:
        """The matrix with these entries; entries at the same place are summed."""
        n_row, n_col = shape
        place = cols.astype(np.int64) * n_row + rows
        order = np.argsort(place)
        in_order = place[order]
        if np.any(in_order[1:] == in_order[:-1]):
            # Entries to sum: in the order they were given (a stable sort), so that the sum is the same on every
            # machine. The planner's models have none, and the unstable sort is quicker.
            order = np.argsort(place, kind="stable")
            in_order = place[order]
            first = np.flatnonzero(np.r_[True, in_order[1:] != in_order[:-1]])
            place, values = in_order[first], np.add.reduceat(values[order], first)
        else:
            place, values = in_order, values[order]
        indptr = np.zeros(n_col + 1, dtype=np.int64)
        np.cumsum(np.bincount(place // n_row, minlength=n_col), out=indptr[1:])
        return cls(indptr, place % n_row, values, shape)

    @property
    def nnz(self) -> int:
        """The number of entries."""
        return len(self.indices)

    def entry_columns(self) -> np.ndarray:
        """The column of each entry."""
        return np.repeat(np.arange(self.shape[1]), np.diff(self.indptr))

    def entries(self, cols: np.ndarray) -> np.ndarray:
        """Where the entries of these columns are (in `indices` and `data`), column after column."""
        counts = np.diff(self.indptr)[cols]
        # Each column's start repeated for each of its entries, plus the entry's place within the column.
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.repeat(self.indptr[cols], counts) + within

    def block(self, cols: np.ndarray, rows: np.ndarray) -> Matrix:
        """The submatrix of these columns and rows (each in increasing order)."""
        counts = np.diff(self.indptr)[cols]
        entries = self.entries(cols)
        position = np.full(self.shape[0], -1)
        position[rows] = np.arange(len(rows))
        new_rows = position[self.indices[entries]]
        kept = new_rows >= 0
        indptr = np.zeros(len(cols) + 1, dtype=np.int64)
        np.cumsum(np.bincount(np.repeat(np.arange(len(cols)), counts)[kept], minlength=len(cols)), out=indptr[1:])
        return Matrix(indptr, new_rows[kept], self.data[entries[kept]], (len(rows), len(cols)))
