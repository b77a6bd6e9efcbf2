"""
Make wokkel 18.0.0 importable on current Twisted.

wokkel 18.0.0 (2018, still the newest release) imports two names that
Twisted has since removed:

 - C{twisted.python.compat._PY3}, a flag that Twisted dropped together with
   Python 2 support; wokkel's data forms read it.
 - C{twisted.python.constants}, which Twisted moved out into the
   C{constantly} package; wokkel's MUC client module imports C{Values} and
   C{ValueConstant} from it.

This module puts both back before any wokkel module is imported. Every
module of ours that imports wokkel imports this one first, and
C{tests/test_compat.py} imports every wokkel module the project uses.
Nothing here changes the behaviour of Twisted itself.
"""

import sys

from twisted.python import compat

if not hasattr(compat, "_PY3"):
    compat._PY3 = True

try:
    import twisted.python.constants  # noqa: F401
except ImportError:
    import constantly

    sys.modules["twisted.python.constants"] = constantly
    import twisted.python

    twisted.python.constants = constantly
