"""Make the plan: each scenario's model built, its blocks solved (on every core when it is large), a small change
re-solved block by block from the plan it changes, and the answers turned into a Solution.

Base is solved from scratch, each block from the lot-for-lot basis; each block of Upside and Downside starts from
Base's optimal basis of the same block (where the block is small enough for that to pay), as soon as Base's is
solved. The plan is optimal either way; where several plans are optimal the one found may depend on the starting
basis, and it is the same on every run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..inputs import Inputs
from .blocks import block_lp, blocks, changed
from .data import Adjustments, Common, Data, common, prepare
from .highs import (
    HIGHS_OPTIONS,
    PRIMAL_SIMPLEX,
    Answer,
    Task,
    cold_options,
    solve_tasks,
    with_solver,
)
from .model import AT_LOWER, AT_UPPER, BASIC, Model, Penalties, build, penalties
from .report import Solution, report

# A block is warm-started from another scenario's basis only up to this many columns. The demand of another
# scenario differs in every month of every SKU: from Base's basis the simplex walks quickly to the scenario's plan
# on a block of one site, but on a very large block it can take far longer than interior point from scratch.
WARM_SCENARIO_COLUMNS = 100_000


@dataclass
class _Scenario:
    """One scenario's model, built and split into blocks."""

    name: str
    data: Data
    penalty: Penalties
    model: Model
    blocks: list[tuple[np.ndarray, np.ndarray]]


@dataclass
class _BlockBases:
    """The optimal basis of each block of a solve (status codes), to warm-start the blocks of a re-solve with
    the same shape."""

    n_col: int
    n_row: int
    bases: list


@dataclass
class _Solved:
    """A scenario's model as solved, with each block's answer, kept on its Solution so that a small change
    re-solves only the blocks it touches (`_resolve`)."""

    common: Common
    model: Model
    blocks: list[tuple[np.ndarray, np.ndarray]]
    answers: list[Answer]


def solve(
    inputs: Inputs,
    scenario: str = "Base",
    adjustments: Adjustments | None = None,
    *,
    options: dict[str, object] | None = None,
    warm_start: Solution | None = None,
    money_duals: bool = True,
) -> Solution:
    """Make the cost-optimal plan of one scenario (the model: docs/model.md).

    Args:
        inputs: The validated inputs (`reader.read` or `inputs.build_inputs`).
        scenario: "Base", "Upside" or "Downside". A SKU × customer line without a forecast row in a non-Base
            scenario keeps its Base forecast.
        adjustments: What-if changes (extra hours, material, demand, ...); None plans the inputs as they are.
        options: HiGHS options that override `HIGHS_OPTIONS` (for benchmarks; the defaults are deterministic).
        warm_start: A Solution of the same inputs before a small change (extra hours, overtime, material,
            subcontract, a price or an order to confirm), or of another scenario. A Solution of the same
            scenario and the same, unchanged `inputs` object, solved by `solve` or `solve_all`, re-solves only the
            independent blocks of the LP that the change touches, each from its basis; the other blocks keep
            their plan, which is still optimal for them. Otherwise each block's simplex starts from the
            Solution's basis when the model has the same shape; for another scenario only in blocks up to
            `WARM_SCENARIO_COLUMNS` columns. The plan is optimal either way, but where several plans are optimal
            the one found may depend on the starting basis.
        money_duals: False skips, in a re-solve from `warm_start`'s blocks, the second solve that takes the
            penalties out of the shadow prices: for a caller that reads the plan but not its shadow prices, which
            then carry the penalties of short orders or stock in the blocks re-solved.

    Returns:
        The Solution: the plan per SKU, customer, subcontractor, resource and material and month, the shadow
        prices, the confirmed orders at risk, and the contribution margin.

    Raises:
        PlanError: when the plan cannot be made (negative limits, an unknown scenario or adjustment key, or a
            solver failure), naming the inputs concerned.
    """
    adjustments = adjustments or Adjustments()
    chosen = {**HIGHS_OPTIONS, "run_crossover": "on", **(options or {})}
    state = warm_start.state if warm_start is not None and isinstance(warm_start.state, _Solved) else None
    extra_lines = [(str(key[0]), str(key[1])) for key in adjustments.extra_demand]
    # The inputs read into arrays are reused from the warm start when they are the same object and already
    # have every line of the extra demand.
    shared = state.common if state is not None and state.common.inputs is inputs else None
    if shared is not None and not all(line in shared.line_keys for line in extra_lines):
        shared = None
    if shared is None:
        shared = common(inputs, extra_lines)
    elif warm_start.scenario == scenario:
        started = time.perf_counter()
        built, answers, solved = _resolve(state, scenario, adjustments, chosen, money_duals)
        return _solution(built, answers, (started, started, solved), None)
    return _solve(shared, [scenario], adjustments, chosen, warm_start)[0]


