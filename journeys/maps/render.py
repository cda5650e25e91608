"""Rendering a journey map as SVG: the standalone export, and the emotion curve the web embeds.

The export is the classic CX journey map: stages as columns, one lane (row) each for the
touchpoints, customer actions, thoughts, the emotion curve, pain points and opportunities, and
a legend. The number that ties lanes together (card, curve point, pain point…) is the
touchpoint's 1-based position in the journey, the same on the web page and in the export.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from journeys.maps.channels import CHANNEL_STYLES, channel_symbols
from journeys.maps.model import CHANNELS, Journey, Stage, Touchpoint

COL_W = 240  # one stage column, in SVG user units
CURVE_H = 180  # the emotion lane
LABEL_W = 132  # the lane names on the left of the export
MARGIN = 28
PAD = 10  # inside a lane, above and below its cells
FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif"
INK, MUTED, RULE, BADGE = "#1e293b", "#64748b", "#e2e8f0", "#334155"
GOLD = "#d97706"
EMOTION_COLOURS = {-2: "#b91c1c", -1: "#ea580c", 0: "#64748b", 1: "#16a34a", 2: "#166534"}
EMOTION_LABELS = {-2: "very negative", -1: "negative", 0: "neutral", 1: "positive", 2: "delighted"}
# Stage headers fade from the first colour to the second, so the order reads at a glance.
STAGE_FROM, STAGE_TO = "#1e3a8a", "#0f766e"


@dataclass(frozen=True)
class EmotionPoint:
    """One touchpoint on the emotion curve, placed in the lane's coordinates."""

    number: int
    stage: Stage
    touchpoint: Touchpoint
    x: float
    y: float


@dataclass(frozen=True)
class _Cell:
    svg: str
    height: float


# -- shared by the web page and the export -------------------------------------------------


def touchpoint_numbers(journey: Journey) -> dict[str, int]:
    """Each touchpoint id with its 1-based position in the journey."""
    return {t.id: i for i, (_, t) in enumerate(journey.touchpoints(), start=1)}


def channels_used(journey: Journey) -> list[str]:
    """The channels the journey's touchpoints use, in the canonical channel order."""
    used = {t.channel for _, t in journey.touchpoints()}
    return [c for c in CHANNELS if c in used]


def stage_colours(journey: Journey) -> list[str]:
    """One header colour per stage, fading along the journey."""
    n = len(journey.stages)
    return [_mix(STAGE_FROM, STAGE_TO, i / max(n - 1, 1)) for i in range(n)]


def signed_emotion(emotion: int) -> str:
    """An emotion score as text: +2, +1, 0, −1, −2 (with a true minus sign)."""
    return f"+{emotion}" if emotion > 0 else ("0" if emotion == 0 else f"−{-emotion}")


def emotion_points(journey: Journey, col_w: float, height: float) -> list[EmotionPoint]:
    """Place every touchpoint: spread evenly inside its stage's column, y from its emotion."""
    numbers = touchpoint_numbers(journey)
    points = []
    for i, stage in enumerate(journey.stages):
        m = len(stage.touchpoints)
        for k, tp in enumerate(stage.touchpoints):
            x = i * col_w + (k + 0.5) * col_w / m
            points.append(
                EmotionPoint(numbers[tp.id], stage, tp, x, _emotion_y(tp.emotion, height))
            )
    return points


def emotion_curve(journey: Journey, col_w: float = COL_W, height: float = CURVE_H) -> str:
    """The emotion curve as an SVG ``<g>``: zero line, smooth curve, one circle per touchpoint."""
    width = col_w * len(journey.stages)
    points = emotion_points(journey, col_w, height)
    parts = [
        '<defs><linearGradient id="emotion-fill" gradientUnits="userSpaceOnUse" '
        f'x1="0" y1="{_emotion_y(2, height)}" x2="0" y2="{_emotion_y(-2, height)}">'
        f'<stop offset="0" stop-color="{EMOTION_COLOURS[2]}" stop-opacity="0.28"/>'
        f'<stop offset="0.5" stop-color="{EMOTION_COLOURS[0]}" stop-opacity="0.04"/>'
        f'<stop offset="1" stop-color="{EMOTION_COLOURS[-2]}" stop-opacity="0.28"/>'
        "</linearGradient></defs>"
    ]
    parts += [_grid_line(e, width, height) for e in (2, 1, 0, -1, -2)]
    parts += [
        f'<line x1="{_n(i * col_w)}" y1="0" x2="{_n(i * col_w)}" y2="{_n(height)}" '
        f'stroke="{RULE}" stroke-dasharray="2 4"/>'
        for i in range(1, len(journey.stages))
    ]
    if len(points) > 1:
        line = _smooth_path([(p.x, p.y) for p in points])
        zero = _n(_emotion_y(0, height))
        area = f"{line} L{_n(points[-1].x)},{zero} L{_n(points[0].x)},{zero} Z"
        parts.append(f'<path class="emotion-area" d="{area}" fill="url(#emotion-fill)"/>')
        parts.append(
            f'<path class="emotion-line" d="{line}" fill="none" stroke="{INK}" '
            'stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/>'
        )
    parts += [_emotion_point(p) for p in points]
    return f'<g class="emotion-curve" font-family="{FONT}">{"".join(parts)}</g>'


