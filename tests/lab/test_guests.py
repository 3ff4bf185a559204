"""Guest-side arithmetic that needs no guest: the clock offset from timed samples."""

from lablib.guests import offset


def test_clock_offset_takes_the_shortest_round_trip():
    samples = [(100.0, 100.9, 101.0), (200.0, 200.06, 200.02), (300.0, 300.5, 300.4)]
    off, error = offset(samples)
    assert round(off, 3) == 0.05 and round(error, 3) == 0.01
