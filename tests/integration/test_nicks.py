"""
Nicks and resources beyond Unicode 3.2 through a real Prosody: emoji nicks
come back as they were given, from sessions whose resources have emoji
too, and nicks that are one nick to RFC 8266 conflict.
"""

from tests.integration.muc import createRoom, join, joinRefused
from tests.integration.xmppclient import fromJID

ROOM = "emoji@muc.localhost"


def test_emojiNicks(mucservice, clients):
    """Joins as "Juliet 🌹" and "🤖" (from an emoji resource) show the same nicks to all."""
    juliet, bot = clients(), clients(resource="\U0001f4f1 phone")
    createRoom(juliet, ROOM, "Juliet \U0001f339")
    joined = join(bot, ROOM + "/\U0001f916")
    assert joined.nicks() == ["Juliet \U0001f339"]
    assert fromJID(joined.own) == ROOM + "/\U0001f916"
    assert fromJID(juliet.expect(tag="presence", frm=ROOM + "/\U0001f916")) == \
        ROOM + "/\U0001f916"
    bot.send("<message to='%s' type='groupchat'><body>beep</body></message>" % ROOM)
    for client in (juliet, bot):
        client.expect(tag="message", frm=ROOM + "/\U0001f916", type="groupchat")


def test_conflictingNicks(mucservice, clients):
    """
    Another case or a look-alike of a nick in use is a conflict. (Prosody
    itself maps fullwidth letters before the service sees them.)
    """
    juliet, other = clients(), clients()
    createRoom(juliet, ROOM, "Juliet \U0001f339")
    for nick in ("juliet \U0001f339", "Juli\u0435t \U0001f339", "\u0408uliet \U0001f339"):
        assert joinRefused(other, ROOM + "/" + nick) == "conflict"
