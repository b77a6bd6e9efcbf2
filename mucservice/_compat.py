"""
Make wokkel 18.0.0 importable on current Twisted.

wokkel 18.0.0 (2018, still the newest release) reads
C{twisted.python.compat._PY3}, a flag that Twisted dropped together with
Python 2 support: its data forms (L{wokkel.data_form}), which every part of
wokkel we use imports, look it up when they are imported. This module puts
the flag back. Every module of ours that imports wokkel imports this one
first, and C{tests/test_compat.py} imports every wokkel module the project
uses.

wokkel's MUC I{client} module (C{wokkel.muc}) would also need
C{twisted.python.constants}, which Twisted moved out into the C{constantly}
package; a service has no use for that module, so nothing here provides it.
Nothing here changes the behaviour of Twisted itself.
"""

from twisted.python import compat

if not hasattr(compat, "_PY3"):
    compat._PY3 = True
