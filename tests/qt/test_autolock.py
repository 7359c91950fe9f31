"""Auto-lock (R-LOCK-1): idle, session lock and suspend, driven through real Qt events.

The idle tests use idle times of a fraction of a second; the session-lock and suspend signals are
driven through the ``notify_*`` methods, through the D-Bus slots, and (where dbus-daemon is
installed) end to end through private session and system buses in a child process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from cse_desktop.qt.autolock import (
    IDLE,
    SESSION_LOCKED,
    SUSPEND,
    AutoLock,
    logind_session_path,
    minutes_to_ms,
)
from cse_desktop.qt.settings import (
    DEFAULT_IDLE_MINUTES,
    Settings,
    load_settings,
    save_settings,
    settings_path,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def autolock(qtbot):  # type: ignore[no-untyped-def]
    """AutoLocks made by a test are stopped (their filter removed) when it ends."""
    made: list[AutoLock] = []

    def make(idle_ms: int = 200, **kwargs) -> AutoLock:  # type: ignore[no-untyped-def]
        lock = AutoLock(idle_ms, connect_os=False, **kwargs)
        made.append(lock)
        return lock

    yield make
    for lock in made:
        lock.stop()
        lock.deleteLater()


@pytest.fixture
def edit(qtbot) -> QLineEdit:  # type: ignore[no-untyped-def]
    widget = QLineEdit()
    widget.setAccessibleName("Somewhere to type")
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.setFocus()
    return widget


# -- idle -------------------------------------------------------------------------------------


def test_idle_lock_fires_after_the_idle_time(qtbot, autolock) -> None:
    lock = autolock(200)
    started = time.monotonic()
    lock.start()
    with qtbot.waitSignal(lock.lock_requested, timeout=3000) as fired:
        pass
    assert fired.args == [IDLE]
    assert time.monotonic() - started >= 0.18
    assert not lock.is_running  # one request per lock: start() again after unlocking


def test_typing_and_the_mouse_keep_it_unlocked(qtbot, autolock, edit) -> None:
    lock = autolock(300)
    fired: list[str] = []
    lock.lock_requested.connect(fired.append)
    lock.start()
    for i in range(8):  # 0.8 s of typing: far past the idle time, never idle for long
        qtbot.wait(80)
        qtbot.keyClick(edit, "a")
        assert fired == [], f"locked while typing (key {i})"
    for i in range(4):  # moving and clicking the mouse counts too
        qtbot.wait(80)
        qtbot.mouseMove(edit, QPoint(5 + 10 * i, 5))
    for _ in range(2):
        qtbot.wait(80)
        qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    for _ in range(2):
        qtbot.wait(80)
        wheel = QWheelEvent(QPointF(5, 5), QPointF(edit.mapToGlobal(QPoint(5, 5))), QPoint(),
                            QPoint(0, 120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(edit, wheel)
    assert fired == []
    assert edit.text() == "a" * 8
    with qtbot.waitSignal(lock.lock_requested, timeout=3000) as idle:  # then nothing: it locks
        pass
    assert idle.args == [IDLE]


def test_mouse_movement_alone_counts_as_activity(qtbot, autolock, edit) -> None:
    lock = autolock(250)
    fired: list[str] = []
    lock.lock_requested.connect(fired.append)
    lock.start()
    for i in range(8):
        qtbot.wait(70)
        qtbot.mouseMove(edit, QPoint(4 + (i % 2) * 20, 6))
    assert fired == []


def test_focus_loss_and_repaints_are_not_activity_or_a_lock(qtbot, autolock, edit) -> None:
    lock = autolock(250)
    fired: list[str] = []
    lock.lock_requested.connect(fired.append)
    lock.start()
    app = QApplication.instance()
    QApplication.sendEvent(app, QEvent(QEvent.Type.ApplicationDeactivate))
    QApplication.sendEvent(edit, QEvent(QEvent.Type.WindowDeactivate))
    qtbot.wait(50)
    assert fired == []  # losing focus does not lock...
    for _ in range(6):  # ...and paint events do not keep it open
        edit.repaint()
        qtbot.wait(40)
    qtbot.waitUntil(lambda: fired == [IDLE], timeout=2000)


def test_stop_prevents_firing_and_removes_the_filter(qtbot, autolock, edit) -> None:
    lock = autolock(150)
    fired: list[str] = []
    lock.lock_requested.connect(fired.append)
    lock.start()
    lock.stop()
    qtbot.wait(400)
    lock.notify_session_locked()
    lock.notify_suspend()
    assert fired == []
    assert not lock.is_running
    qtbot.keyClick(edit, "b")  # the filter is off: input goes straight through
    assert edit.text() == "b"
    lock.stop()  # twice is harmless


def test_deleting_a_started_autolock_leaves_input_working(qtbot, edit) -> None:
    import shiboken6

    lock = AutoLock(60_000, connect_os=False)
    lock.start()
    shiboken6.delete(lock)  # the C++ object goes while its filter is installed
    qtbot.keyClicks(edit, "still typing")
    assert edit.text() == "still typing"


def test_restarting_after_a_lock_watches_again(qtbot, autolock) -> None:
    lock = autolock(150)
    lock.start()
    with qtbot.waitSignal(lock.lock_requested, timeout=3000):
        pass
    lock.start()
    with qtbot.waitSignal(lock.lock_requested, timeout=3000) as again:
        pass
    assert again.args == [IDLE]


def test_poke_counts_as_activity(qtbot, autolock) -> None:
    lock = autolock(250)
    fired: list[str] = []
    lock.lock_requested.connect(fired.append)
    lock.start()
    for _ in range(6):
        qtbot.wait(80)
        lock.poke()
    assert fired == []


def test_a_long_sleep_locks_on_the_first_input_and_swallows_it(qtbot, autolock, edit) -> None:
    """Qt's timers do not count time asleep; the first key after a long gap locks instead."""
    now = [1000.0]
    lock = autolock(minutes_to_ms(5), clock=lambda: now[0])
    fired: list[str] = []
    lock.lock_requested.connect(fired.append)
    lock.start()
    qtbot.keyClick(edit, "a")
    now[0] += 60  # a minute later: just activity
    qtbot.keyClick(edit, "b")
    assert fired == []
    now[0] += 6 * 60  # six minutes asleep with the lid shut
    qtbot.keyClick(edit, "c")
    assert fired == [IDLE]
    assert edit.text() == "ab"  # the key that woke it never reached the window