def solve_all(inputs: Inputs) -> dict[str, Solution]:
    """Make the plan of every scenario in the forecast.

    The inputs are read into arrays once for all scenarios. Base is solved from scratch; each block of Upside and
    Downside starts from Base's optimal basis of the same block where the block is small, as soon as Base's is
    solved, beside Base's other blocks, so that no core waits for Base's slowest block.

    Args:
        inputs: The validated inputs.

    Returns:
        {scenario: Solution}, Base first, then Upside and Downside when present.

    Raises:
        PlanError: when a scenario's plan cannot be made.
    """
    shared = common(inputs)
    chosen = {**HIGHS_OPTIONS, "run_crossover": "on"}
    scenarios = ["Base"] + [scenario for scenario in inputs.scenarios if scenario != "Base"]
    return dict(zip(scenarios, _solve(shared, scenarios, Adjustments(), chosen, None, chain=True)))


def _build(shared: Common, scenario: str, adjustments: Adjustments) -> _Scenario:
    """Prepare, build and split into blocks one scenario's model."""
    data = prepare(shared, scenario, adjustments)
    penalty = penalties(data)
    model = build(data, penalty)
    return _Scenario(scenario, data, penalty, model, blocks(model))


def _solve(
    shared: Common,
    scenarios: list[str],
    adjustments: Adjustments,
    options: dict[str, object],
    warm_start: Solution | None,
    *,
    chain: bool = False,
) -> list[Solution]:
    """Every block of these scenarios' models solved, from `warm_start`'s basis where it fits. With `chain` (and
    no `warm_start`), the first scenario is solved from scratch and each block of the others starts from the
    first's same block. The blocks of all the scenarios are solved together, so that the cores share them out;
    each scenario's solve time is that of the whole."""
    started = time.perf_counter()
    bases = warm_start.basis if warm_start is not None and isinstance(warm_start.basis, _BlockBases) else None
    built = [_build(shared, scenario, adjustments) for scenario in scenarios]
    tasks: list[Task] = []
    starts_from: dict[int, int] = {}
    first_task = []
    for scenario in built:
        first_task.append(len(tasks))
        same_scenario = warm_start is None or warm_start.scenario == scenario.name
        tasks += _block_tasks(scenario, options, bases, np.inf if same_scenario else WARM_SCENARIO_COLUMNS)
        if chain and scenario is not built[0] and _same_shape(built[0], scenario):
            # Each small block starts from the first scenario's same block, as soon as that one is solved.
            for number, (cols, _) in enumerate(scenario.blocks):
                if len(cols) <= WARM_SCENARIO_COLUMNS:
                    starts_from[first_task[-1] + number] = number
    built_at = time.perf_counter()
    answers = solve_tasks(built[0].model.n_col * len(built), tasks, starts_from)
    solutions = []
    for scenario, first in zip(built, first_task):
        own = answers[first : first + len(scenario.blocks)]
        state = _Solved(common=shared, model=scenario.model, blocks=scenario.blocks, answers=own)
        solutions.append(_solution(scenario, own, (started, built_at, len(scenario.blocks)), state))
    return solutions


def _same_shape(one: _Scenario, other: _Scenario) -> bool:
    """Whether two scenarios' models have as many columns, rows and blocks, so that one's bases fit the other's."""
    return (one.model.n_col, one.model.n_row, len(one.blocks)) == (
        other.model.n_col,
        other.model.n_row,
        len(other.blocks),
    )


def _block_tasks(
    scenario: _Scenario, options: dict[str, object], warm_start: _BlockBases | None, warm_columns: float
) -> list[Task]:
    """The task of each block of a scenario's model: from the basis of the same block of `warm_start` when the
    model has the same shape and the block at most `warm_columns` columns, else from a cold start."""
    model, blocks_ = scenario.model, scenario.blocks
    fits = warm_start is not None and (warm_start.n_col, warm_start.n_row, len(warm_start.bases)) == (
        model.n_col,
        model.n_row,
        len(blocks_),
    )
    return [
        _warm_task(scenario, cols, rows, options, warm_start.bases[number])
        if fits and len(cols) <= warm_columns
        else _cold_task(scenario, cols, rows, options)
        for number, (cols, rows) in enumerate(blocks_)
    ]


