"""lvslab's parts: a real-kernel lab for lvs.cluster made of User-Mode Linux guests.

`cli` is the entry point (lab/lvslab). The parts that need no root (topology,
the kernel pin, image keys, the inventory, the apt index) are plain functions
with unit tests in tests/lab.
"""
