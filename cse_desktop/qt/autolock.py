"""Auto-lock: ask for the workspace to be locked when nobody is using it (R-LOCK-1).

:class:`AutoLock` emits ``lock_requested(reason)``; the main window does the locking.  Reasons:

``"idle"``
    no key press, mouse press, mouse move or wheel anywhere in the application for the idle
    time (default 5 minutes, 1 to 60 in the settings).  Also when the first input after a gap
    arrives more than the idle time after the last one: the machine was asleep or the event loop
    was blocked, and Qt's timers do not count time spent asleep (KeePassXC #2014).
``"session-locked"``
    the desktop session locked (screen saver / lock screen, ``loginctl lock-session``).
``"suspend"``
    the machine is about to sleep (lid closed, suspend, hibernate).

Session lock and suspend are seen on Linux through D-Bus, where a bus is available:
logind's ``PrepareForSleep`` and the session's ``Lock`` on the system bus, and the
``ActiveChanged`` signal of the freedesktop, GNOME, MATE and Cinnamon screen savers on the
session bus.  Without a bus (tests, Windows, macOS) they are skipped silently; the idle lock and
the asleep-gap check still work.  Losing focus or being minimised is NOT a lock: a practitioner
glancing at another window must not lose their place.

Usage (the main window)::

    self.autolock = AutoLock(minutes_to_ms(settings.idle_minutes), self)
    self.autolock.lock_requested.connect(lambda reason: self.lock_and_return())
    # after unlocking: self.autolock.start();  in lock_workspace(): self.autolock.stop()

Each request is made once: the AutoLock stops itself as it emits, and watches again only after
the next ``start()``.

One application-wide event filter is installed on the QApplication while started, and removed
by ``stop()``, when the application is about to quit and at interpreter exit, so Python code is
never called while Qt and Python are shutting down; if the object is deleted while installed,
Qt drops the filter itself.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
import time
import weakref
from collections.abc import Callable, Iterator

from PySide6.QtCore import SLOT, QCoreApplication, QEvent, QObject, QTimer, Signal, Slot

from cse_desktop.qt.settings import (
    DEFAULT_IDLE_MINUTES,
    MAX_IDLE_MINUTES,
    MIN_IDLE_MINUTES,
)

log = logging.getLogger(__name__)

IDLE = "idle"
SESSION_LOCKED = "session-locked"
SUSPEND = "suspend"

DEFAULT_IDLE_MS = DEFAULT_IDLE_MINUTES * 60 * 1000

#: Input that counts as someone using the application.  (Paint, timer and focus events do not;
#: nor does the application losing focus.)
ACTIVITY_EVENTS = frozenset({
    QEvent.Type.KeyPress,
    QEvent.Type.ShortcutOverride,  # a shortcut can consume the key press itself
    QEvent.Type.InputMethod,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress,
    QEvent.Type.TabletMove,
})
#: The rest of an input that is being swallowed (see AutoLock.eventFilter).
_INPUT_ENDS = frozenset({QEvent.Type.KeyRelease, QEvent.Type.MouseButtonRelease,
                         QEvent.Type.TouchEnd, QEvent.Type.TabletRelease})

#: (label, service, path, interface) of the session-bus screen savers whose ActiveChanged(bool)
#: means the session locked.  Connecting to one that is not running is harmless.
SCREEN_SAVERS = (
    ("freedesktop screen saver", "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
     "org.freedesktop.ScreenSaver"),
    ("freedesktop screen saver", "org.freedesktop.ScreenSaver", "/ScreenSaver",
     "org.freedesktop.ScreenSaver"),
    ("GNOME screen saver", "org.gnome.ScreenSaver", "/org/gnome/ScreenSaver",
     "org.gnome.ScreenSaver"),
    ("MATE screen saver", "org.mate.ScreenSaver", "/org/mate/ScreenSaver",
     "org.mate.ScreenSaver"),
    ("Cinnamon screen saver", "org.cinnamon.ScreenSaver", "/org/cinnamon/ScreenSaver",
     "org.cinnamon.ScreenSaver"),
)
LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_MANAGER = "org.freedesktop.login1.Manager"
LOGIND_SESSION = "org.freedesktop.login1.Session"


def minutes_to_ms(minutes: int) -> int:
    return int(minutes) * 60 * 1000


def default_clock() -> float:
    """Seconds on a clock that keeps counting while the machine sleeps.

    Linux: CLOCK_BOOTTIME.  Windows: ``time.monotonic`` (GetTickCount64 counts sleep).
    Elsewhere (macOS): the wall clock, as the monotonic clock stops during sleep there.
    """
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    if boottime is not None:
        return time.clock_gettime(boottime)
    if sys.platform == "win32":
        return time.monotonic()
    return time.time()


def logind_session_path(session_id: str) -> str:
    """logind's object path for a session id (sd_bus_path_encode: '_' + hex for the rest)."""
    encoded = "".join(
        ch if (ch.isascii() and ch.isalnum() and not (i == 0 and ch.isdigit())) else
        f"_{ord(ch):02x}"
        for i, ch in enumerate(session_id))
    return f"{LOGIND_PATH}/session/{encoded or '_'}"


