"""
Result Set Management (XEP-0059): the pages of answers that can grow
(disco#items of the service and of a room, the muc#admin lists).

A page holds at most as many items as asked for (C{<max/>}), never more
than the answer's cap, and never more bytes than a stanza may carry
(L{margins.allowance<mucservice.xmpp.margins.allowance>}): a page may be
shorter than asked, as XEP-0059 allows, and its C{<last/>} says where the
next one starts. Items are named by a key (their JID, or a nick), which
C{<after/>} and C{<before/>} give back; a key that is not in the list is
C{item-not-found} (XEP-0059 section 2.4).

The answer carries a C{<set/>} (C{<first index=.../>}, C{<last/>},
C{<count/>}) when the request had one, or when the page is not the whole
list: a client that knows nothing of RSM still learns that there is more.
"""

from dataclasses import dataclass
from typing import Optional

from mucservice import errors
from mucservice.xmpp import margins
from mucservice.xmpp.namespaces import NS_RSM
from mucservice.xmpp.render import attributes, quote
from mucservice.xmpp.sizes import utf8len

#: The most items of a disco#items page, also when the request asks for
#: more or names no C{<set/>}.
DISCO_PAGE = 100


@dataclass
class PageRequest:
    """
    What a request asks of a list.

    @ivar given: whether it carried a C{<set/>} at all.
    @ivar max: the most items wanted, or L{None}.
    @ivar after: the key of the item the page follows, or L{None}.
    @ivar before: the key of the item the page precedes (C{""}: the last
        page), or L{None}.
    @ivar index: the position of the page's first item, or L{None}.
    """

    given: bool = False
    max: Optional[int] = None
    after: Optional[str] = None
    before: Optional[str] = None
    index: Optional[int] = None


def _count(element, name):
    if element is None:
        return None
    text = str(element).strip()
    if not text.isdigit():
        raise errors.BadRequest("the RSM <%s/> must be a whole number, not %r" % (name, text))
    return int(text)


def parseRequest(query):
    """
    @param query: the element that may carry the C{<set/>} (a C{<query/>}).
    @return: a L{PageRequest}.
    @raise errors.BadRequest: C{<max/>} or C{<index/>} is no whole number.
    """
    rsm = next(query.elements(NS_RSM, "set"), None)
    if rsm is None:
        return PageRequest()
    found = {child.name: child for child in rsm.elements() if child.uri == NS_RSM}
    text = {name: str(found[name]) for name in ("after", "before") if name in found}
    return PageRequest(True, _count(found.get("max"), "max"), text.get("after"),
                       text.get("before"), _count(found.get("index"), "index"))


def _position(keys, key):
    try:
        return keys.index(key)
    except ValueError:
        raise errors.ItemNotFound("no item %r in this list; it may be gone" % (key,))


def page(keys, render, request, cap=None):
    """
    Pick and render the page a request asks for.

    @param keys: the key of each item of the whole list, in order.
    @param render: a function of an item's position in C{keys} that
        returns its text; only the items of the page are rendered.
    @param request: a L{PageRequest}.
    @param cap: the most items of a page, or L{None} for no count.
    @return: the text of the page's items followed by its C{<set/>}, if it
        takes one.
    @raise errors.ItemNotFound: C{after} or C{before} names no item.
    """
    count = len(keys)
    wanted = request.max if request.max is not None else cap
    if cap is not None:
        wanted = min(wanted, cap)
    backwards = request.before is not None
    if backwards:
        end = count if request.before == "" else _position(keys, request.before)
        positions = range(end - 1, -1, -1)
    elif request.after is not None:
        positions = range(_position(keys, request.after) + 1, count)
    else:
        positions = range(min(request.index or 0, count), count)
    budget = margins.allowance() - 200  # the <set/>'s own elements, less its keys
    chosen, size = [], 0
    for position in positions:
        if wanted is not None and len(chosen) >= wanted:
            break
        text = render(position)
        size += utf8len(text)
        ends = (chosen[0][0], position) if chosen else (position, position)
        if size + sum(utf8len(quote(keys[p])) for p in ends) > budget:
            break
        chosen.append((position, text))
    if backwards:
        chosen.reverse()
    items = "".join(text for _, text in chosen)
    if not request.given and len(chosen) == count:
        return items
    return items + _set(keys, [p for p, _ in chosen], count)


def _set(keys, positions, count):
    """
    @return: the answer's C{<set/>}: the first and last keys of the page
        (none for an empty page) and the count of the whole list.
    """
    if not positions:
        return resultSet(count)
    return resultSet(count, keys[positions[0]], keys[positions[-1]], positions[0])


def resultSet(count, first=None, last=None, index=None):
    """
    @param count: how many items the whole list has, or L{None} if
        unknown.
    @param first: the key of the page's first item, or L{None} for an
        empty page.
    @param last: the key of its last item.
    @param index: the position of its first item in the list, or L{None}.
    @return: the C{<set/>} that describes a page.
    """
    inner = ""
    if first is not None:
        inner = "<first%s>%s</first><last>%s</last>" % (
            attributes(index=None if index is None else str(index)), quote(first), quote(last))
    if count is not None:
        inner += "<count>%d</count>" % (count,)
    return "<set xmlns='%s'>%s</set>" % (NS_RSM, inner)
