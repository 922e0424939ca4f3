"""A block's LP → HiGHS → its optimum: column values, row duals in money (docs/model.md, "Shadow prices") and the
optimal basis; and the blocks of a solve shared out over the machine's cores.

HiGHS runs single-threaded with a fixed seed, so the same inputs give the same plan to the last digit; blocks
solved in worker processes are solved exactly as they would be in this one.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace

import highspy
import numpy as np

from ..errors import PlanError
from .blocks import BlockLP

# Fixed solver options: determinism (one thread, one seed) comes before speed. Forced equilibration scaling
# (simplex_scale_strategy 3) took fewer simplex iterations on the benchmark companies than HiGHS's own choice.
HIGHS_OPTIONS: dict[str, object] = {
    "output_flag": False,
    "threads": 1,
    "random_seed": 1234,
    "presolve": "on",
    "primal_feasibility_tolerance": 1e-7,
    "dual_feasibility_tolerance": 1e-7,
    "simplex_scale_strategy": 3,
}
# Dual simplex is quickest for small blocks, interior point (then crossover to a vertex, for exact duals) for large
# ones: a block above this many columns is solved by interior point (but see `TRY_SIMPLEX_COLUMNS`).
INTERIOR_POINT_ABOVE = 40_000
# A cold block above that size, but up to this many columns and with few capacity and material rows (at most this
# share of its rows), is first tried by the simplex from the lot-for-lot basis, with at most this many iterations
# per row; only if it has not finished then is it solved by interior point. The simplex's work from that basis
# grows with the rows that tie SKUs together; the blocks of one site have few of them.
TRY_SIMPLEX_COLUMNS = 100_000
TRY_SIMPLEX_COUPLING = 0.02
TRY_SIMPLEX_ITERATIONS_PER_ROW = 0.2
TRY_SIMPLEX_ITERATIONS_AT_LEAST = 1_000
# Models above this many columns, in more than one block, are solved on every core the process may use (one worker
# process each, forked). Smaller models are quicker without starting workers.
PARALLEL_ABOVE = 30_000
PRIMAL_SIMPLEX = 4  # HiGHS's simplex_strategy for the primal simplex


@dataclass
class Task:
    """One block to solve (`solve_block`).

    Attributes:
        lp: The block's LP.
        scenario: The scenario's name, for messages.
        options: HiGHS options.
        basis: The basis to start from, as status codes (`basis_codes`); None for HiGHS's own start.
        fallback: The solver to use from scratch if the simplex hits `options`' iteration limit; None for none.
        money_scale: The money scale of the model's objective (`model.Penalties`).
        money_duals: Whether to take the penalties out of the duals (`money_duals`).
    """

    lp: BlockLP
    scenario: str
    options: dict[str, object]
    basis: tuple[np.ndarray, np.ndarray] | None
    fallback: str | None
    money_scale: float
    money_duals: bool = True


@dataclass
class Answer:
    """A block's optimum: column values, row duals, objective (money-scale units, without the offset), iterations,
    the solver that found it and its optimal basis as status codes."""

    x: np.ndarray
    dual: np.ndarray
    objective: float
    iterations: int
    solver: str
    basis: tuple[np.ndarray, np.ndarray] | None


def cold_options(options: dict[str, object], columns: int, coupling: int, rows: int) -> tuple[dict, str | None, bool]:
    """How a block without an earlier basis is solved: its options, the fallback solver, and whether it starts
    from the lot-for-lot basis.

    A block's size picks the solver unless `options` names one. A block large enough for interior point tries the
    simplex from the lot-for-lot basis first when it has at most `TRY_SIMPLEX_COLUMNS` columns and `coupling`
    (its capacity and material rows) is at most `TRY_SIMPLEX_COUPLING` of its `rows`, with an iteration limit and
    interior point to fall back on. A solver named in `options` is used as named; interior point from scratch.
    """
    chosen = with_solver(options, columns)
    if chosen["solver"] == "simplex":
        return chosen, None, True
    if "solver" in options or columns > TRY_SIMPLEX_COLUMNS or coupling > TRY_SIMPLEX_COUPLING * rows:
        return chosen, None, False
    limit = max(TRY_SIMPLEX_ITERATIONS_AT_LEAST, int(TRY_SIMPLEX_ITERATIONS_PER_ROW * rows))
    return {**chosen, "solver": "simplex", "simplex_iteration_limit": limit}, str(chosen["solver"]), True


def with_solver(options: dict[str, object], columns: int) -> dict[str, object]:
    """The options of a block of this many columns: its size picks the solver unless `options` names one."""
    return {"solver": "ipm" if columns > INTERIOR_POINT_ABOVE else "simplex", **options}


def solve_block(task: Task) -> Answer:
    """Solve one block, and its money-only duals unless the task says not to; the unit of work of
    `solve_tasks`, in this process or a worker."""
    highs = run(task.lp, task.scenario, task.options, task.basis)
    solver = "simplex" if task.basis is not None else str(task.options["solver"])
    if task.fallback is not None and highs.getModelStatus() == highspy.HighsModelStatus.kIterationLimit:
        # The simplex's try hit its iteration limit: solve with the fallback from scratch.
        options = {name: value for name, value in task.options.items() if name != "simplex_iteration_limit"}
        highs = run(task.lp, task.scenario, {**options, "solver": task.fallback}, None)
        solver = task.fallback
    x, dual, objective, iterations = optimum(highs, task.scenario)
    codes = basis_codes(highs.getBasis())  # the plan's basis, before the money-only solve moves it
    if task.money_duals:
        dual = money_duals(highs, task.lp, x, dual, task.scenario, task.money_scale)
    return Answer(x, dual, objective, iterations, solver, codes)


_banner_silenced = False


def _new_highs() -> highspy.Highs:
    """A HiGHS instance. The first one made in a process prints a banner straight to the C stdout, before any
    option can switch it off; that would land in the middle of the CLI's output, so it goes to /dev/null."""
    global _banner_silenced
    if _banner_silenced:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highs = highspy.Highs()
        try:
            ctypes.CDLL(None).fflush(None)
        except (OSError, AttributeError):  # no C library to flush (not on Linux or macOS): nothing buffered
            pass
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
        _banner_silenced = True
    return highs