def emotion_ticks() -> list[tuple[int, float]]:
    """Each emotion level with its height in the curve, as a percentage from the top."""
    return [(e, round(100 * _emotion_y(e, CURVE_H) / CURVE_H, 2)) for e in (2, 1, 0, -1, -2)]


def emotion_curve_svg(journey: Journey) -> str:
    """The emotion curve as an inline ``<svg>`` that scales with the map's stage columns."""
    width = COL_W * len(journey.stages)
    label = "Emotion curve: " + "; ".join(
        f"{n}. {t.name} {signed_emotion(t.emotion)}"
        for n, (_, t) in enumerate(journey.touchpoints(), start=1)
    )
    return (
        f'<svg class="emotion-svg" viewBox="0 0 {width} {CURVE_H}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"{emotion_curve(journey)}</svg>"
    )


# -- the standalone export -----------------------------------------------------------------

_Lane = tuple[str, str, Callable[[Stage, dict[str, int]], _Cell]]


def render_svg(journey: Journey) -> str:
    """The journey map as a standalone SVG document (stages as columns, lanes as rows)."""
    numbers = touchpoint_numbers(journey)
    width = 2 * MARGIN + LABEL_W + COL_W * len(journey.stages)
    body, y = _title_block(journey, width)
    body.append(_stage_row(journey, y))
    y += _stage_row_height(journey)
    lanes: list[_Lane] = [
        ("Touchpoints", "#ffffff", _touchpoint_cell),
        ("Customer actions", "#f8fafc", _actions_cell),
        ("Thoughts", "#ffffff", _thoughts_cell),
    ]
    for name, fill, cell in lanes:
        svg, y = _lane(journey, numbers, name, fill, cell, y, width)
        body.append(svg)
    body.append(_emotion_lane(journey, y, width))
    y += CURVE_H + 2 * PAD
    for name, fill, cell in (
        ("Pain points", "#fef2f2", _pains_cell),
        ("Opportunities", "#f0fdf4", _opportunities_cell),
    ):
        svg, y = _lane(journey, numbers, name, fill, cell, y, width)
        body.append(svg)
    legend, y = _legend(journey, y + 18, width)
    body.append(legend)
    height = y + MARGIN
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{_n(height)}" '
        f'viewBox="0 0 {width} {_n(height)}" font-family="{FONT}">'
        f"<title>{escape(journey.name)}: customer journey map</title>"
        f"<defs>{channel_symbols()}</defs>"
        f'<rect width="100%" height="100%" fill="#ffffff"/>{"".join(body)}</svg>\n'
    )


def _title_block(journey: Journey, width: float) -> tuple[list[str], float]:
    parts = [_text(MARGIN, MARGIN, [journey.name], 22, weight="700")]
    y: float = MARGIN + 32
    if journey.description:
        lines = _wrap(journey.description, width - 2 * MARGIN, 12.5)
        parts.append(_text(MARGIN, y, lines, 12.5, fill=MUTED))
        y += _block_h(lines, 12.5)
    return parts, y + 14


def _stage_row_height(journey: Journey) -> float:
    return max(_stage_cell(s).height for s in journey.stages) + 8


def _stage_row(journey: Journey, y: float) -> str:
    h = _stage_row_height(journey) - 8
    parts = [_lane_label("Stages", y, h)]
    for i, (stage, colour) in enumerate(zip(journey.stages, stage_colours(journey), strict=True)):
        x = MARGIN + LABEL_W + i * COL_W
        notch = 0 if i == 0 else 12
        shape = (
            f"{_n(x)},{_n(y)} {_n(x + COL_W - 14)},{_n(y)} {_n(x + COL_W)},{_n(y + h / 2)} "
            f"{_n(x + COL_W - 14)},{_n(y + h)} {_n(x)},{_n(y + h)} {_n(x + notch)},{_n(y + h / 2)}"
        )
        parts.append(
            f'<g data-stage="{escape(stage.id)}"><polygon points="{shape}" fill="{colour}"/>'
            f'<g transform="translate({_n(x)},{_n(y)})">{_stage_cell(stage).svg}</g></g>'
        )
    return "".join(parts)


