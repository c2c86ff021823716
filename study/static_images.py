"""Figures as PNG/SVG/PDF: one headless browser (kaleido driving a local Chrome/Chromium) that
draws a batch of plotly figures.

Starting the browser is most of a report's image time (~3 s), so this module imports nothing
heavy (no plotly, no pandas): a command starts the browser first, and it comes up in its own
process while Python loads the libraries and builds the report. The browser runs in a process
group of its own; leaving the session stops that whole group, also on errors and Ctrl-C.
"""
from __future__ import annotations

import asyncio
import atexit
import os
import signal
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BadValue, StudyError

if TYPE_CHECKING:
    import plotly.graph_objects as go

STATIC_FORMATS = ("png", "svg", "pdf")
_QUIT_SECONDS = 10  # a browser asked to quit, or killed, is gone well within this


class StaticExportUnavailable(StudyError):
    """PNG/SVG/PDF need kaleido and a Chrome or Chromium browser, and neither was found working."""


def unavailable(exc: BaseException) -> str:
    """Why no image can be made, as one line, with what to do."""
    reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    reason = (reason.splitlines() or [""])[0]
    return (f"cannot make static images here ({type(exc).__name__}: {reason}); "
            "kaleido needs a Chrome or Chromium (on Debian: apt-get install chromium, or set BROWSER_PATH); "
            "write .html instead, which needs nothing")


def check_format(fmt: str) -> None:
    if fmt not in STATIC_FORMATS:
        raise BadValue(f"unknown image format {fmt!r}; choose one of {', '.join(STATIC_FORMATS)}")


def _kept_tabs(kaleido_class):
    """kaleido's browser, except that a tab is not reloaded after each figure: kaleido reloads the
    page, plotly.js and all, between figures (~0.2 s each, most of a figure's time); plotly draws
    each figure afresh, and the images are the same byte for byte (tests/test_report.py)."""
    if not hasattr(kaleido_class, "_return_kaleido_tab"):  # another kaleido: use it as it is
        return kaleido_class

    class KeptTabs(kaleido_class):
        async def _return_kaleido_tab(self, tab) -> None:
            await self.tabs_ready.put(tab)

    return KeptTabs


