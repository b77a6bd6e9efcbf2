"""
Which discussion history a newcomer receives (XEP-0045 section 7.2.13), and
the ids the room gives the messages it keeps.
"""

import base64
import os
from datetime import timedelta


def newStanzaID():
    """
    @return: a new XEP-0359 stanza id: 128 random bits (as unguessable and
        as unlikely to repeat as a random UUID) in the 22 characters of
        unpadded base64url, 14 fewer than a UUID's text, in every copy of
        every message; nothing in them needs escaping.
    """
    return base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode("ascii")


def selectHistory(entries, maxStanzas=None, maxChars=None, seconds=None, since=None, now=None):
    """
    @param entries: L{HistoryEntry} records, oldest first.
    @param maxStanzas: at most this many messages.
    @param maxChars: at most this many characters in all, counted on what
        the senders wrote (the payloads: the room's own attributes and
        stamps are left out, so that the count does not depend on how the
        edge renders them).
    @param seconds: only messages of the last C{seconds}, measured back from
        C{now}.
    @param since: only messages after this timezone-aware moment.
    @return: the newest entries that meet every limit, oldest first.
    """
    if seconds is not None:
        limit = now - timedelta(seconds=seconds)
        since = limit if since is None else max(since, limit)
    selected = []
    chars = 0
    for entry in reversed(entries):
        if maxStanzas is not None and len(selected) >= maxStanzas:
            break
        if since is not None and entry.stamp <= since:
            break
        chars += len(entry.payload)
        if maxChars is not None and chars > maxChars:
            break
        selected.append(entry)
    selected.reverse()
    return selected
