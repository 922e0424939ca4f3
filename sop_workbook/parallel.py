"""Work done in a forked child process while this process goes on, so that the machine's other cores take the
parts of the job that do not depend on each other: another scenario's analyses, a large sheet of the pack.

The child starts as a copy of this process (fork), so it needs nothing sent to it; it sends back one pickled
answer through a pipe. A child that fails sends no answer, and the caller does the work itself, where any error
surfaces as it would have without a child. Forking is used on Linux only: elsewhere, and inside a daemonic
worker process (which may not start processes), everything runs in this process.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable


def possible() -> bool:
    """Whether work can go to a forked child here (Linux, not inside a daemonic worker process)."""
    import multiprocessing

    return sys.platform.startswith("linux") and not multiprocessing.current_process().daemon


class Forked:
    """`function(*args)` run in a forked child process; `result` waits for what it returned.

    Call `cancel` in a `finally`: it stops and reaps a child whose result was not taken (an error or Ctrl-C in
    this process), so that no process is left behind.
    """

    def __init__(self, function: Callable, *args):
        reader, writer = os.pipe()
        try:
            self.pid: int | None = os.fork()
        except OSError:  # no process could be started (out of memory or processes): nothing is left open
            os.close(reader)
            os.close(writer)
            raise
        if self.pid == 0:  # the child: work, answer, and leave without running this process's exit handlers
            os.close(reader)
            try:
                answer = pickle.dumps((True, function(*args)), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:  # noqa: BLE001 - any failure, Ctrl-C included: the parent does the work
                answer = pickle.dumps((False, None))
            try:
                with os.fdopen(writer, "wb") as pipe:
                    pipe.write(answer)
            finally:
                os._exit(0)
        os.close(writer)
        self.pipe: int | None = reader

    def result(self) -> tuple[bool, object]:
        """Wait for the child.

        Returns:
            (True, what the function returned), or (False, None) when it failed or died.
        """
        with os.fdopen(self.pipe, "rb") as pipe:
            answer = pipe.read()
        self.pipe = None
        os.waitpid(self.pid, 0)
        self.pid = None
        try:
            return pickle.loads(answer)
        except Exception:  # noqa: BLE001 - no answer, or a cut-off one from a child that was killed mid-write
            return (False, None)

    def cancel(self) -> None:
        """Stop the child and reap it, unless its result was taken."""
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = None
