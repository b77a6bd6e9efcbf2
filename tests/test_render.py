"""
Stanza text templates: render once, address many.
"""

import re
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st
from twisted.words.protocols.jabber.jid import JID

from mucservice.records import HistoryEntry
from mucservice.xmpp.broadcast import delay, groupchatTemplate
from mucservice.xmpp.render import Template, attributes, quote
from mucservice.xmpp.sizes import utf8len
from tests.fakestream import parseStanzas

#: Pieces of text that need escaping, or that XML forbids.
AWKWARD = st.sampled_from(['"', "'", "<", "&", ">", "]]>", "\r", "\r\n", "\n", "\t", " ",
                           "\x00", "\x01", "\x0b", "\x1f", "\x7f", "\x85", "\ud800",
                           "\udfff", "\ufffe", "\uffff", "&amp;", "&#0;"])

#: What XML 1.0 forbids, which comes back as U+FFFD.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def test_quote():
    """
    The markup characters are escaped but C{"} (every attribute is between
    apostrophes), other text is left alone, the very same string.
    """
    assert quote("a<b>&'\"c") == "a&lt;b&gt;&amp;&apos;\"c"
    plain = "plain text, \u00e9t\u00e9 \U0001f600"
    assert quote(plain) is plain


@given(st.lists(st.one_of(st.text(), AWKWARD)).map("".join))
def test_quoteParsesBack(text):
    """
    Quoted text parses back to itself as an attribute value and as
    character data (but each character XML forbids, which comes back as
    U+FFFD), and is at most six bytes per character.
    """
    quoted = quote(text)
    (element,) = parseStanzas(("<message v='%s'>%s</message>" % (quoted, quoted))
                              .encode("utf-8"))
    expected = FORBIDDEN.sub("\ufffd", text)
    assert element["v"] == expected
    assert str(element) == expected
    assert utf8len(quoted) <= 6 * len(text)


def test_toEach():
    """
    A template addressed to many at once gives what it gives each alone,
    escaping addresses that need it.
    """
    template = Template("message", "<body>x</body>", from_="r@m/n", type_="groupchat")
    recipients = ["a@b/c", "d@e/f'g", "h@i/<j>"]
    assert list(template.toEach(recipients)) == [template.to(r) for r in recipients]
    assert list(template.toEach(recipients[:1])) == [template.to("a@b/c")]
    assert list(template.toEach([])) == []


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
