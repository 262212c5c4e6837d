"""The composition root: builds the long-lived objects once and runs what the command asked.

:mod:`cur_desktop.cli` parses the command line and calls :func:`run`. Here, and only here,
the program is put together: logging, the start-up heap freeze, the
:class:`~cur_desktop.services.Workstation` of the profile (database, writer, readers,
transport, sync engine: built once, closed once), and the event loop it lives on:

* headless commands (``login``, ``sync``, ``status``, ``logout``) run the workstation on a
  plain asyncio loop and print in Russian;
* ``--demo --headless`` runs the embedded demo in the terminal (a seeded local server and an
  operator);
* the window (no command, or ``--demo``): :func:`run_desktop` builds the ``QApplication``
  with the qasync loop (asyncio on the Qt thread), the translations (Russian by default) and
  Qt's messages routed into Python logging, shows the window at once, and then
  - ``--demo``: seeds and starts the demo server in a worker thread while the window shows
    progress, signs the demo user in, opens the workstation, and keeps feeding new posts;
  - otherwise: the sign-in dialog (online, or offline on a profile that signed in before),
    then the workstation of the profile.
  The workstation is opened once and closed once, after the window closed (SIGTERM / SIGINT
  close it like the close button). :func:`run_window` is the bare form: a workstation handed
  to a ``show`` coroutine on the qasync loop. Qt is imported only inside these two, so
  headless use never loads it.

Exit codes: 0 ok, 1 error, 3 changes the server rejected wait for the operator, 4 changes are
still waiting to be sent.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from cur_desktop import __version__
from cur_desktop.services import OperationError, Workstation, app_dirs, profile_care
from cur_desktop.services.outcomes import CODE_NOT_CONNECTED
from cur_desktop.services.profile_lock import ProfileLock
from cur_desktop.services.sign_in import remembered_identity, sign_in
from cur_desktop.startup_heap import freeze_startup_heap
from cur_desktop.storage.outbox import SyncStatus
from cur_desktop.sync.errors import SyncClientError
from cur_desktop.sync.profile import default_profile_dir
from cur_desktop.sync.syncer import SyncCounts

if TYPE_CHECKING:
    from cur_desktop.ui.application import WindowSession
    from cur_desktop.ui.single_instance import InstanceServer

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_NEEDS_ATTENTION = 3
EXIT_NOT_CAUGHT_UP = 4

NOT_LOGGED_IN = "Профиль не подключён к серверу: выполните «cur-desktop login»."


@dataclass(frozen=True, slots=True)
class Request:
    """What the command line asked for (built by :mod:`cur_desktop.cli`)."""

    command: str | None
    profile: Path | None = None
    server: str | None = None
    login: str | None = None
    once: bool = False
    demo: bool = False
    demo_dir: Path | None = None
    verbosity: int = 0
    window: bool = False
    role: str = "operator"
    period: str | None = None
    report_format: str | None = None
    out: Path | None = None
    backup: Path | None = None


def configure_logging(verbosity: int) -> None:
    """WARNING by default, INFO with ``-v``, DEBUG with ``-vv``; to standard error."""
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setLevel(level)  # the window's log file may take more (services.app_dirs)
    terminal.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[terminal])


def run(request: Request, *, stdin: TextIO | None = None, show_help: Callable[[], None]) -> int:
    """Run one request; return the process exit code."""
    configure_logging(request.verbosity)
    # Start-up is done: keep the collector's full passes off the start-up heap (see gc_tuning;
    # without it a big pull stalled the event loop for 75-225 ms per full pass).
    freeze_startup_heap()
    if request.window:
        return run_desktop(
            demo=request.demo, demo_dir=request.demo_dir, role=request.role, profile=request.profile
        )
    if request.demo:
        from cur_desktop.demo.embedded import run_demo  # noqa: PLC0415 (starts a server: lazy)

        return run_demo(request.demo_dir)
    if request.command == "restore":
        return _restore(request.profile, request.backup)
    handlers: dict[str, Callable[[Workstation], Awaitable[int]]] = {
        "login": lambda station: _login(station, request, stdin or sys.stdin),
        "logout": _logout,
        "sync": lambda station: _sync(station, once=request.once),
        "status": _status,
        "report": lambda station: _report(station, request),
    }
    handler = handlers.get(request.command or "")
    if handler is None:
        show_help()
        return EXIT_OK
    try:
        return asyncio.run(_with_workstation(request.profile, handler))
    except KeyboardInterrupt:
        return EXIT_OK
    except (OperationError, SyncClientError) as exc:
        print(f"Ошибка: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        log.debug("OS error", exc_info=True)
        print(f"Ошибка файловой системы: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _restore(profile: Path | None, backup: Path | None) -> int:
    """``cur-desktop restore``: list the backups, or put one back (never while the window runs)."""
    if backup is None:
        found = profile_care.backups(profile)
        if not found:
            print("Резервных копий нет (они делаются при каждом запуске окна).")
            return EXIT_OK
        print("Резервные копии (новые сверху, время UTC):")
        for item in found:
            size = item.size_bytes / (1024 * 1024)
            print(f"  {item.path.name}  {item.made_at:%Y-%m-%d %H:%M:%S}  {size:.1f} МБ")
        print("Восстановить: cur-desktop restore --profile DIR --backup ИМЯ")
        return EXIT_OK
    try:
        kept = profile_care.restore(profile, backup)
    except OperationError as exc:
        print(f"Ошибка: {exc.message}", file=sys.stderr)
        return EXIT_ERROR
    print(f"База профиля восстановлена из {backup.name}.")
    if kept is not None:
        print(f"Прежняя база сохранена: {kept}")
    return EXIT_OK


async def _with_workstation(
    profile: Path | None, handler: Callable[[Workstation], Awaitable[int]]
) -> int:
    station = await Workstation.open(profile)
    try:
        return await handler(station)
    finally:
        await station.close()


async def _login(station: Workstation, request: Request, stdin: TextIO) -> int:
    password = stdin.readline().rstrip("\r\n")
    if not password:
        print("Пароль не получен из стандартного ввода.", file=sys.stderr)
        return EXIT_ERROR
    assert request.server is not None
    assert request.login is not None
    info = await station.login(request.server, request.login, password)
    region = info.region_code or "все регионы"
    role = info.role.value if info.role is not None else "—"
    print(f"Вход выполнен: {info.login} ({role}, {region}).")
    return EXIT_OK


async def _logout(station: Workstation) -> int:
    await station.logout()
    print("Выход выполнен, токен удалён.")
    return EXIT_OK


async def _sync(station: Workstation, *, once: bool) -> int:
    if not station.can_sync:
        raise OperationError(NOT_LOGGED_IN, CODE_NOT_CONNECTED)
    if not once:
        station.start_sync()
        await asyncio.Event().wait()  # until Ctrl+C (the loop cancels us; close() still runs)
        return EXIT_OK
    counts = await station.sync_now()
    status = await station.sync_status()
    _print_counts(counts)
    if status.rejected:
        print(
            f"Сервер отклонил изменения ({status.rejected}): они ждут решения оператора.",
            file=sys.stderr,
        )
        return EXIT_NEEDS_ATTENTION
    if status.pending:
        print(f"Не все изменения отправлены (осталось {status.pending}).", file=sys.stderr)
        return EXIT_NOT_CAUGHT_UP
    return EXIT_OK


async def _report(station: Workstation, request: Request) -> int:
    """``cur-desktop report``: the statistics of the profile's region for a period, to a file."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from cur_desktop.reference import data as refdata  # noqa: PLC0415
    from cur_desktop.services.reports import write_report  # noqa: PLC0415
    from cur_desktop.services.supervision import parse_period  # noqa: PLC0415

    info = await station.session_info()
    if not info.region_code:
        print(
            "Профиль не привязан к региону: сначала войдите (cur-desktop login).", file=sys.stderr
        )
        return EXIT_ERROR
    assert request.period is not None
    assert request.out is not None
    timezone = refdata.region_by_code(info.region_code).timezone
    try:
        period = parse_period(request.period, timezone)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR
    region, now = info.region_code, datetime.now(UTC)
    report = await station.statistics(region, period, now)
    if request.report_format == "pdf":
        from cur_desktop.ui.report_pdf import write_pdf_headless  # noqa: PLC0415 (Qt: lazy)

        write_pdf_headless(report, request.out)
    else:
        write_report(report, request.out, request.report_format or "csv")
    count = report.current.registered
    print(f"{report.region_name}, {period.title}: инцидентов {count} → {request.out}")
    return EXIT_OK


