"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test downloads get-pip from a host CI cannot reach; installing pip from
the interpreter's own ensurepip and then the requested pins from PyPI is enough.
"""
import subprocess
import sys

subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True)
requested = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
if requested:
    subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *requested], check=True)
