"""
File systems of their own for tests of what a full or read-only disk does:
a tmpfs mounted for the test (root only, as in CI; skipped elsewhere).
"""

import contextlib
import os
import subprocess

import pytest


@contextlib.contextmanager
def mounted(folder, size="4m"):
    """
    Mount a tmpfs of C{size} on C{folder} for the block; skip the test where
    that is not allowed.
    """
    folder.mkdir()
    if os.getuid() != 0:
        _skip("mounting a file system of its own needs root (as in CI)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        _skip("cannot mount a tmpfs here: " + done.stderr.strip())
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _skip(why):
    """
    Skip the test, from a pytest test or a trial test case alike.
    """
    pytest.skip(why)


def fill(folder):
    """
    Fill the file system of C{folder} to the last byte.

    @return: the path of the file that fills it (remove it to free the
        space).
    """
    path = os.path.join(str(folder), "filler")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (65536, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return path
