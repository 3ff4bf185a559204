"""Import the collection's filter plugins as Ansible does (ansible_collections.lvs.cluster...)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
subprocess.run(['make', '-s', 'collection-link'], cwd=ROOT, check=True)
sys.path.insert(0, str(ROOT / '.cache' / 'collections'))
