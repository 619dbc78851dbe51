"""The one chart mechanism (app/core/charts.py): accessible SVG that the CSP allows,
with every label escaped."""
from app.core.charts import bar_chart, line_chart, pareto_chart, sparkline
from tests.reports.helpers import in_db


def test_a_chart_names_itself_and_escapes_staff_written_labels(app):
    with in_db(app):
        svg = str(bar_chart("Cases <b>", "Cases per category.", ['<script>alert(1)</script>', "Zaj"],
                            [("Cases", [3, 1])]))
    assert svg.startswith('<svg class="chart bar-chart"') and 'role="img"' in svg
    assert "<title id=" in svg and "<desc id=" in svg and "Cases &lt;b&gt;" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "style=" not in svg  # the CSP allows no inline styles
    assert 'direction="ltr"' in svg  # axes read the same way in a right-to-left page


def test_bars_stack_to_their_totals_on_a_round_axis(app):
    with in_db(app):
        svg = str(bar_chart("t", "d", ["a", "b"], [("x", [2, 1]), ("y", [4, 0])]))
    # The tallest stack is 6, so the axis runs to 8 in steps of 2.
    assert ">8</text>" in svg and ">6</text>" in svg and ">2</text>" in svg
    assert svg.count("<rect class=\"series-") == 3 + 2  # three bars (a zero draws none) and two legend keys


def test_lines_break_where_a_value_is_missing_and_sparklines_are_tiny(app):
    with in_db(app):
        line = str(line_chart("t", "d", ["a", "b", "c", "d"], [("x", [1, 2, None, 3])]))
        pareto = str(pareto_chart("t", "d", ["0–5 %", "5–10 %"], [5, 1], [5 / 6, 1.0]))
        spark = str(sparkline("Trend", [1, 3, 2]))
    assert line.count("<polyline") == 1 and line.count("<circle") == 3
    assert "<polyline" in pareto and pareto.count("<rect") == 2
    assert spark.startswith('<svg class="sparkline"') and "<title id=" in spark and "<polyline" in spark
