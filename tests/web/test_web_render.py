"""The SVG renderer on its own: valid XML whatever the text, every element present, any size."""

from __future__ import annotations

import re
from typing import Any

import pytest
from lxml import etree

from journeys.maps.channels import CHANNEL_STYLES
from journeys.maps.model import CHANNELS, Journey
from journeys.maps.render import (
    CURVE_H,
    channels_used,
    emotion_curve,
    emotion_curve_svg,
    emotion_points,
    emotion_ticks,
    render_svg,
    signed_emotion,
    touchpoint_numbers,
)

NS = {"svg": "http://www.w3.org/2000/svg"}


def journey_of(stages: int, per_stage: int, **touchpoint: Any) -> Journey:
    """A synthetic journey: ``stages`` stages of ``per_stage`` touchpoints each."""
    return Journey.model_validate(
        {
            "id": "synthetic",
            "name": "Synthetic",
            "stages": [
                {
                    "id": f"s{i}",
                    "name": f"Stage {i}",
                    "touchpoints": [
                        {
                            "id": f"t{i}-{k}",
                            "name": f"Touchpoint {i}.{k}",
                            "channel": CHANNELS[(i + k) % len(CHANNELS)],
                            "online": k % 2 == 0,
                            "emotion": (i + k) % 5 - 2,
                            **touchpoint,
                        }
                        for k in range(per_stage)
                    ],
                }
                for i in range(stages)
            ],
        }
    )


def parse(svg: str) -> Any:
    return etree.fromstring(svg.encode("utf-8"))


@pytest.mark.parametrize(("stages", "per_stage"), [(1, 1), (3, 2), (5, 4), (8, 8)])
def test_every_stage_touchpoint_and_point_is_drawn(stages: int, per_stage: int) -> None:
    journey = journey_of(stages, per_stage, pain_points=["slow"], moment_of_truth=True)

    root = parse(render_svg(journey))

    assert set(root.xpath("//*[@data-stage]/@data-stage")) == {s.id for s in journey.stages}
    ids = [tp.id for _, tp in journey.touchpoints()]
    assert root.xpath("//svg:g[@data-touchpoint]/@data-touchpoint", namespaces=NS) == ids
    points = root.xpath("//svg:circle[@data-touchpoint]", namespaces=NS)
    assert [p.get("data-touchpoint") for p in points] == ids
    assert [int(p.get("data-emotion")) for p in points] == [
        tp.emotion for _, tp in journey.touchpoints()
    ]


def test_text_that_looks_like_markup_is_escaped() -> None:
    nasty = 'Fees & "extras" <script>alert(1)</script>'
    journey = journey_of(2, 1, thoughts=[nasty], pain_points=[nasty], owner="R&D")
    journey.name = nasty

    root = parse(render_svg(journey))

    assert not root.xpath("//script")
    assert nasty in " ".join(root.itertext())


def test_a_stage_without_touchpoints_still_gets_its_column() -> None:
    journey = journey_of(3, 2)
    journey.stages[1].touchpoints = []

    root = parse(render_svg(journey))

    assert "s1" in root.xpath("//*[@data-stage]/@data-stage")
    assert len(root.xpath("//svg:circle[@data-touchpoint]", namespaces=NS)) == 4


def test_points_sit_in_their_stage_column_and_rise_with_emotion() -> None:
    journey = journey_of(4, 3)

    points = emotion_points(journey, col_w=100, height=CURVE_H)

    for p in points:
        column = int(p.stage.id[1:])
        assert column * 100 < p.x < (column + 1) * 100
    by_emotion = sorted(points, key=lambda p: p.touchpoint.emotion)
    ys = [p.y for p in by_emotion]
    assert ys == sorted(ys, reverse=True)  # SVG y grows downwards


def test_the_curve_never_overshoots_the_emotion_scale() -> None:
    journey = journey_of(6, 3)
    top, bottom = emotion_ticks()[0][1], emotion_ticks()[-1][1]

    (line,) = parse(f'<svg xmlns="{NS["svg"]}">{emotion_curve(journey)}</svg>').xpath(
        "//svg:path[@class='emotion-line']", namespaces=NS
    )
    ys = [float(y) for y in re.findall(r"[\d.]+,([\d.]+)", line.get("d"))]

    assert all(top / 100 * CURVE_H - 0.5 <= y <= bottom / 100 * CURVE_H + 0.5 for y in ys)


def test_the_inline_curve_is_accessible_and_self_contained() -> None:
    journey = journey_of(2, 2)

    root = parse(emotion_curve_svg(journey))

    assert root.get("role") == "img"
    assert "Touchpoint 0.0" in root.get("aria-label")
    assert root.get("viewBox").endswith(f" {CURVE_H}")


def test_helpers() -> None:
    journey = journey_of(2, 2)
    assert touchpoint_numbers(journey) == {"t0-0": 1, "t0-1": 2, "t1-0": 3, "t1-1": 4}
    assert channels_used(journey) == [c for c in CHANNELS if c in {"web", "app", "email"}]
    assert [signed_emotion(e) for e in (-2, 0, 2)] == ["−2", "0", "+2"]
    assert set(CHANNEL_STYLES) == set(CHANNELS)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", s.colour) for s in CHANNEL_STYLES.values())
