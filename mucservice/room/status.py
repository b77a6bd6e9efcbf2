"""
The status codes of XEP-0045 (section 15.6) that rooms use: the one table.

The room rules decide which apply; the protocol edge writes them as
C{<status code='...'/>}.
"""

#: The room is non-anonymous: everyone sees real JIDs (on entering, 100).
NON_ANONYMOUS = 100
#: Configuration changed in a way occupants can see (104).
CONFIG_CHANGED = 104
#: This presence is about yourself (110).
SELF = 110
#: The room is logged publicly (on entering, and when switched on: 170).
LOGGING_ON = 170
#: Public logging was switched off (171).
LOGGING_OFF = 171
#: The room became non-anonymous (172) or semi-anonymous (173).
NOW_NON_ANONYMOUS, NOW_SEMI_ANONYMOUS = 172, 173
#: A new room was created by this join (201).
CREATED = 201
#: The room gave the occupant another nick than asked, its registered one (210).
NICK_ASSIGNED = 210
#: Banned (301).
BANNED = 301
#: The occupant changed its nick (303).
NICK_CHANGED = 303
#: Kicked (307).
KICKED = 307
#: Removed because its affiliation changed (321).
AFFILIATION_CHANGED = 321
#: Removed because the room became members-only (322).
MEMBERS_ONLY = 322
#: Removed because the service is shutting down (332).
SHUTDOWN = 332
#: Removed because of a technical problem: its link is gone (333).
GONE = 333


def configChangeCodes(old, new):
    """
    @param old: a room's L{RoomConfig<mucservice.room.config.RoomConfig>}
        before a change.
    @param new: the one after.
    @return: the status codes that tell occupants of the change: 104 for
        any change, with 170/171 when logging was switched on/off and
        172/173 when the room became non-anonymous/semi-anonymous; none if
        nothing changed.
    """
    if old == new:
        return ()
    codes = [CONFIG_CHANGED]
    if old.logging != new.logging:
        codes.append(LOGGING_ON if new.logging else LOGGING_OFF)
    if old.whois != new.whois:
        codes.append(NOW_NON_ANONYMOUS if new.whois == "anyone" else NOW_SEMI_ANONYMOUS)
    return tuple(codes)