def test_changing_the_idle_time(qtbot, autolock) -> None:
    lock = autolock(60_000)
    lock.set_idle_minutes(1)
    assert lock.idle_ms == 60_000
    lock.set_idle_minutes(60)
    assert lock.idle_ms == 3_600_000
    for bad in (0, 61, -5):
        with pytest.raises(ValueError, match="1 to 60"):
            lock.set_idle_minutes(bad)
    lock.start()
    lock.set_idle_ms(150)  # takes effect while running
    with qtbot.waitSignal(lock.lock_requested, timeout=3000):
        pass
    assert AutoLock(connect_os=False).idle_ms == DEFAULT_IDLE_MINUTES * 60_000


# -- session lock and suspend --------------------------------------------------------------------


def test_session_lock_and_suspend_emit_their_reasons(qtbot, autolock) -> None:
    lock = autolock(60_000)
    lock.start()
    with qtbot.waitSignal(lock.lock_requested, timeout=1000) as locked:
        lock.notify_session_locked()
    assert locked.args == [SESSION_LOCKED]
    lock.start()
    with qtbot.waitSignal(lock.lock_requested, timeout=1000) as suspended:
        lock.notify_suspend()
    assert suspended.args == [SUSPEND]


def test_the_dbus_slots_lock_only_on_the_way_in(qtbot, autolock) -> None:
    lock = autolock(60_000)
    fired: list[str] = []
    lock.lock_requested.connect(fired.append)
    lock.start()
    lock._on_screen_saver_active(False)  # the screen saver ending: unlocking is the user's job
    lock._on_prepare_for_sleep(False)  # waking up
    assert fired == []
    lock._on_screen_saver_active(True)
    lock.start()
    lock._on_prepare_for_sleep(True)
    lock.start()
    lock._on_logind_lock()
    assert fired == [SESSION_LOCKED, SUSPEND, SESSION_LOCKED]