async def _status(station: Workstation) -> int:
    _print_status(await station.sync_status())
    return EXIT_OK


def _print_counts(counts: SyncCounts) -> None:
    print(f"получено: {counts.pulled}")
    print(f"отправлено: {counts.pushed}")
    print(f"отклонено: {counts.rejected}")


def _print_status(status: SyncStatus) -> None:
    last = status.last_sync_at.isoformat(timespec="seconds") if status.last_sync_at else "никогда"
    print(f"сервер: {status.server_url or '—'}")
    print(f"пользователь: {status.login or '—'}")
    print(f"ожидают отправки: {status.pending}")
    print(f"отклонены сервером: {status.rejected}")
    print(f"последняя синхронизация: {last}")
    print(f"курсор: {status.cursor}")


ShowWindow = Callable[[Workstation], Awaitable[int]]
"""The window's entry: shows itself for ``station`` and returns the exit code when closed."""


def run_window(profile: Path | None, show: ShowWindow, *, argv: list[str] | None = None) -> int:
    """Run ``show`` with the profile's workstation on the window's loop (``GuiEventLoop``).

    Builds (or reuses) the ``QApplication``, runs asyncio on the Qt main thread through
    qasync, opens the :class:`Workstation` once, awaits ``show(station)``, then closes the
    workstation once. The window never sees a database connection, only the workstation.
    """
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415 (Qt only when a window is asked for)

    from cur_desktop.ui.event_loop import GuiEventLoop  # noqa: PLC0415

    qt_app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    loop = GuiEventLoop(qt_app)
    asyncio.set_event_loop(loop)

    async def main() -> int:
        station = await Workstation.open(profile)
        try:
            freeze_startup_heap()
            return await show(station)
        finally:
            await station.close()

    try:
        with loop:
            return int(loop.run_until_complete(main()))
    finally:
        asyncio.set_event_loop(None)


