"""The dashboard's server-drawn chart: (time, value) points to an SVG polyline with labelled axes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from annotations.ui.agreement import ChartBox, svg_line_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
BOX = ChartBox()


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def vertices(root: ET.Element) -> list[tuple[float, float]]:
    polyline = root.find("svg:polyline", NS)
    assert polyline is not None
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in polyline.attrib["points"].split())]


def texts(root: ET.Element, css: str) -> list[str]:
    return [t.text or "" for t in root.findall("svg:text", NS) if t.attrib.get("class") == css]


def test_one_vertex_and_marker_per_point_in_time_order_and_to_scale() -> None:
    points = [(T0, 0.2), (T0 + timedelta(hours=1), 0.8), (T0 + timedelta(hours=3), 0.5)]
    root = parse(svg_line_chart(points, title="Link alpha over time"))
    drawn = vertices(root)
    assert len(drawn) == 3
    assert len(root.findall("svg:circle", NS)) == 3
    xs = [x for x, _ in drawn]
    assert xs[0] == BOX.left
    assert xs[-1] == BOX.left + BOX.inner_width
    assert xs[1] - xs[0] == pytest.approx((xs[2] - xs[0]) / 3, abs=0.1)  # one hour of three (0.1 px steps)
    # Higher values are higher up (smaller y), inside the plot area; 0 and 1 are its bottom and top.
    ys = [y for _, y in drawn]
    assert ys[1] < ys[2] < ys[0]
    assert all(BOX.top <= y <= BOX.top + BOX.inner_height for y in ys)
    assert ys[0] == pytest.approx(BOX.top + 0.8 * BOX.inner_height, abs=0.1)


def test_axes_are_labelled_with_the_value_range_and_the_first_and_last_time() -> None:
    points = [(T0, 0.2), (T0 + timedelta(days=2), 0.9)]
    root = parse(svg_line_chart(points, title="Span F1 over time"))
    assert texts(root, "y-label") == ["0.00", "0.50", "1.00"]
    assert texts(root, "x-label") == ["2026-03-01 09:30", "2026-03-03 09:30"]
    assert len([line for line in root.findall("svg:line", NS) if line.attrib["class"] == "axis"]) == 2
    assert root.findtext("svg:title", namespaces=NS) == "Span F1 over time"
    marker = root.find("svg:circle/svg:title", NS)
    assert marker is not None
    assert marker.text == "2026-03-01 09:30: 0.200"


def test_points_are_sorted_and_undefined_values_left_out() -> None:
    points = [(T0 + timedelta(hours=2), 1.0), (T0, 0.0), (T0 + timedelta(hours=1), None)]
    drawn = vertices(parse(svg_line_chart(points, title="t")))
    assert drawn == [(BOX.left, BOX.top + BOX.inner_height), (BOX.left + BOX.inner_width, BOX.top)]


def test_negative_values_widen_the_value_axis() -> None:
    root = parse(svg_line_chart([(T0, -0.5), (T0 + timedelta(minutes=5), 1.0)], title="kappa"))
    assert texts(root, "y-label") == ["-0.50", "0.25", "1.00"]
    assert vertices(root)[0][1] == BOX.top + BOX.inner_height


def test_one_point_sits_in_the_middle() -> None:
    root = parse(svg_line_chart([(T0, 0.5)], title="t"))
    assert vertices(root) == [(BOX.left + BOX.inner_width / 2, BOX.top + BOX.inner_height / 2)]
    assert texts(root, "x-label") == ["2026-03-01 09:30"]


def test_no_points_draw_no_line_and_say_so() -> None:
    root = parse(svg_line_chart([(T0, None)], title="t"))
    assert root.find("svg:polyline", NS) is None
    assert texts(root, "empty") == ["no figures yet"]


def test_text_is_escaped() -> None:
    svg = svg_line_chart([(T0, 0.5)], title='<script>alert("x")</script> & more')
    assert "<script>" not in svg
    assert parse(svg).findtext("svg:title", namespaces=NS) == '<script>alert("x")</script> & more'
