"""
Stanza text templates: render once, address many.
"""

from mucservice.xmpp.render import Template, appendChild, attributes, quote, renderTo
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


def test_unaddressedRoundTrip():
    """The text kept for history, addressed later, is the text the room sent."""
    template = Template("message", "<body>x</body>", from_="r@m/n", id="i", type_="groupchat")
    assert "to=" not in template.unaddressed()
    assert renderTo(template.unaddressed(), "a@b/c") == template.to("a@b/c")


def test_appendChild():
    """A child goes last inside the stanza."""
    assert appendChild("<message><body>x</body></message>", "<delay/>") == (
        "<message><body>x</body><delay/></message>")
