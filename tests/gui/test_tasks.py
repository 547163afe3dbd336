"""The bridge from worker threads to the GUI thread."""

from __future__ import annotations

import gc
import threading
import weakref
from functools import partial

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reader_app.ui.tasks import Tasks


@pytest.fixture
def tasks(qtbot: QtBot):
    runner = Tasks()
    yield runner
    runner.shutdown()


def test_work_runs_off_the_gui_thread_and_the_result_comes_back_on_it(
    qtbot: QtBot, tasks: Tasks
) -> None:
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker"] = threading.current_thread() is threading.main_thread()
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["gui"] = QThread.currentThread() is QApplication.instance().thread()  # type: ignore[union-attr]

    tasks.run(work, done)
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen == {"worker": False, "value": 42, "gui": True}
    assert not tasks.busy


def test_an_error_goes_to_on_error_or_else_to_unhandled(qtbot: QtBot, tasks: Tasks) -> None:
    errors: list[BaseException] = []

    def boom() -> None:
        raise ValueError("broken")

    tasks.run(boom, on_error=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert str(errors[0]) == "broken"

    with qtbot.waitSignal(tasks.unhandled) as blocker:
        tasks.run(boom)
    assert isinstance(blocker.args[0], ValueError)


def test_nothing_runs_after_shutdown(qtbot: QtBot) -> None:
    tasks = Tasks()
    tasks.shutdown()
    ran: list[int] = []
    future = tasks.run(lambda: ran.append(1))
    assert future.cancelled()
    qtbot.wait(20)
    assert ran == []


class Result:
    """A value that can be watched with a weak reference."""


def test_a_delivered_result_is_freed_without_a_garbage_collection(
    qtbot: QtBot, tasks: Tasks
) -> None:
    # A result kept alive by a reference cycle (future -> callback -> future) is freed only
    # by the garbage collector: for a long id list, a stall when it finally runs.
    got: list[weakref.ref[Result]] = []
    go = threading.Event()

    def work() -> Result:
        go.wait(5)  # still running when run() has set up its callback, as a long read is
        return Result()

    gc.disable()
    try:
        tasks.run(work, on_done=lambda r: got.append(weakref.ref(r)))
        go.set()
        qtbot.waitUntil(lambda: bool(got) and not tasks.busy)
        assert got[0]() is None
    finally:
        gc.enable()


class Held:
    """Stands for a dialog a task's code and callbacks refer to."""


def test_a_finished_task_keeps_nothing_its_code_or_callbacks_refer_to(
    qtbot: QtBot, tasks: Tasks
) -> None:
    """A worker may still hold the future after the GUI thread is done with it; if the future
    still led to the callbacks (and to a dialog through them), that dialog could be destroyed
    on the worker thread, which crashed Qt."""
    held = Held()
    alive = weakref.ref(held)
    done: list[int] = []
    go = threading.Event()

    def work(thing: Held) -> int:
        go.wait(5)  # still running when run() has set up its callbacks, as a real task is
        return id(thing)

    def on_done(thing: Held, value: int) -> None:
        done.append(value)

    # Bound with partial, not a closure: ``del held`` below must drop only this reference.
    future = tasks.run(partial(work, held), on_done=partial(on_done, held))
    go.set()
    qtbot.waitUntil(lambda: bool(done) and not tasks.busy)
    del held
    assert future.done()  # still here, as the worker thread may still hold it
    assert alive() is None
