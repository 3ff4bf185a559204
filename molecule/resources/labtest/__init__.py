"""What the lab scenarios' tests share: the lab and its client side, the guests, waiting,
the IPVS table through the collection's own parser, and the fault runs' client load,
record, analysis and report.

Every scenario's tests import it (pyproject.toml puts molecule/resources on pytest's path);
its unit tests are in tests/labtest.
"""
