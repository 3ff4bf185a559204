"""labtest.analysis over a real link cut of the fault scenario."""

from pathlib import Path

from labtest import analysis

FIXTURES = Path(__file__).parent / "fixtures"
RESULTS = analysis.read_results(FIXTURES / "link-cut-results.jsonl")
EVENTS = {e["label"]: e["t"] for e in analysis.read_jsonl(FIXTURES / "link-cut-events.jsonl")}


def test_the_case_window_gives_what_the_scenario_recorded():
    stats = analysis.window_stats(RESULTS, EVENTS["reference: MASTER dir1's link cut, then restored (2/4)"],
                                  EVENTS["end"])
    assert (stats["requests"], stats["failed"]) == (236, 52)
    assert stats["errors"] == {"timeout": 48, "refused": 4}
    assert stats["servers"] == {"rs1": 145, "rs2": 39}
    assert stats["outage_s"] == 3.454 and stats["slow"] == 20


def test_the_failback_fails_only_with_refused_connections():
    failback = analysis.window_stats(RESULTS, EVENTS["link dir1 up"], EVENTS["end"])
    assert failback["errors"] == {"refused": 4}
    assert EVENTS["link dir1 up"] < failback["first_failure"] <= failback["last_failure"] < EVENTS["end"]


def test_all_ok_since_needs_requests_and_no_failure():
    assert analysis.all_ok_since(RESULTS, EVENTS["end"] - 2)
    assert not analysis.all_ok_since(RESULTS, EVENTS["link dir1 down"])
    assert not analysis.all_ok_since(RESULTS, RESULTS[-1]["t"] + 10)


def test_a_half_written_last_line_is_skipped(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text((FIXTURES / "link-cut-results.jsonl").read_text() + '{"t": 1796622300.1, "ok": tr')
    assert analysis.read_results(path) == RESULTS
    assert analysis.read_jsonl(tmp_path / "missing.jsonl") == []
