"""
Stanza text templates: render once, address many.
"""

from datetime import datetime, timezone

from twisted.words.protocols.jabber.jid import JID

from mucservice.records import HistoryEntry
from mucservice.xmpp.broadcast import delay, groupchatTemplate
from mucservice.xmpp.render import Template, attributes, quote
from tests.fakestream import parseStanzas


def test_quote():
    """The five XML special characters are escaped, other text is left alone."""
    assert quote("a<b>&'\"c") == "a&lt;b&gt;&amp;&apos;&quot;c"
    assert quote("plain") == "plain"


def test_attributes():
    """None values are left out; a trailing underscore and xml:lang are written as XML wants."""
    assert attributes(from_="r@m", type_=None, id="1") == " from='r@m' id='1'"
    assert attributes(**{"xml:lang": "de"}) == " xml:lang='de'"


def test_template():
    """Each recipient gets the same stanza with only its to differing, well-formed."""
    template = Template("message", "<body>1 &lt; 2</body>", from_="r@m/n", type_="groupchat")
    stanzas = parseStanzas((template.to("a@b/c") + template.to("d'e@f")).encode("utf-8"))
    assert [s["to"] for s in stanzas] == ["a@b/c", "d'e@f"]
    assert {(s["from"], s["type"], str(s.body)) for s in stanzas} == {
        ("r@m/n", "groupchat", "1 < 2")}


def test_unaddressed():
    """Without its to, a template is the same stanza, for use inside another."""
    template = Template("message", "<body>x</body>", from_="r@m/n", id="i", type_="groupchat")
    assert "to=" not in template.unaddressed()
    assert template.to("a@b/c") == template.unaddressed().replace(
        "<message ", "<message to='a@b/c' ", 1)


def test_historyIsTheReflectedMessage():
    """A message kept in history renders as the room reflected it, plus the room's delay."""
    stamp = datetime(2027, 1, 15, 9, 30, tzinfo=timezone.utc)
    entry = HistoryEntry(stamp, "n'ick", JID("a@b/c"), "<body>1 &lt; 2</body>", "s'1", "o1",
                         "m1", "de")
    live = groupchatTemplate(JID("r@m"), entry).to("a@b/c")
    later = groupchatTemplate(JID("r@m"), entry, delay(JID("r@m"), stamp)).to("a@b/c")
    [message] = parseStanzas(live.encode("utf-8"))
    assert (message["from"], message["type"], message["id"], str(message.body)) == (
        "r@m/n'ick", "groupchat", "m1", "1 < 2")
    assert later == live.replace("</message>", "<delay xmlns='urn:xmpp:delay' from='r@m' "
                                 "stamp='2027-01-15T09:30:00.000000Z'/></message>")