def run(lp: BlockLP, scenario: str, options: dict[str, object], basis=None) -> highspy.Highs:
    """Solve a block's LP with these options, from `basis` (status codes) when it fits; the HiGHS instance that
    solved it, which holds the optimum and its basis."""
    highs = _new_highs()
    for name, value in options.items():
        highs.setOptionValue(name, value)
    # The arrays go to HiGHS as they are, one call for the whole model; every column is continuous.
    highs.passModel(
        lp.n_col,
        lp.n_row,
        len(lp.value),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        lp.cost,
        lp.lower,
        lp.upper,
        lp.row_lower,
        lp.row_upper,
        lp.start,
        lp.index,
        lp.value,
        np.zeros(lp.n_col, dtype=np.int32),
    )
    if basis is not None and len(basis[0]) == lp.n_col and len(basis[1]) == lp.n_row:
        highs.setOptionValue("solver", "simplex")
        highs.setBasis(_basis_from_codes(basis))
    highs.run()
    return highs


def optimum(highs: highspy.Highs, scenario: str) -> tuple[np.ndarray, np.ndarray, float, int]:
    """The optimum HiGHS found (column values, row duals, objective, iterations); PlanError if it found none."""
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        text = highs.modelStatusToString(status)
        raise PlanError(
            f"The {scenario} plan cannot be made: the solver reports '{text}'. Every plan may ship "
            "nothing, so this points to inconsistent inputs: check for negative or non-finite hours, "
            "material availability, subcontract limits, prices or costs in the templates."
        )
    solution = highs.getSolution()
    info = highs.getInfo()
    iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count) + int(info.crossover_iteration_count)
    return (
        np.asarray(solution.col_value),
        np.asarray(solution.row_dual),
        float(info.objective_function_value),
        iterations,
    )


