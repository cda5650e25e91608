"""The web pages through the whole app: overview, journey list, journey map, errors, SVG export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from lxml import etree, html

from journeys.maps.loader import load_journey
from journeys.maps.model import Journey
from journeys.workspace import Workspace, example_journey_files

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
EXAMPLES = example_journey_files()
SVG = "{http://www.w3.org/2000/svg}"


def page(client: TestClient, path: str) -> html.HtmlElement:
    """GET a page as a browser would and parse it; it must be a 200 HTML page."""
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def text_of(doc: html.HtmlElement) -> str:
    """The page's visible text with whitespace collapsed, as a reader sees it."""
    return " ".join(doc.text_content().split())


@pytest.fixture(params=EXAMPLES, ids=lambda p: p.stem)
def example(request: pytest.FixtureRequest) -> Journey:
    """Each demo journey shipped with the package, loaded from its YAML."""
    path: Path = request.param
    return load_journey(path)


def test_there_are_demo_journeys() -> None:
    assert len(EXAMPLES) >= 3


def test_overview_shows_the_workspace_and_its_counts(
    client: TestClient, workspace: Workspace
) -> None:
    t0 = datetime(2025, 3, 1, 9, 0)
    events = pa.table(
        {
            "message_id": ["m0", "m1", "m2", "m3", "m4"],
            "type": ["track"] * 5,
            "event": ["Page Viewed", "Page Viewed", "Signed Up", "Page Viewed", "Page Viewed"],
            "anonymous_id": ["a2", "a1", "a2", "a2", None],
            "user_id": [None, None, "alice", "alice", "bob"],
            "timestamp": [t0] * 5,
        }
    )
    workspace.events.append(events, source="test")
    workspace.events.sync()

    doc = page(client, "/")

    assert str(workspace.root) in text_of(doc)
    stats = {el.get("data-stat"): el for el in doc.xpath("//*[@data-stat]")}
    assert stats["journeys"].findtext(".//span").strip() == str(len(EXAMPLES))
    assert stats["events"].findtext(".//span").strip() == "5"
    # Stitched: alice (with a2's events from before she signed up) once, bob, and the still
    # anonymous a1.
    assert stats["customers"].findtext(".//span").strip() == "3"
    assert stats["customers"].get("href") == "/customers"


def test_layout_has_navigation_landmarks_and_only_local_assets(client: TestClient) -> None:
    doc = page(client, "/journeys")

    nav_links = doc.xpath("//header//nav[@aria-label='Main']//a/@href")
    for href in ("/", "/journeys", "/customers", "/docs"):
        assert href in nav_links
    assert doc.xpath("//a[@aria-current='page']/@href") == ["/journeys"]
    assert doc.xpath("//main[@id='main']") and doc.xpath("//header") and doc.xpath("//footer")
    assert "/static/vendor/pico.min.css" in doc.xpath("//link[@rel='stylesheet']/@href")
    assets = doc.xpath("//link/@href | //script/@src | //img/@src")
    assert assets and all(a.startswith("/static/") for a in assets)
    assert doc.xpath("//meta[@name='viewport']")


def test_static_files_are_served(client: TestClient) -> None:
    for path in ("/static/vendor/pico.min.css", "/static/journeys.css", "/static/favicon.svg"):
        assert client.get(path).status_code == 200, path


def test_journey_list_shows_each_journey(client: TestClient) -> None:
    doc = page(client, "/journeys")

    for path in EXAMPLES:
        journey = load_journey(path)
        (item,) = doc.xpath(f"//*[@data-journey='{journey.id}']")
        text = text_of(item)
        assert journey.name in text
        assert item.xpath(f".//a[@href='/journeys/{journey.id}']")
        facts = {
            dt.text_content(): dd.text_content()
            for dt, dd in zip(item.xpath(".//dt"), item.xpath(".//dd"), strict=True)
        }
        assert facts["Stages"] == str(len(journey.stages))
        assert facts["Touchpoints"] == str(len(journey.touchpoints()))
        for persona in journey.personas:
            assert persona.name in text