def test_logind_session_paths_are_escaped_like_systemd() -> None:
    assert logind_session_path("c2") == "/org/freedesktop/login1/session/c2"
    assert logind_session_path("3") == "/org/freedesktop/login1/session/_33"
    assert logind_session_path("12") == "/org/freedesktop/login1/session/_312"
    assert logind_session_path("a-b") == "/org/freedesktop/login1/session/a_2db"


DBUS_CHILD = """
import os, sys
from PySide6 import QtDBus
from PySide6.QtCore import QCoreApplication, QTimer
from cse_desktop.qt.autolock import AutoLock

app = QCoreApplication([])
session_addr = os.environ["DBUS_SESSION_BUS_ADDRESS"]
system_addr = os.environ["DBUS_SYSTEM_BUS_ADDRESS"]
# Stand-ins for GNOME's screen saver and logind, on their own connections.
fake_session = QtDBus.QDBusConnection.connectToBus(session_addr, "fake-session")
fake_system = QtDBus.QDBusConnection.connectToBus(system_addr, "fake-system")
assert fake_session.registerService("org.gnome.ScreenSaver")
assert fake_system.registerService("org.freedesktop.login1")

lock = AutoLock(60_000)
print("sources", ";".join(lock.os_lock_sources), flush=True)
fired = []
lock.lock_requested.connect(fired.append)

def signal(bus, path, interface, name, *args):
    message = QtDBus.QDBusMessage.createSignal(path, interface, name)
    if args:
        message.setArguments(list(args))
    assert bus.send(message)

steps = [
    lambda: signal(fake_session, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver",
                   "ActiveChanged", False),
    lambda: signal(fake_system, "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                   "PrepareForSleep", False),
    lambda: signal(fake_session, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver",
                   "ActiveChanged", True),
    lambda: signal(fake_system, "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                   "PrepareForSleep", True),
    lambda: signal(fake_system, "/org/freedesktop/login1/session/c7",
                   "org.freedesktop.login1.Session", "Lock"),
    lambda: signal(fake_system, "/org/freedesktop/login1/session/c8",  # someone else's
                   "org.freedesktop.login1.Session", "Lock"),
]

def run(i=0):
    if i < len(steps):
        lock.start()
        steps[i]()
        QTimer.singleShot(150, lambda: run(i + 1))
    else:
        print("fired", ";".join(fired), flush=True)
        app.quit()

QTimer.singleShot(50, run)
app.exec()
"""


def _start_bus() -> tuple[subprocess.Popen, str]:
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = daemon.stdout.readline().strip() if daemon.stdout else ""
    return daemon, address


@pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon not installed")
def test_screen_saver_and_logind_signals_lock_over_real_dbus(tmp_path) -> None:
    daemons = []
    try:
        session, session_addr = _start_bus()
        daemons.append(session)
        system, system_addr = _start_bus()
        daemons.append(system)
        assert session_addr and system_addr
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "DBUS_SESSION_BUS_ADDRESS": session_addr,
               "DBUS_SYSTEM_BUS_ADDRESS": system_addr, "XDG_SESSION_ID": "c7",
               "CSE_DESKTOP_HOME": str(tmp_path)}
        result = subprocess.run([sys.executable, "-c", DBUS_CHILD], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
    finally:
        for daemon in daemons:
            daemon.terminate()
            daemon.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    sources = lines["sources"].split(";")
    assert "logind: suspend" in sources
    assert "logind: session lock" in sources
    assert "GNOME screen saver" in sources
    assert "freedesktop screen saver" not in sources  # connected, but not running here
    assert lines["fired"].split(";") == [SESSION_LOCKED, SUSPEND, SESSION_LOCKED]


def test_without_dbus_only_the_idle_lock_applies(tmp_path) -> None:
    script = ("from PySide6.QtWidgets import QApplication\n"
              "from cse_desktop.qt.autolock import AutoLock\n"
              "app = QApplication([])\n"
              "print(repr(AutoLock().os_lock_sources))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
    env.update(QT_QPA_PLATFORM="offscreen", CSE_DESKTOP_HOME=str(tmp_path),
               DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus",
               DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/system_bus")
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "()"


# -- a clean exit with the filter installed ----------------------------------------------------

EXIT_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from cse_desktop.qt.app import MainWindow, configure_application
from cse_desktop.qt.autolock import AutoLock
from cse_desktop.qt.resources import apply_theme
from cse_desktop.store import KdfParams

mode = sys.argv[1]
app = QApplication(["cse-desktop"])
configure_application(app)
apply_theme(app, high_contrast=True)
window = MainWindow(kdf=KdfParams.insecure_for_tests())
owned = AutoLock(60_000, window)          # owned by the window, as the lead will do
orphan = AutoLock(60_000)                 # no parent: Python owns it
for lock in (owned, orphan):
    lock.lock_requested.connect(lambda reason: window.lock_and_return())
    lock.start()
window.show()
app.processEvents()
if mode == "exec":
    QTimer.singleShot(100, lambda: window.close())
    QTimer.singleShot(200, app.quit)
    print("exec", app.exec(), flush=True)
else:
    print("no event loop", flush=True)  # leave with the filters still installed
"""


@pytest.mark.parametrize("mode", ["exec", "interpreter-exit"])
def test_the_application_exits_cleanly_with_autolock_started(tmp_path, mode) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CSE_DESKTOP_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-X", "faulthandler", "-c", EXIT_SCRIPT, mode],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert "Segmentation fault" not in result.stderr
    assert "Fatal Python error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert ("exec 0" if mode == "exec" else "no event loop") in result.stdout


# -- settings -------------------------------------------------------------------------------------


def test_settings_round_trip_in_the_data_folder(cse_home) -> None:
    assert settings_path() == cse_home / "settings.ini"
    assert load_settings() == Settings()  # nothing saved yet: the defaults
    chosen = Settings(idle_minutes=12, high_contrast=True, font_scale=1.3)
    assert save_settings(chosen)
    assert load_settings() == chosen
    text = settings_path().read_text("utf-8")
    assert "idle_minutes=12" in text and "high_contrast=true" in text
    assert save_settings(Settings(idle_minutes=1))
    assert load_settings() == Settings(idle_minutes=1)


def test_bad_settings_fall_back_to_safe_values(cse_home) -> None:
    cse_home.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("[lock]\nidle_minutes=999\n[display]\nhigh_contrast=maybe\n"
                               "font_scale=enormous\n", "utf-8")
    assert load_settings() == Settings(idle_minutes=60, high_contrast=False, font_scale=1.0)
    settings_path().write_text("[lock]\nidle_minutes=0\n[display]\nfont_scale=0.1\n", "utf-8")
    assert load_settings() == Settings(idle_minutes=1, font_scale=0.8)
    settings_path().write_text("\x00\x01 not an ini file at all", "utf-8")
    assert load_settings() == Settings()
    assert Settings(idle_minutes=-3, font_scale=float("nan")) == Settings(idle_minutes=1)


def test_settings_hold_no_secrets() -> None:
    fields = set(Settings.__dataclass_fields__)
    assert fields == {"idle_minutes", "high_contrast", "font_scale"}
    source = textwrap.dedent((ROOT / "cse_desktop" / "qt" / "settings.py").read_text("utf-8"))
    assert "passphrase" not in source.replace("Never a passphrase", "")


def test_a_large_build_runs_unwatched_and_the_filter_is_back_afterwards(qtbot, autolock,
                                                                         edit) -> None:
    """``unwatched()`` takes the activity filter off for a synchronous widget build (thousands
    of construction events) and puts it back: input after the build still counts."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from cse_desktop.qt.autolock import unwatched

    class Counting(AutoLock):
        seen = 0

        def eventFilter(self, watched, event) -> bool:  # type: ignore[no-untyped-def]
            Counting.seen += 1
            return super().eventFilter(watched, event)

    lock = Counting(60_000, connect_os=False)
    lock.start()
    try:
        with unwatched():
            box = QWidget()
            qtbot.addWidget(box)
            layout = QVBoxLayout(box)
            for n in range(200):
                layout.addWidget(QLabel(f"Fictional question {n}"))
            box.adjustSize()
        assert Counting.seen == 0  # no construction event reached the filter
        before = lock._last_activity
        time.sleep(0.01)
        qtbot.keyClick(edit, Qt.Key.Key_A)
        assert Counting.seen > 0 and lock._last_activity > before  # back: input counts
    finally:
        lock.stop()