def _warm_task(
    scenario: _Scenario, cols: np.ndarray, rows: np.ndarray, options: dict, basis, money_duals: bool = True
) -> Task:
    """The task of a block that starts from an earlier basis (status codes): by the simplex, where it fits."""
    return Task(
        lp=block_lp(scenario.model, cols, rows),
        scenario=scenario.name,
        options=with_solver(options, len(cols)),
        basis=basis,
        fallback=None,
        money_scale=scenario.penalty.money_scale,
        money_duals=money_duals,
    )


def _cold_task(
    scenario: _Scenario, cols: np.ndarray, rows: np.ndarray, options: dict, money_duals: bool = True
) -> Task:
    """The task of a block without an earlier basis: from the lot-for-lot basis where the solver it gets
    (`highs.cold_options`) starts from one."""
    model = scenario.model
    chosen, fallback, basis = with_solver(options, len(cols)), None, None
    if model.start is not None:
        coupling = int(np.count_nonzero(model.coupling[rows]))
        chosen, fallback, from_start = cold_options(options, len(cols), coupling, len(rows))
        basis = (model.start[0][cols], model.start[1][rows]) if from_start else None
    return Task(
        lp=block_lp(model, cols, rows),
        scenario=scenario.name,
        options=chosen,
        basis=basis,
        fallback=fallback,
        money_scale=scenario.penalty.money_scale,
        money_duals=money_duals,
    )


def _merge(model: Model, blocks_: list, answers: list[Answer]) -> tuple[np.ndarray, np.ndarray, float, int, str]:
    """Put the blocks' answers together: column values, row duals (money only), the objective (offset included,
    tie-break left out, in the model's units), iterations and the solver used on the largest block."""
    x = np.zeros(model.n_col)
    row_dual = np.zeros(model.n_row)
    objective = float(model.offset)
    iterations, solver, largest = 0, "simplex", -1
    for (cols, rows), answer in zip(blocks_, answers):
        x[cols] = answer.x
        row_dual[rows] = answer.dual
        objective += answer.objective
        iterations += answer.iterations
        if len(cols) > largest:
            largest, solver = len(cols), answer.solver
    # An elementwise product and a sum, not a dot product: numpy's BLAS thread would spin on after it.
    objective -= float((model.tie_break * x).sum())
    return x, row_dual, objective, iterations, solver


def _solution(scenario: _Scenario, answers: list[Answer], timing: tuple, state: _Solved | None) -> Solution:
    """The Solution of solved blocks: the tables, the statistics and what a re-solve starts from. `timing` is
    (started, built, how many blocks were solved)."""
    started, built, solved_blocks = timing
    solved = time.perf_counter()
    model, penalty = scenario.model, scenario.penalty
    x, row_dual, objective, iterations, solver = _merge(model, scenario.blocks, answers)
    scale = penalty.money_scale
    solution = report(scenario.data, model, x, row_dual * scale, -objective * scale, scenario.name)
    indptr = model.matrix.indptr
    solution.statistics = {
        "rows": model.n_row,
        "columns": model.n_col,
        "nonzeros": model.nnz,
        "build seconds": built - started,
        "solve seconds": solved - built,
        "report seconds": time.perf_counter() - solved,
        "iterations": iterations,
        "commitment penalty": penalty.commitment,
        "largest steering penalty": float(np.max(penalty.steering, initial=0.0)),
        "solver": solver,
        "blocks": len(scenario.blocks),
        "blocks solved": solved_blocks,
        "largest block nonzeros": max(
            (int(np.sum(indptr[cols + 1] - indptr[cols])) for cols, _ in scenario.blocks), default=0
        ),
    }
    solution.basis = _BlockBases(model.n_col, model.n_row, [answer.basis for answer in answers])
    solution.state = state
    return solution


# ----------------------------------------------------------------------------------------------------------
# Re-solving a small change
# ----------------------------------------------------------------------------------------------------------


