"""Figures (plotly): code frequency bars, the saturation curve, a co-occurrence heatmap and
agreement per code. Each function returns a ``plotly.graph_objects.Figure``; ``write_figure``
saves it as self-contained HTML (plotly.js inlined, works offline) or, when a static renderer
(kaleido with a Chrome/Chromium) is available, as PNG, SVG or PDF; a batch of figures is drawn in
one browser session (``StaticSession``, from ``study.static_images``).

User text (code names, participant labels) goes into figures as data values, escaped so that
plotly's label markup (``<b>``, ``<br>``, ``<a>``) shows literally instead of being interpreted.
"""
from __future__ import annotations

import importlib.util
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from . import atomic
from .errors import BadValue
from .static_images import STATIC_FORMATS, StaticExportUnavailable, StaticSession, check_format, unavailable
from .table import Table
from .saturation import Saturation

if TYPE_CHECKING:
    from .agreement.study_agreement import AgreementReport

FIGURE_FORMATS = ("html",) + STATIC_FORMATS
AGREEMENT_THRESHOLDS = ((0.667, "tentative (.667)"), (0.800, "reliable (.800)"))
_TEMPLATE = "plotly_white"


def plain(text: object) -> str:
    """``text`` as plotly shows it literally: its label markup characters as entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title={"text": plain(title)}, template=_TEMPLATE, height=height,
                      margin={"l": 20, "r": 20, "t": 60, "b": 40})
    return fig


# -- figures ---------------------------------------------------------------------------


def frequency_figure(table: Table) -> go.Figure:
    """Horizontal bars: participants mentioning each code (N of M), from a frequency table;
    codes coloured by theme, most mentioned on top."""
    rows = list(table.rows)
    labels = _unique_labels([r["code"] for r in rows], [r["ref"] for r in rows])
    fig = go.Figure()
    for theme in dict.fromkeys(r["theme"] for r in rows):
        part = [(label, r) for label, r in zip(labels, rows) if r["theme"] == theme]
        fig.add_trace(go.Bar(
            orientation="h", name=plain(theme),
            y=[plain(label) for label, _ in part], x=[r["participants"] for _, r in part],
            text=[f"{r['participants']} of {r['of']}" for _, r in part], textposition="outside",
            customdata=[[plain(", ".join(r["ids"]))] for _, r in part],
            hovertemplate="%{y}: %{text}<br>%{customdata[0]}<extra></extra>",
        ))
    of = rows[0]["of"] if rows else 0
    fig.update_yaxes(categoryorder="array", categoryarray=[plain(label) for label in reversed(labels)])
    fig.update_xaxes(title="participants", range=[0, max(of, 1) * 1.15], dtick=1 if of <= 15 else None)
    fig.update_layout(showlegend=len({r["theme"] for r in rows}) > 1, barmode="overlay")
    return _layout(fig, table.title, height=max(300, 28 * len(rows) + 120))


def saturation_figure(result: Saturation) -> go.Figure:
    """Cumulative unique codes by participant (line) with the new codes each added (bars);
    a dashed line marks where saturation came."""
    x = [plain(p) for p in result.participants]
    fig = go.Figure([
        go.Bar(x=x, y=list(result.new), name="new codes", marker_color="#9ecae1",
               hovertemplate="%{x}: %{y} new<extra></extra>"),
        go.Scatter(x=x, y=list(result.cumulative), name="cumulative unique codes", mode="lines+markers",
                   line={"color": "#08519c"}, hovertemplate="%{x}: %{y} in total<extra></extra>"),
    ])
    fig.update_xaxes(title="participant (interview order)", type="category")
    fig.update_yaxes(title="codes", rangemode="tozero", dtick=1 if max(result.cumulative, default=0) <= 15 else None)
    if result.saturation_at is not None and result.reached:
        fig.add_vline(x=result.participants.index(result.saturation_at), line_dash="dash", line_color="#636363")
        fig.add_annotation(x=plain(result.saturation_at), y=max(result.cumulative), yshift=10, showarrow=False,
                           text=f"saturation ({result.threshold:.0%} rule)")
    return _layout(fig, "Cumulative unique codes by participant", height=420)


def cooccurrence_figure(table: Table) -> go.Figure:
    """Heatmap of a co-occurrence table (code x code counts)."""
    codes = [c for c in table.columns[1:]]
    labels = _unique_labels([c.label for c in codes], [c.key for c in codes])
    z = [[row[c.key] for c in codes] for row in table.rows]
    shown = [plain(label) for label in labels]
    fig = go.Figure(go.Heatmap(
        z=z, x=shown, y=shown, colorscale="Blues", text=z, texttemplate="%{text}",
        hovertemplate="%{y} and %{x}: %{z}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    size = max(400, 32 * len(codes) + 200)
    return _layout(fig, table.title, height=size)


def agreement_figure(report: AgreementReport,
                     title: str = "Agreement per code (Krippendorff's alpha, 95% interval)") -> go.Figure:
    """Alpha per code with its bootstrap interval as error bars, and lines at .667 and .800;
    codes with undefined alpha are left out (named in a note)."""
    codes = [c for c in report.codes if c.alpha is not None]
    undefined = [c.code for c in report.codes if c.alpha is None]
    labels = [plain(c.code) for c in codes]
    alphas = [c.alpha for c in codes]
    intervals = [c.alpha_ci or (a, a) for c, a in zip(codes, alphas)]
    fig = go.Figure(go.Scatter(
        x=alphas, y=labels, mode="markers", marker={"size": 9, "color": "#08519c"}, name="alpha",
        error_x={"type": "data", "symmetric": False, "array": [hi - a for (_, hi), a in zip(intervals, alphas)],
                 "arrayminus": [a - lo for (lo, _), a in zip(intervals, alphas)]},
        customdata=[[lo, hi] for lo, hi in intervals],
        hovertemplate="%{y}: %{x:.3f} [%{customdata[0]:.3f}, %{customdata[1]:.3f}]<extra></extra>",
    ))
    for (value, label), side in zip(AGREEMENT_THRESHOLDS, ("top left", "top right")):
        fig.add_vline(x=value, line_dash="dash", line_color="#e6550d" if value < 0.8 else "#31a354",
                      annotation_text=label, annotation_position=side)
    fig.update_xaxes(title="alpha", range=[min([-0.1, *(lo for lo, _ in intervals)]), 1.05])
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)))
    fig = _layout(fig, title, height=max(320, 28 * len(codes) + 160))
    if undefined:
        named = ", ".join(undefined) if len(undefined) <= 4 else f"{len(undefined)} codes"
        fig.update_xaxes(title=plain(f"alpha   (undefined, no variation: {named})"))
    return fig


def _unique_labels(names: Sequence[str], refs: Sequence[str]) -> list[str]:
    """Names, or references where a name repeats (axis categories must be unique)."""
    seen = [n.casefold() for n in names]
    return [n if seen.count(n.casefold()) == 1 else r for n, r in zip(names, refs)]


# -- writing ---------------------------------------------------------------------------


def figure_html(fig: go.Figure, div_id: str, include_plotlyjs: bool = True, full_html: bool = True) -> str:
    """The figure as HTML with plotly.js inlined (never from a CDN) and a fixed element id."""
    return fig.to_html(include_plotlyjs=include_plotlyjs, full_html=full_html, div_id=div_id,
                       config={"displaylogo": False})


def write_figure(fig: go.Figure, path: Path | str) -> Path:
    """Save ``fig`` by the file's suffix: .html (self-contained) or .png/.svg/.pdf (static renderer).

    Raises StaticExportUnavailable for a static format when no renderer works here.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "html":
        atomic.write_text(path, figure_html(fig, div_id=path.stem or "figure"))
    elif fmt in STATIC_FORMATS:
        atomic.write_bytes(path, static_image(fig, fmt))
    else:
        raise BadValue(f"{path}: cannot write a figure as {path.suffix or 'a file without suffix'}; "
                         f"use one of {', '.join('.' + f for f in FIGURE_FORMATS)}")
    return path


