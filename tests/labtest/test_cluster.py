"""labtest.cluster's Master_Down_Interval against keepalived's own figures (docs/tuning.md)."""

import pytest
from labtest.cluster import master_down_interval


@pytest.mark.parametrize("vrrp, backup_priority, expected", [
    # keepalived 2.2.7's table of takeover times after a hard kill (../shared/reference/keepalived-2.2.7.md).
    ({"version": 2, "advert_int": 1}, 100, 3.61),
    ({"version": 2, "advert_int": 1}, 200, 3.22),
    ({"version": 3, "advert_int": 0.5}, 100, 1.80),
    ({"version": 3, "advert_int": 0.2}, 100, 0.72),
])
def test_master_down_interval(vrrp, backup_priority, expected):
    assert round(master_down_interval({"name": "VI", "virtual_router_id": 1, "vips": ["192.0.2.100"], **vrrp},
                                      backup_priority), 2) == expected