# Instances whose filter must come off before the interpreter finalises.  atexit handlers run
# last-registered first, so this one runs before PySide6's own clean-up, which destroys the
# QApplication (and would deliver events to a half-finalised Python filter).
_live: weakref.WeakSet[AutoLock] = weakref.WeakSet()


@contextlib.contextmanager
def unwatched() -> Iterator[None]:
    """Build a large widget tree without the activity filter: a form of 100 questions makes
    some 30,000 construction events, each of which would otherwise call into Python.  Only for
    synchronous work, during which no input can arrive (no nested event loop, no dialog); the
    filter is back before the next event is processed."""
    paused = [lock for lock in list(_live)
              if lock._filter_on is not None and not lock._swallowing]
    for lock in paused:
        lock._filter_on.removeEventFilter(lock)  # type: ignore[union-attr]
    try:
        yield
    finally:
        for lock in paused:
            with contextlib.suppress(RuntimeError):  # the C++ object is already gone
                if lock._filter_on is not None:
                    lock._filter_on.installEventFilter(lock)


@atexit.register
def _stop_all_at_exit() -> None:
    for autolock in list(_live):
        with contextlib.suppress(RuntimeError):  # the C++ object is already gone
            autolock.stop()


class AutoLock(QObject):
    """Emits ``lock_requested(reason)`` when the workspace should be locked (see the module)."""

    lock_requested = Signal(str)

    def __init__(self, idle_ms: int = DEFAULT_IDLE_MS, parent: QObject | None = None, *,
                 clock: Callable[[], float] = default_clock, connect_os: bool = True) -> None:
        super().__init__(parent)
        if idle_ms <= 0:
            raise ValueError("idle_ms must be positive")
        self._idle_ms = int(idle_ms)
        self._clock = clock
        self._last_activity = clock()
        self._running = False
        self._swallowing = False
        self._filter_on: QCoreApplication | None = None
        self._sources: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        # Ends the swallowing of a waking input once the event being delivered is finished.
        self._swallow_timer = QTimer(self)
        self._swallow_timer.setSingleShot(True)
        self._swallow_timer.setInterval(0)
        self._swallow_timer.timeout.connect(self._end_swallow)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        # Deleted while installed, Qt drops the filter itself (it keeps filters by QPointer).
        _live.add(self)
        if connect_os:
            self._connect_os_sources()

    # -- configuration -----------------------------------------------------------------------

    @property
    def idle_ms(self) -> int:
        return self._idle_ms

    def set_idle_ms(self, idle_ms: int) -> None:
        """The idle time in milliseconds (tests use a fraction of a second)."""
        if idle_ms <= 0:
            raise ValueError("idle_ms must be positive")
        self._idle_ms = int(idle_ms)
        if self._running:
            self._schedule()

    def set_idle_minutes(self, minutes: int) -> None:
        """The idle time in whole minutes, 1 to 60 (a value outside raises ValueError)."""
        if not MIN_IDLE_MINUTES <= int(minutes) <= MAX_IDLE_MINUTES:
            raise ValueError(f"idle minutes must be from {MIN_IDLE_MINUTES} to "
                             f"{MAX_IDLE_MINUTES}")
        self.set_idle_ms(minutes_to_ms(minutes))

    @property
    def os_lock_sources(self) -> tuple[str, ...]:
        """What besides the idle timer can lock, in words, e.g. ("logind: suspend", ...).

        Empty where there is no D-Bus (Windows, macOS, tests): then only the idle lock and the
        asleep-gap check apply.  A screen saver is listed only if it was running at start-up.
        """
        return tuple(self._sources)

    # -- running -----------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Watch for idleness (after unlocking).  Starting twice is harmless."""
        self._swallowing = False
        if not self._running:
            app = QCoreApplication.instance()
            if app is not None and self._filter_on is None:
                app.installEventFilter(self)
                self._filter_on = app
            self._running = True
        self.poke()

    def stop(self) -> None:
        """Stop watching (while locked, and before quitting).  Stopping twice is harmless."""
        self._running = False
        self._swallowing = False
        self._timer.stop()
        self._remove_filter()

    def _remove_filter(self) -> None:
        if self._filter_on is not None:
            self._filter_on.removeEventFilter(self)
            self._filter_on = None

    def poke(self) -> None:
        """Count as activity now (e.g. after a native dialog Qt could not see into)."""
        self._last_activity = self._clock()
        if self._running:
            self._schedule()

    # -- the OS telling us ---------------------------------------------------------------------

    def notify_session_locked(self) -> None:
        """The desktop session locked: lock now (if running)."""
        self._fire(SESSION_LOCKED)

    def notify_suspend(self) -> None:
        """The machine is about to sleep: lock now (if running)."""
        self._fire(SUSPEND)

    @Slot(bool)
    def _on_screen_saver_active(self, active: bool) -> None:
        if active:
            self.notify_session_locked()

    @Slot()
    def _on_logind_lock(self) -> None:
        self.notify_session_locked()

    @Slot(bool)
    def _on_prepare_for_sleep(self, going_to_sleep: bool) -> None:
        if going_to_sleep:
            self.notify_suspend()

    # -- internals ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Called for every event in the application while installed: keep it cheap.
        kind = event.type()
        if self._swallowing:
            return kind in ACTIVITY_EVENTS or kind in _INPUT_ENDS
        if kind in ACTIVITY_EVENTS and self._running:
            now = self._clock()
            if (now - self._last_activity) * 1000 >= self._idle_ms:
                # Asleep or blocked for longer than the idle time, so the timer could not fire.
                # Lock, and swallow the input that woke us (a key press arrives as a shortcut
                # check then the press itself): it must not reach the window.
                self._swallowing = True
                self._swallow_timer.start()
                self._fire(IDLE, keep_filter=True)
                return True
            self._last_activity = now
        return False

    def _end_swallow(self) -> None:
        self._swallowing = False
        if not self._running:
            self._remove_filter()

    def _schedule(self) -> None:
        elapsed_ms = (self._clock() - self._last_activity) * 1000
        remaining = max(1, int(self._idle_ms - elapsed_ms))
        self._timer.start(remaining)

    def _on_timeout(self) -> None:
        if not self._running:
            return
        elapsed_ms = (self._clock() - self._last_activity) * 1000
        if elapsed_ms + 1 >= self._idle_ms:  # coarse timers may fire a little early
            self._fire(IDLE)
        else:
            self._schedule()

    def _fire(self, reason: str, *, keep_filter: bool = False) -> None:
        """Stop (one request per lock), then ask for the lock; ``start()`` after unlocking."""
        if not self._running:
            return
        log.info("auto-lock: %s", reason)
        self._running = False
        self._timer.stop()
        if not keep_filter:
            self._remove_filter()
        self.lock_requested.emit(reason)

    def _connect_os_sources(self) -> None:
        try:
            from PySide6 import QtDBus
        except ImportError:  # a PySide6 build without QtDBus (Windows, macOS wheels)
            return
        self._connect_logind(QtDBus)
        self._connect_screen_savers(QtDBus)

    def _connect_logind(self, QtDBus) -> None:
        system = QtDBus.QDBusConnection.systemBus()
        if not system.isConnected():
            return
        if system.connect(LOGIND, LOGIND_PATH, LOGIND_MANAGER, "PrepareForSleep", self,
                          SLOT("_on_prepare_for_sleep(bool)")):
            self._sources.append("logind: suspend")
        session_path = self._logind_session(QtDBus, system)
        if session_path and system.connect(LOGIND, session_path, LOGIND_SESSION, "Lock", self,
                                           SLOT("_on_logind_lock()")):
            self._sources.append("logind: session lock")

    @staticmethod
    def _logind_session(QtDBus, system) -> str:
        """This process's logind session path: from XDG_SESSION_ID, else ask logind."""
        session_id = os.environ.get("XDG_SESSION_ID", "")
        if not session_id:
            call = QtDBus.QDBusMessage.createMethodCall(
                LOGIND, f"{LOGIND_PATH}/session/auto", "org.freedesktop.DBus.Properties", "Get")
            call.setArguments([LOGIND_SESSION, "Id"])
            reply = system.call(call, QtDBus.QDBus.CallMode.Block, 1000)  # never hang start-up
            if reply.type() != QtDBus.QDBusMessage.MessageType.ReplyMessage:
                return ""
            args = reply.arguments()
            value = args[0] if args else ""
            if hasattr(value, "variant"):  # a QDBusVariant
                value = value.variant()
            session_id = str(value or "")
        return logind_session_path(session_id) if session_id else ""

    def _connect_screen_savers(self, QtDBus) -> None:
        session = QtDBus.QDBusConnection.sessionBus()
        if not session.isConnected():
            return
        bus = session.interface()
        for label, service, path, interface in SCREEN_SAVERS:
            if not session.connect(service, path, interface, "ActiveChanged", self,
                                   SLOT("_on_screen_saver_active(bool)")):
                continue
            if label not in self._sources and _reply_true(bus.isServiceRegistered(service)):
                self._sources.append(label)


def _reply_true(reply: object) -> bool:
    value = getattr(reply, "value", None)
    return bool(value() if callable(value) else reply)