def _stage_cell(stage: Stage) -> _Cell:
    name = _wrap(stage.name, COL_W - 44, 15)
    parts = [_text(20, 10, name, 15, fill="#ffffff", weight="700")]
    y = 10 + _block_h(name, 15) + 2
    if stage.description:
        desc = _wrap(stage.description, COL_W - 44, 10.5)
        parts.append(_text(20, y, desc, 10.5, fill="#e0e7ff"))
        y += _block_h(desc, 10.5)
    return _Cell("".join(parts), y + 10)


def _lane(
    journey: Journey,
    numbers: dict[str, int],
    name: str,
    fill: str,
    cell: Callable[[Stage, dict[str, int]], _Cell],
    y: float,
    width: float,
) -> tuple[str, float]:
    cells = [cell(s, numbers) for s in journey.stages]
    h = max(max(c.height for c in cells), 24) + 2 * PAD
    parts = [
        f'<rect x="{MARGIN}" y="{_n(y)}" width="{_n(width - 2 * MARGIN)}" height="{_n(h)}" '
        f'fill="{fill}"/>',
        _rule(y, width),
        _lane_label(name, y, h),
    ]
    for i, (stage, c) in enumerate(zip(journey.stages, cells, strict=True)):
        x = MARGIN + LABEL_W + i * COL_W
        parts.append(
            f'<g class="lane-cell" data-stage="{escape(stage.id)}" '
            f'transform="translate({_n(x)},{_n(y + PAD)})">{c.svg}</g>'
        )
    return "".join(parts), y + h


def _rule(y: float, width: float) -> str:
    return (
        f'<line x1="{MARGIN}" y1="{_n(y)}" x2="{_n(width - MARGIN)}" y2="{_n(y)}" stroke="{RULE}"/>'
    )


def _lane_label(name: str, y: float, h: float) -> str:
    return _text(MARGIN + 8, y + h / 2 - 7, [name.upper()], 10, fill=MUTED, weight="700")


def _touchpoint_cell(stage: Stage, numbers: dict[str, int]) -> _Cell:
    parts, y = [], 0.0
    for tp in stage.touchpoints:
        card = _touchpoint_card(tp, numbers[tp.id])
        parts.append(f'<g transform="translate(8,{_n(y)})">{card.svg}</g>')
        y += card.height + 8
    if not stage.touchpoints:
        return _Cell(_text(12, 0, ["No touchpoints designed"], 11, fill=MUTED), 16)
    return _Cell("".join(parts), y - 8)


def _touchpoint_card(tp: Touchpoint, number: int) -> _Cell:
    style = CHANNEL_STYLES[tp.channel]
    w = COL_W - 16
    name = _wrap(tp.name, w - 84, 12.5)  # bold, and clear of the number badge
    meta = [f"{style.label} · {'online' if tp.online else 'offline'}"]
    if tp.owner:
        meta += _wrap(f"Owner: {tp.owner}", w - 54, 10.5)
    y = 10 + _block_h(name, 12.5) + 3
    parts = [
        _text(46, 10, name, 12.5, weight="700"),
        _text(46, y, meta, 10.5, fill=MUTED),
    ]
    y += _block_h(meta, 10.5)
    if tp.moment_of_truth:
        parts.append(_text(46, y + 2, ["★ Moment of truth"], 10.5, fill=GOLD, weight="700"))
        y += 16
    h = max(y + 10, 44)
    return _Cell(
        f'<g data-touchpoint="{escape(tp.id)}">'
        f'<rect width="{w}" height="{_n(h)}" rx="8" fill="{_mix("#ffffff", style.colour, 0.07)}" '
        f'stroke="{_mix("#ffffff", style.colour, 0.45)}"/>'
        f'<rect width="4" height="{_n(h)}" rx="2" fill="{style.colour}"/>'
        f'<circle cx="25" cy="22" r="13" fill="{style.colour}"/>'
        f'<use href="#ch-{tp.channel}" x="17" y="14" width="16" height="16" color="#ffffff"/>'
        f"{''.join(parts)}{_badge(w - 14, 16, number)}</g>",
        h,
    )