def money_duals(
    highs: highspy.Highs, lp: BlockLP, x: np.ndarray, row_dual: np.ndarray, scenario: str, money_scale: float
) -> np.ndarray:
    """Row duals in money only (docs/model.md, "Shadow prices"), when a confirmed order or a stock policy is short.

    A short confirmed order puts its penalty into the shadow prices: one more unit of the scarce material would
    "save" the penalty, and the material would read as worth millions a unit. So the LP is solved again without
    penalties, with every penalised quantity held at least as good as in the plan (confirmed shipments and safety
    stock not below it, closing shortfall not above it). The plan stays optimal for that LP, and its duals are the
    money value of one more unit, given that orders and stock policy are not served worse. Without any shortfall
    the first duals already are in money.

    `highs` is the instance that solved the block, holding its optimal basis: the costs and bounds are changed
    there and the simplex goes on from that basis.
    """
    tolerance = 1e-7
    at_least, at_most = lp.keep_at_least, lp.keep_at_most
    upper = lp.upper
    short = (np.any(x[at_least] < upper[at_least] - tolerance) if len(at_least) else False) or (
        np.any(x[at_most] > tolerance) if len(at_most) else False
    )
    if not short:
        return row_dual
    lower = lp.lower.copy()
    upper = upper.copy()
    lower[at_least] = np.minimum(x[at_least], upper[at_least])
    upper[at_most] = np.maximum(x[at_most], lower[at_most])
    every = np.arange(lp.n_col, dtype=np.int32)
    # From the basis, by the simplex and without an iteration limit, whichever solver found the plan.
    highs.setOptionValue("solver", "simplex")
    highs.setOptionValue("simplex_iteration_limit", highspy.kHighsIInf)
    highs.changeColsCost(lp.n_col, every, lp.money_cost / money_scale)
    highs.changeColsBounds(lp.n_col, every, lower, upper)
    highs.run()
    return optimum(highs, scenario)[1]


# Every HiGHS basis status by its code: looking one up is much quicker than making it.
_STATUSES = [highspy.HighsBasisStatus(code) for code in range(5)]


def basis_codes(basis) -> tuple[np.ndarray, np.ndarray] | None:
    """A HiGHS basis as two arrays of status codes (columns, rows), which can cross between processes."""
    if basis is None or not basis.valid:
        return None
    # Each read of col_status or row_status copies the whole list out of HiGHS: read each once.
    col_status, row_status = basis.col_status, basis.row_status
    return (
        np.fromiter(map(int, col_status), dtype=np.int8, count=len(col_status)),
        np.fromiter(map(int, row_status), dtype=np.int8, count=len(row_status)),
    )


def _basis_from_codes(codes: tuple[np.ndarray, np.ndarray]) -> highspy.HighsBasis:
    """The HiGHS basis of `basis_codes`' arrays."""
    basis = highspy.HighsBasis()
    basis.col_status = [_STATUSES[v] for v in codes[0].tolist()]
    basis.row_status = [_STATUSES[v] for v in codes[1].tolist()]
    basis.valid = True
    return basis


def workers(n_col: int, n_tasks: int) -> int:
    """How many worker processes to solve the blocks of models of `n_col` columns in; 1 = in this process."""
    if (
        n_col <= PARALLEL_ABOVE
        or n_tasks < 2
        or "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon  # a daemonic process may not start workers
    ):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, n_tasks))


def solve_tasks(n_col: int, tasks: list[Task], starts_from: dict[int, int] | None = None) -> list[Answer]:
    """Solve blocks of models of `n_col` columns in all, on every core when that is large; answers in task order.

    `starts_from` maps a task to the earlier task whose optimal basis it starts from (a scenario's block from
    Base's same block): it is solved as soon as that one is, beside the other blocks, so that no core waits for
    the slowest block of the first scenario. Workers take the largest blocks first, so that no core is left with
    one big block at the end; the answers do not depend on which worker solved what or when.
    """
    starts_from = starts_from or {}
    followers: dict[int, list[int]] = {}
    for task, source in starts_from.items():
        followers.setdefault(source, []).append(task)
    answers: list[Answer | None] = [None] * len(tasks)

    def ready(number: int) -> Task:
        # The task, with the basis its source ended at.
        source = starts_from.get(number)
        return tasks[number] if source is None else replace(tasks[number], basis=answers[source].basis)

    def largest_first(numbers) -> list[int]:
        return sorted(numbers, key=lambda number: -tasks[number].lp.n_col)

    count = workers(n_col, len(tasks))
    if count == 1:
        for number in range(len(tasks)):  # a task's source comes before it
            answers[number] = solve_block(ready(number))
        return answers
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork")) as pool:
        first = largest_first(number for number in range(len(tasks)) if number not in starts_from)
        running = {pool.submit(solve_block, tasks[number]): number for number in first}
        try:
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    number = running.pop(future)
                    answers[number] = future.result()
                    for follower in largest_first(followers.get(number, ())):
                        running[pool.submit(solve_block, ready(follower))] = follower
        except BaseException:
            pool.shutdown(cancel_futures=True)  # a block that cannot be solved fails the solve: drop the others
            raise
    return answers