class StaticSession:
    """One headless browser for a batch of static images. It starts in the background as soon as
    the session is made, so the caller can import and build while the browser comes up, and it
    draws in the background too: ``start`` and ``images`` return futures. Use as a context
    manager: leaving it stops the browser's whole process group (at once when leaving on an
    error or Ctrl-C)."""

    def __init__(self, open_timeout: float = 120) -> None:
        self._open_timeout = open_timeout
        self._kaleido = None  # the browser object, set before it launches its process
        self._opening: asyncio.Task | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="study-static-images", daemon=True)
        self._thread.start()
        self._browser = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
        self._started: dict[tuple[int, str, float], tuple[object, Future]] = {}
        atexit.register(self.kill)  # a process ending without leaving the session leaves no browser behind

    async def _open(self):
        self._opening = asyncio.current_task()
        import kaleido

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # no MathJax: our labels are plain text, and its default source is a CDN a lab
            # server may not reach (each page would wait for it)
            self._kaleido = browser = _kept_tabs(kaleido.Kaleido)(mathjax=False)
            await browser.open()
        self._opening = None
        return browser

    def images(self, figs: Sequence[go.Figure], fmt: str = "png", scale: float = 2) -> Future:
        """A future of every figure as PNG/SVG/PDF bytes, in order; its result raises
        StaticExportUnavailable when no image can be made here."""
        check_format(fmt)
        started = [self.start(fig, fmt, scale) for fig in figs]
        return asyncio.run_coroutine_threadsafe(self._collect(started), self._loop)

    def start(self, fig: go.Figure, fmt: str = "png", scale: float = 2) -> Future:
        """Begin drawing ``fig`` now, in the background (a later ``images`` of it waits for this
        drawing instead of starting another): a report's figures draw while the rest is built."""
        key = (id(fig), fmt, scale)
        if key not in self._started:  # the figure is kept with its drawing, so its id stays its own
            spec = (fig.to_dict(), fmt, scale)  # in the caller's thread: figures are not shared
            self._started[key] = (fig, asyncio.run_coroutine_threadsafe(self._render([spec]), self._loop))
        return self._started[key][1]

    async def _collect(self, started: list[Future]) -> list[bytes]:
        return [(await asyncio.wrap_future(one))[0] for one in started]

    async def _render(self, specs: list[tuple[dict, str, float]]) -> list[bytes]:
        import tempfile

        import plotly.io as pio

        if not specs:
            return []
        size = {"width": pio.defaults.default_width, "height": pio.defaults.default_height}  # as fig.to_image
        try:
            browser = await asyncio.wait_for(asyncio.wrap_future(self._browser), self._open_timeout)
            with tempfile.TemporaryDirectory(prefix="study-figures-") as folder:
                paths = [Path(folder) / f"figure-{n}.{fmt}" for n, (_, fmt, _) in enumerate(specs)]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    await browser.write_fig_from_object(
                        [{"fig": fig, "path": str(path), "opts": {"format": fmt, "scale": scale if fmt == "png" else 1,
                                                                   **size}}
                         for (fig, fmt, scale), path in zip(specs, paths)], cancel_on_error=True)
                if missing := [p for p in paths if not p.is_file()]:  # kaleido may report errors instead of raising
                    raise RuntimeError(f"{len(missing)} figure(s) not rendered")
                return [p.read_bytes() for p in paths]
        except Exception as exc:  # kaleido and choreographer raise many kinds; all mean "no image"
            raise StaticExportUnavailable(unavailable(exc)) from None

    # -- stopping ----------------------------------------------------------------------

    def browser_pid(self) -> int | None:
        """The browser's process id (also its process group's), once it was launched."""
        process = getattr(self._kaleido, "subprocess", None)
        return process.pid if process is not None else None

    def kill(self, how: signal.Signals = signal.SIGKILL) -> None:
        """Stop the browser's whole process group now (renderers, GPU and zygote processes too)."""
        pid = self.browser_pid()
        if pid is None:
            return
        try:
            os.killpg(pid, how)  # kaleido starts it as the leader of a new session
        except (ProcessLookupError, PermissionError):  # already gone
            pass

    def close(self, abort: bool = False) -> None:
        """Stop the browser and the thread; ``abort`` (leaving on an error or Ctrl-C): at once, even
        while it is still starting. Either way, nothing of its process group is left running."""
        if not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._close(abort), self._loop).result(timeout=self._open_timeout + 30)
        finally:
            self.kill()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()
            atexit.unregister(self.kill)

    async def _close(self, abort: bool) -> None:
        if abort:
            await self._stop_now()
        try:
            await asyncio.wait_for(asyncio.wrap_future(self._browser), self._open_timeout)
        except (Exception, asyncio.CancelledError):  # it did not start, or was stopped: still clean up
            pass
        if self._kaleido is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:  # asks the browser to quit (unless stopped already), removes its temporary profile and page
                    await asyncio.wait_for(self._kaleido.close(), _QUIT_SECONDS)
                except (Exception, asyncio.CancelledError):  # a browser that never opened has little to close
                    pass
        await _cancel_pending()

    async def _stop_now(self) -> None:
        """A browser still opening: kill its process group and reap it (asking a browser that is
        not up to quit waits for ever; one that is up quits cleanly in a moment, so it is asked).
        Runs in the loop's thread: nothing else runs meanwhile."""
        deadline = asyncio.get_running_loop().time() + _QUIT_SECONDS
        while self._launching() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)  # its process is being started: in a moment it has an id to stop
        process = getattr(self._kaleido, "subprocess", None)
        if process is None or self._opening is None:  # never launched, or up: closed the ordinary way
            return
        self._opening.cancel()  # it would wait for answers that never come
        watchdog = getattr(self._kaleido, "_watch_dog_task", None)
        if watchdog is not None:  # kaleido's own watcher would report the killed browser as a failure
            watchdog.cancel()
        self.kill()
        try:
            await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, process.wait), _QUIT_SECONDS)
        except (Exception, asyncio.CancelledError):
            pass
        channel = getattr(self._kaleido, "_channel", None)
        if channel is not None:  # its reader waits on the pipe a dead browser never closes (~2 s)
            channel.close()

    def _launching(self) -> bool:
        return (self._opening is not None and not self._opening.done()
                and getattr(self._kaleido, "subprocess", None) is None)


    def __enter__(self) -> StaticSession:
        return self

    def __exit__(self, exc_type, *_) -> None:
        self.close(abort=exc_type is not None)


async def _cancel_pending() -> None:
    """Cancel what is left on the loop (kaleido's watchdog, drawings nobody waits for) before it stops."""
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