def test_journey_page_shows_every_stage_and_touchpoint(
    client: TestClient, example: Journey
) -> None:
    doc = page(client, f"/journeys/{example.id}")
    text = text_of(doc)

    assert example.name in text
    for stage in example.stages:
        assert doc.xpath(f"//th[@data-stage='{stage.id}']"), stage.id
        assert stage.name in text
    for _, tp in example.touchpoints():
        (card,) = doc.xpath(f"//*[contains(@class, 'tp-card')][@data-touchpoint='{tp.id}']")
        assert tp.name in text_of(card)
        assert card.get("data-channel") == tp.channel
    assert doc.xpath(f"//a[@href='/journeys/{example.id}/map.svg']")


def test_journey_page_has_one_emotion_point_per_touchpoint(
    client: TestClient, example: Journey
) -> None:
    doc = page(client, f"/journeys/{example.id}")

    points = doc.xpath("//*[local-name()='circle'][@data-touchpoint]")
    assert [(p.get("data-touchpoint"), int(p.get("data-emotion"))) for p in points] == [
        (tp.id, tp.emotion) for _, tp in example.touchpoints()
    ]
    assert doc.xpath("//*[local-name()='line'][contains(@class, 'zero-line')]")


def test_journey_page_shows_personas_goals_and_prioritised_backlog(
    client: TestClient, example: Journey
) -> None:
    doc = page(client, f"/journeys/{example.id}")

    for persona in example.personas:
        (card,) = doc.xpath(f"//*[@data-persona='{persona.id}']")
        quadrants = card.xpath(".//*[@data-quadrant]/@data-quadrant")
        assert quadrants == ["says", "thinks", "does", "feels"]
        for said in persona.empathy_map.says:
            assert said in text_of(card)
    for goal in example.goals:
        assert goal.description in text_of(doc)
    rows = doc.xpath("//tr[@data-backlog]/@data-backlog")
    assert rows == [b.id for b in example.prioritised_backlog()]


def test_unknown_journey_is_an_html_page_for_a_browser(client: TestClient) -> None:
    response = client.get("/journeys/no-such-journey", headers=BROWSER)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    doc = html.fromstring(response.text)
    (card,) = doc.xpath("//*[@data-status='404']")
    assert card.get("data-code") == "journey_not_found"
    assert "no-such-journey" in text_of(card)
    assert "Traceback" not in response.text
    assert doc.xpath("//nav[@aria-label='Main']")


def test_unknown_journey_is_json_for_an_api_client(client: TestClient) -> None:
    response = client.get("/journeys/no-such-journey", headers={"accept": "application/json"})

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "journey_not_found"
    assert "no-such-journey" in error["message"]


def test_an_invalid_journey_file_is_explained_on_the_page(
    client: TestClient, workspace: Workspace
) -> None:
    (workspace.journeys_dir / "broken.yaml").write_text(
        "id: broken\nname: Broken\nstages:\n  - id: s\n    name: S\n    colour: red\n",
        encoding="utf-8",
    )

    response = client.get("/journeys", headers=BROWSER)

    assert response.status_code == 422
    text = text_of(html.fromstring(response.text))
    assert "journey_invalid" in text
    assert "broken.yaml:6" in text


def test_svg_export_is_a_download_with_every_stage_touchpoint_and_point(
    client: TestClient, example: Journey
) -> None:
    response = client.get(f"/journeys/{example.id}/map.svg")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="{example.id}-journey-map.svg"'
    root = etree.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    stages = set(root.xpath("//*[@data-stage]/@data-stage"))
    assert stages == {s.id for s in example.stages}
    cards = root.xpath("//svg:g[@data-touchpoint]/@data-touchpoint", namespaces={"svg": SVG[1:-1]})
    assert cards == [tp.id for _, tp in example.touchpoints()]
    points = root.xpath("//svg:circle[@data-touchpoint]", namespaces={"svg": SVG[1:-1]})
    assert [(p.get("data-touchpoint"), int(p.get("data-emotion"))) for p in points] == [
        (tp.id, tp.emotion) for _, tp in example.touchpoints()
    ]
    text = " ".join(" ".join(root.itertext()).split())
    for _, tp in example.touchpoints():
        for said in (*tp.pain_points, *tp.opportunities):
            assert " ".join(said.split()) in text