def static_image(fig: go.Figure, fmt: str = "png", scale: float = 2) -> bytes:
    """The figure as PNG/SVG/PDF bytes through kaleido (it drives a local Chrome/Chromium)."""
    check_format(fmt)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kaleido warns that options are ignored by a shared server
            return fig.to_image(format=fmt, scale=1 if fmt != "png" else scale)
    except Exception as exc:  # kaleido and choreographer raise many kinds; all mean "no image"
        raise StaticExportUnavailable(unavailable(exc)) from None


def static_images(figs: Sequence[go.Figure], fmt: str = "png", scale: float = 2,
                  session: StaticSession | None = None) -> list[bytes]:
    """Every figure as PNG/SVG/PDF bytes, rendered in one browser session (kaleido's batch),
    not a fresh browser per figure: ``session``'s browser when given (it may have been warming up
    while the figures were built), else one started and stopped here."""
    if session is not None:
        return session.images(figs, fmt, scale).result()
    with StaticSession() as own:
        return own.images(figs, fmt, scale).result()


@lru_cache(maxsize=1)
def static_export_problem() -> str | None:
    """Why static images cannot be made here (None when they can): tries one tiny figure once."""
    if importlib.util.find_spec("kaleido") is None:
        return "static images need the kaleido package: pip install kaleido"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            go.Figure().to_image(format="png", width=10, height=10)
    except Exception as exc:
        return unavailable(exc)
    return None


@contextmanager
def static_renderer() -> Iterator[bool]:
    """Keep one browser running for several static images (much faster than one per image).
    Yields whether static images can be made here."""
    # Probe first, one-shot: kaleido's shared server hangs instead of failing when the browser
    # cannot start, so it is only started once a browser is known to work.
    if static_export_problem() is not None:
        yield False
        return
    import kaleido

    started = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            kaleido.start_sync_server(silence_warnings=True)
            started = True
        except Exception:  # an old kaleido without a server: each image starts its own browser
            pass
    try:
        yield True
    finally:
        if started:
            kaleido.stop_sync_server(silence_warnings=True)