def _resolve(old: _Solved, scenario: str, adjustments: Adjustments, options: dict[str, object], money_duals: bool):
    """Solve the scenario with a change, re-solving only the blocks whose LP the change touched.

    A block whose columns, rows, costs, bounds and matrix entries are all as in `old` has the same optimum, and
    `old`'s answer is reused; every other block is solved from `old`'s basis (matched by variable block and
    coordinates, `_mapped_basis`), with its money-only duals when `money_duals`. The result is the optimum of the
    whole changed LP, as a solve from scratch would find it up to the choice among equally good plans.

    Returns:
        The scenario's model, the answer of each block and how many blocks were solved.
    """
    built = _build(old.common, scenario, adjustments)
    model = built.model
    col_map, row_map, col_changed, row_changed = changed(old.model, model)
    answers, to_solve = _reused(old, built, col_map, row_map, col_changed, row_changed)
    status = None
    if all(answer.basis is not None for answer in old.answers):
        status = (np.zeros(old.model.n_col, dtype=np.int8), np.zeros(old.model.n_row, dtype=np.int8))
        for (cols, rows), answer in zip(old.blocks, old.answers):
            status[0][cols], status[1][rows] = answer.basis
    tasks = []
    for number in to_solve:
        cols, rows = built.blocks[number]
        basis = None if status is None else _mapped_basis(status, cols, rows, col_map, row_map, model.upper[cols])
        if basis is None:
            tasks.append(_cold_task(built, cols, rows, options, money_duals))
            continue
        chosen = options
        if (col_map[cols] < 0).any() or (row_map[rows] < 0).any():
            # New columns or rows (a confirmed order's shipments) at zero leave the old plan feasible: the primal
            # simplex walks on from it, where the dual simplex could stop short of the optimum within its
            # tolerances.
            chosen = {"simplex_strategy": PRIMAL_SIMPLEX, **options}
        tasks.append(_warm_task(built, cols, rows, chosen, basis, money_duals))
    for number, answer in zip(to_solve, solve_tasks(model.n_col, tasks)):
        answers[number] = answer
    return built, answers, len(to_solve)


def _reused(old: _Solved, built: _Scenario, col_map, row_map, col_changed, row_changed) -> tuple[list, list[int]]:
    """Each block's answer taken from `old` where the block is unchanged (the same columns and rows, all
    unchanged, as one block of `old`), None elsewhere; and the numbers of the blocks to solve."""
    old_block_of_col = np.full(old.model.n_col, -1)
    old_block_of_row = np.full(old.model.n_row, -1)
    for number, (cols, rows) in enumerate(old.blocks):
        old_block_of_col[cols] = number
        old_block_of_row[rows] = number
    answers: list = [None] * len(built.blocks)
    to_solve = []
    for number, (cols, rows) in enumerate(built.blocks):
        owner = -1
        if not (col_changed[cols].any() or row_changed[rows].any()):
            owners = np.concatenate([old_block_of_col[col_map[cols]], old_block_of_row[row_map[rows]]])
            owner = int(owners[0]) if len(owners) else -1
        if (
            owner >= 0
            and np.array_equal(old.blocks[owner][0], col_map[cols])
            and np.array_equal(old.blocks[owner][1], row_map[rows])
        ):
            reused = old.answers[owner]
            answers[number] = Answer(reused.x, reused.dual, reused.objective, 0, reused.solver, reused.basis)
        else:
            to_solve.append(number)
    return answers, to_solve


def _mapped_basis(
    status: tuple[np.ndarray, np.ndarray],
    cols: np.ndarray,
    rows: np.ndarray,
    col_map: np.ndarray,
    row_map: np.ndarray,
    upper: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """A starting basis for a changed block from the old model's (`status`: every column's and row's code): each
    column and row keeps its old status; a new column starts at its lower bound (0) and a new row's slack is
    basic. None when that is not a basis (as many basic variables as rows), as when columns or rows were dropped."""
    new_cols = np.where(col_map[cols] >= 0, status[0][col_map[cols]], AT_LOWER).astype(np.int8)
    new_rows = np.where(row_map[rows] >= 0, status[1][row_map[rows]], BASIC).astype(np.int8)
    # A column at an upper bound that is now infinite starts at its lower bound instead.
    new_cols[(new_cols == AT_UPPER) & np.isinf(upper)] = AT_LOWER
    if int(np.sum(new_cols == BASIC) + np.sum(new_rows == BASIC)) != len(rows):
        return None
    return new_cols, new_rows