ORGANIZATION = "cur-desktop"
APPLICATION = "cur-desktop"


def run_desktop(*, demo: bool, demo_dir: Path | None, role: str, profile: Path | None) -> int:
    """Open the window and run the event loop until it closes; returns the exit code.

    Desktop care around the window: the log file (rotated) in the log directory; the settings
    in the config directory; one instance per profile (a second start raises the first window
    and exits 0); the crash handler (draft saved, report written, dialog in Russian).
    """
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415 (Qt only when a window is wanted)

    from cur_desktop.ui.application import (  # noqa: PLC0415
        install_qt_message_handler,
        prepare_application,
    )
    from cur_desktop.ui.event_loop import GuiEventLoop  # noqa: PLC0415
    from cur_desktop.ui.single_instance import (  # noqa: PLC0415
        InstanceServer,
        ask_first_to_raise,
        server_name,
    )

    log_file = app_dirs.install_file_log()
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    # the profile that only one window may hold: the given (or default) one; a demo's only when
    # --demo-dir names it (a temporary demo folder is new on every start)
    locked_dir = demo_dir if demo else (profile or default_profile_dir())
    lock = ProfileLock(locked_dir) if locked_dir is not None else None
    if lock is not None and not lock.acquire():
        if ask_first_to_raise(server_name(locked_dir or Path())):
            print("Программа уже запущена с этим профилем: её окно выведено на передний план.")
            return EXIT_OK
        print(
            "Профиль занят другим процессом (например, восстановлением из копии): повторите позже.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    prepare_application(qt_app, ORGANIZATION, APPLICATION, settings_dir=app_dirs.config_dir())
    install_qt_message_handler()
    log.info("cur-desktop %s started; log %s", __version__, log_file)
    instance = InstanceServer(server_name(locked_dir)) if locked_dir is not None else None
    loop = GuiEventLoop(qt_app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            main = _window_main(demo, demo_dir, role, profile, instance)
            return int(loop.run_until_complete(main))
    finally:
        asyncio.set_event_loop(None)
        if instance is not None:
            instance.close()
        if lock is not None:
            lock.release()


async def _window_main(
    demo: bool,
    demo_dir: Path | None,
    role: str,
    profile_dir: Path | None,
    instance: InstanceServer | None,
) -> int:
    from cur_desktop.ui.application import WindowSession  # noqa: PLC0415
    from cur_desktop.ui.crash_dialog import install_crash_handler  # noqa: PLC0415

    data_dir = demo_dir if demo else (profile_dir or default_profile_dir())
    session = WindowSession(data_dir=data_dir, log_dir=app_dirs.log_dir())
    install_crash_handler(
        app_dirs.log_dir(),
        lambda: session.window,
        session.window.card.editor.flush_draft,
        asyncio.get_running_loop(),
    )
    if instance is not None:
        instance.raise_requested.connect(session.raise_window)
    _close_on_signals(session)
    session.show()
    try:
        if demo:
            await _start_demo(session, demo_dir, role)
        else:
            await _start_signed_in(session, profile_dir)
        await session.closed()
    finally:
        await session.shutdown()
    return 0


def _close_on_signals(session: WindowSession) -> None:
    """SIGTERM / SIGINT close the window like the close button (drafts saved, demo stopped).

    Python runs signal handlers between bytecodes; the window's one-second timer keeps the
    interpreter turning while Qt waits for events.
    """

    def close(_signum: int, _frame: object) -> None:
        session.quit()

    for name in ("SIGTERM", "SIGINT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), close)


async def _start_demo(session: WindowSession, demo_dir: Path | None, role: str) -> None:
    from cur_desktop.demo.window_demo import LiveFeed, start_demo_server  # noqa: PLC0415

    session.preparing("seeding")
    loop = asyncio.get_running_loop()

    def progress(stage: str, done: int, total: int) -> None:
        loop.call_soon_threadsafe(session.preparing, stage, done, total)

    demo = await asyncio.to_thread(start_demo_server, demo_dir, role, progress)
    session.on_shutdown(lambda: asyncio.to_thread(demo.stop))
    session.preparing("signing_in")
    result = await sign_in(demo.profile_dir, demo.server.base_url, demo.login, demo.password)
    ws = await Workstation.open(demo.profile_dir, poll_interval=15.0)
    session.attach(ws, await ws.session_info(), offline=not result.online)
    feed = LiveFeed(demo.server.base_url, demo.region_code)
    feed.start()
    session.on_shutdown(feed.stop)


async def _start_signed_in(session: WindowSession, profile_dir: Path | None) -> None:
    # a copy of the store before anything opens it (SQLite backup API, the newest 5 kept)
    await asyncio.to_thread(profile_care.backup_on_start, profile_dir)
    remembered = remembered_identity(profile_dir)

    async def attempt(server: str, login: str, password: str) -> object:
        return await sign_in(profile_dir, server, login, password)

    result = await session.ask_sign_in(
        attempt,
        server=remembered[0] if remembered else "",
        login=remembered[1] if remembered else "",
    )
    if result is None:
        session.quit()
        return
    ws = await Workstation.open(profile_dir)
    session.attach(ws, await ws.session_info(), offline=not getattr(result, "online", True))