def _items_cell(items: list[tuple[int, str]], italic: bool = False) -> _Cell:
    parts, y = [], 0.0
    for number, text in items:
        lines = _wrap(f"“{text}”" if italic else text, COL_W - 44, 11)
        parts.append(_badge(16, y + 8, number))
        parts.append(_text(30, y, lines, 11, style="italic" if italic else "normal"))
        y += max(_block_h(lines, 11), 16) + 7
    if not items:
        return _Cell(_text(12, 0, ["—"], 11, fill=MUTED), 16)
    return _Cell("".join(parts), y - 7)


def _actions_cell(stage: Stage, numbers: dict[str, int]) -> _Cell:
    return _items_cell(
        [(numbers[t.id], t.customer_action) for t in stage.touchpoints if t.customer_action]
    )


def _thoughts_cell(stage: Stage, numbers: dict[str, int]) -> _Cell:
    return _items_cell([(numbers[t.id], x) for t in stage.touchpoints for x in t.thoughts], True)


def _pains_cell(stage: Stage, numbers: dict[str, int]) -> _Cell:
    return _items_cell([(numbers[t.id], x) for t in stage.touchpoints for x in t.pain_points])


def _opportunities_cell(stage: Stage, numbers: dict[str, int]) -> _Cell:
    return _items_cell([(numbers[t.id], x) for t in stage.touchpoints for x in t.opportunities])


def _emotion_lane(journey: Journey, y: float, width: float) -> str:
    h = CURVE_H + 2 * PAD
    ticks = "".join(
        _text(
            MARGIN + LABEL_W - 10,
            y + PAD + _emotion_y(e, CURVE_H) - 6,
            [signed_emotion(e)],
            10,
            fill=EMOTION_COLOURS[e],
            weight="700",
            anchor="end",
        )
        for e in (2, 1, 0, -1, -2)
    )
    return (
        f'<rect x="{MARGIN}" y="{_n(y)}" width="{_n(width - 2 * MARGIN)}" height="{_n(h)}" '
        f'fill="#ffffff"/>'
        f"{_rule(y, width)}{_lane_label('Emotion', y, h)}{ticks}"
        f'<g transform="translate({MARGIN + LABEL_W},{_n(y + PAD)})">{emotion_curve(journey)}</g>'
    )


def _legend(journey: Journey, y: float, width: float) -> tuple[str, float]:
    parts = [
        f'<line x1="{MARGIN}" y1="{_n(y - 18)}" x2="{_n(width - MARGIN)}" y2="{_n(y - 18)}" '
        f'stroke="{RULE}"/>',
        _text(MARGIN, y, ["CHANNELS"], 10, fill=MUTED, weight="700"),
    ]
    x, right = MARGIN + 80.0, width - MARGIN
    for c in channels_used(journey):
        style = CHANNEL_STYLES[c]
        item_w = 34 + len(style.label) * 7
        if x + item_w > right:
            x, y = MARGIN + 80.0, y + 26
        parts.append(
            f'<circle cx="{_n(x + 9)}" cy="{_n(y + 6)}" r="9" fill="{style.colour}"/>'
            f'<use href="#ch-{c}" x="{_n(x + 3)}" y="{_n(y)}" width="12" height="12" color="#fff"/>'
            + _text(x + 23, y + 0.5, [style.label], 11)
        )
        x += item_w
    y += 28
    parts.append(_text(MARGIN, y, ["EMOTION"], 10, fill=MUTED, weight="700"))
    x = MARGIN + 80.0
    for e in (-2, -1, 0, 1, 2):
        label = f"{signed_emotion(e)} {EMOTION_LABELS[e]}"
        parts.append(
            f'<circle cx="{_n(x + 7)}" cy="{_n(y + 6)}" r="7" fill="{EMOTION_COLOURS[e]}"/>'
            + _text(x + 19, y + 0.5, [label], 11)
        )
        x += 36 + len(label) * 6.4
    parts.append(
        f'<circle cx="{_n(x + 7)}" cy="{_n(y + 6)}" r="8" fill="none" stroke="{GOLD}" '
        f'stroke-width="2"/>' + _text(x + 21, y + 0.5, ["★ moment of truth"], 11, fill=GOLD)
    )
    return "".join(parts), y + 16


# -- drawing helpers -----------------------------------------------------------------------


def _emotion_y(emotion: float, height: float) -> float:
    pad = 22  # room for the point's circle and its moment-of-truth ring at ±2
    return pad + (2 - emotion) * (height - 2 * pad) / 4


