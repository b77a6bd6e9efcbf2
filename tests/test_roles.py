"""
The privilege tables of XEP-0045 section 5.
"""

import pytest

from mucservice import errors
from mucservice.room import roles
from mucservice.room.roles import checkAffiliationChange, checkRoleChange, defaultRole


@pytest.mark.parametrize("affiliation, moderated, role", [
    ("owner", False, "moderator"), ("admin", True, "moderator"),
    ("member", True, "participant"), ("none", False, "participant"),
    ("none", True, "visitor"), ("outcast", False, "none"),
])
def test_defaultRole(affiliation, moderated, role):
    """Each affiliation enters with the role of section 5.1.2."""
    assert defaultRole(affiliation, moderated) == role


@pytest.mark.parametrize("actor, current, new, error", [
    ("owner", "admin", "owner", None),
    ("owner", "owner", "none", None),
    ("admin", "none", "member", None),
    ("admin", "member", "outcast", None),
    ("admin", "outcast", "none", None),
    ("admin", "owner", "none", errors.NotAllowed),
    ("admin", "admin", "member", errors.NotAllowed),
    ("admin", "member", "admin", errors.NotAllowed),
    ("member", "none", "member", errors.Forbidden),
    ("none", "none", "outcast", errors.Forbidden),
    ("owner", "none", "king", errors.BadRequest),
])
def test_affiliationChanges(actor, current, new, error):
    """Owners change anything; admins handle members and outcasts only; others nothing."""
    if error is None:
        checkAffiliationChange(actor, current, new)
    else:
        with pytest.raises(error):
            checkAffiliationChange(actor, current, new)


@pytest.mark.parametrize("actor, actorRole, target, targetRole, new, error", [
    ("none", "moderator", "none", "participant", "none", None),
    ("member", "moderator", "member", "participant", "visitor", None),
    ("admin", "moderator", "member", "participant", "moderator", None),
    ("owner", "moderator", "none", "moderator", "participant", None),
    ("none", "participant", "none", "participant", "none", errors.Forbidden),
    ("none", "moderator", "member", "participant", "none", errors.NotAllowed),
    ("member", "moderator", "admin", "moderator", "none", errors.NotAllowed),
    ("admin", "moderator", "owner", "moderator", "participant", errors.NotAllowed),
    ("owner", "moderator", "admin", "moderator", "none", errors.NotAllowed),
    ("member", "moderator", "none", "participant", "moderator", errors.Forbidden),
    ("owner", "moderator", "none", "participant", "emperor", errors.BadRequest),
])
def test_roleChanges(actor, actorRole, target, targetRole, new, error):
    """Moderators kick and silence their equals and below, never admins or owners."""
    if error is None:
        checkRoleChange(actor, actorRole, target, targetRole, new)
    else:
        with pytest.raises(error):
            checkRoleChange(actor, actorRole, target, targetRole, new)


def test_ranks():
    """The affiliation ranks are ordered owner > admin > member > none > outcast."""
    order = sorted(roles.AFFILIATION_RANK, key=roles.AFFILIATION_RANK.get)
    assert order == ["outcast", "none", "member", "admin", "owner"]
