"""Garbage collection runs on the GUI thread only (reader_app/ui/gui_gc.py): cyclic garbage
made on a worker thread is finalized on the GUI thread, where destroying Qt objects is safe."""

from __future__ import annotations

import gc
import threading
import weakref

from pytestqt.qtbot import QtBot

from reader_app.ui.application import make_application
from reader_app.ui.gui_gc import GuiThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_cyclic_garbage_of_a_worker_thread_is_collected_on_the_gui_thread(qtbot: QtBot) -> None:
    assert not gc.isenabled()  # the app (and these tests) collect from a timer instead
    finalized_in: list[str] = []

    def work() -> None:
        garbage = _Cycle()
        weakref.finalize(garbage, lambda: finalized_in.append(threading.current_thread().name))
        del garbage
        # Far past the young generation's threshold: automatic collection would run here.
        for _ in range(50):
            [_Cycle() for _ in range(1000)]

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    worker.join()
    assert finalized_in == []
    qtbot.waitUntil(lambda: bool(finalized_in), timeout=5000)
    assert finalized_in == [threading.main_thread().name]


def test_the_application_installs_one_collector(qtbot: QtBot) -> None:
    app = make_application()
    make_application()
    assert len(app.findChildren(GuiThreadCollector)) == 1
