"""labtest.report over the figures of a real fault run."""

import json
from pathlib import Path

import pytest
from labtest import report

FIGURES = json.loads((Path(__file__).parent / "fixtures" / "figures.json").read_text())


def test_case_rows_have_the_client_line_and_every_figure():
    rows = report.rows(FIGURES["cases"])
    assert len(rows) == len(FIGURES["cases"]) + sum(len(c["figures"]) for c in FIGURES["cases"])
    first = FIGURES["cases"][0]
    assert rows[0][0] == first["key"] and rows[0][2].startswith(f"{first['client']['requests']} / ")


def test_series_rows_give_median_max_and_the_ratio_to_the_reference():
    rows = {(r[0], r[1]): r for r in report.series_rows(FIGURES["series"])}
    cut = rows[("reference", "VIP on the BACKUP after the cut")]
    assert (cut[2], cut[3], cut[5], cut[6]) == ("3.175", "3.46", "2.69 3.46 3.41 2.94", "1.00")
    fast = rows[("fast", "client outage after the cut")]
    assert (fast[2], fast[6], fast[8], fast[9]) == ("0.325", "0.10", "median <= 0.35", "yes")


@pytest.mark.parametrize("target, met", [({"median": 0.3}, "**MISSED**"), ({"median": 0.4, "max": 0.5}, "yes"), ({}, "")])
def test_a_target_is_met_only_when_every_bound_holds(target, met):
    assert report._target_met(target, 0.325, 0.352) == met  # pylint: disable=protected-access


def test_the_docs_table_is_replaced_between_its_markers(tmp_path):
    doc = tmp_path / "ecmp.md"
    begin, end = "<!-- ecmp:table begin (labtest/report.py) -->", "<!-- ecmp:table end -->"
    doc.write_text(f"intro\n{begin}\nold table\n{end}\nafter\n")
    report.update_doc(doc, "| new |\n")
    assert doc.read_text() == f"intro\n{begin}\n| new |\n{end}\nafter\n"
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n")
    with pytest.raises(SystemExit, match="markers"):
        report.update_doc(bare, "")