def _grid_line(emotion: int, width: float, height: float) -> str:
    y = _n(_emotion_y(emotion, height))
    if emotion == 0:
        return (
            f'<line class="zero-line" x1="0" y1="{y}" x2="{_n(width)}" y2="{y}" '
            f'stroke="{MUTED}" stroke-width="1.2" stroke-dasharray="6 4"/>'
        )
    return f'<line x1="0" y1="{y}" x2="{_n(width)}" y2="{y}" stroke="{RULE}"/>'


def _emotion_point(p: EmotionPoint) -> str:
    tp = p.touchpoint
    ring = (
        f'<circle class="mot-ring" cx="{_n(p.x)}" cy="{_n(p.y)}" r="14" fill="none" '
        f'stroke="{GOLD}" stroke-width="2.5"/>'
        if tp.moment_of_truth
        else ""
    )
    feeling = f"{signed_emotion(tp.emotion)} ({EMOTION_LABELS[tp.emotion]})"
    title = f"{p.number}. {tp.name}: emotion {feeling}"
    return (
        f'{ring}<circle class="emotion-point" cx="{_n(p.x)}" cy="{_n(p.y)}" r="10" '
        f'fill="{EMOTION_COLOURS[tp.emotion]}" stroke="#ffffff" stroke-width="2" '
        f'data-stage="{escape(p.stage.id)}" data-touchpoint="{escape(tp.id)}" '
        f'data-emotion="{tp.emotion}"><title>{escape(title)}</title></circle>'
        f'<text x="{_n(p.x)}" y="{_n(p.y + 3.8)}" font-size="10.5" font-weight="700" '
        f'fill="#ffffff" text-anchor="middle" pointer-events="none">{p.number}</text>'
    )


def _smooth_path(points: list[tuple[float, float]]) -> str:
    """A monotone cubic through the points, so the curve never overshoots a score."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    n = len(points)
    d = [(ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) for i in range(n - 1)]
    m = [d[0], *(_tangent(d[i - 1], d[i], xs, i) for i in range(1, n - 1)), d[-1]]
    path = [f"M{_n(xs[0])},{_n(ys[0])}"]
    for i in range(n - 1):
        h = (xs[i + 1] - xs[i]) / 3
        path.append(
            f"C{_n(xs[i] + h)},{_n(ys[i] + m[i] * h)} {_n(xs[i + 1] - h)},"
            f"{_n(ys[i + 1] - m[i + 1] * h)} {_n(xs[i + 1])},{_n(ys[i + 1])}"
        )
    return " ".join(path)


def _tangent(d0: float, d1: float, xs: list[float], i: int) -> float:
    # Fritsch–Carlson: flat at a local extremum, weighted harmonic mean of the slopes elsewhere.
    if d0 * d1 <= 0:
        return 0.0
    h0, h1 = xs[i] - xs[i - 1], xs[i + 1] - xs[i]
    return 3 * (h0 + h1) / ((2 * h1 + h0) / d0 + (h1 + 2 * h0) / d1)


def _badge(cx: float, cy: float, number: int) -> str:
    return (
        f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="8" fill="{BADGE}"/>'
        f'<text x="{_n(cx)}" y="{_n(cy + 3.3)}" font-size="9" font-weight="700" fill="#ffffff" '
        f'text-anchor="middle">{number}</text>'
    )


def _text(
    x: float,
    y: float,
    lines: list[str],
    size: float,
    *,
    fill: str = INK,
    weight: str = "400",
    style: str = "normal",
    anchor: str = "start",
) -> str:
    """A block of lines whose top edge is at ``y``."""
    lead = size * 1.3
    spans = "".join(
        f'<tspan x="{_n(x)}" dy="{_n(0 if i == 0 else lead)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text x="{_n(x)}" y="{_n(y + size)}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}" font-style="{style}" text-anchor="{anchor}">{spans}</text>'
    )


def _wrap(text: str, width: float, size: float) -> list[str]:
    # No font metrics in an SVG writer: 0.56 em is a fair average advance for sans-serif text.
    chars = max(8, int(width / (size * 0.56)))
    return textwrap.wrap(text, chars, break_on_hyphens=False) or [""]


def _block_h(lines: list[str], size: float) -> float:
    return len(lines) * size * 1.3


def _mix(a: str, b: str, t: float) -> str:
    """The colour ``t`` of the way from hex colour ``a`` to ``b``."""
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")
