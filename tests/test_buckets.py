"""
Token buckets on a fake clock (L{mucservice.room.buckets}).
"""

import pytest
from twisted.internet.task import Clock

from mucservice import errors
from mucservice.room.buckets import Buckets, Rate, retryText


class TestRate:
    def test_parse(self):
        """COUNT/SECONDS reads as a Rate and prints back the same way."""
        rate = Rate.parse("10/60")
        assert rate == Rate(10, 60.0)
        assert str(rate) == "10/60"
        assert str(Rate.parse("3/0.5")) == "3/0.5"

    @pytest.mark.parametrize("text", ["10", "0/60", "-1/60", "10/0", "10/-5", "a/b", "10/inf",
                                      "1.5/60", "", "/"])
    def test_refused(self, text):
        """Anything but a whole count of 1 or more per positive finite seconds is refused."""
        with pytest.raises(ValueError, match="COUNT/SECONDS"):
            Rate.parse(text)


def test_retryText():
    """The retry text rounds up to whole seconds, at least one."""
    assert retryText(0.2) == "try again in 1 second"
    assert retryText(11.1) == "try again in 12 seconds"


class TestBuckets:
    def setup_method(self):
        self.clock = Clock()
        self.clock.advance(1000)
        self.buckets = Buckets(Rate(3, 30), self.clock.seconds, "messages")

    def keptAfter(self, seconds):
        """
        Let C{seconds} pass, sweep (L{Buckets.expire}) with nobody taking a
        token, and return how many buckets are left.
        """
        self.clock.advance(seconds)
        self.buckets.expire(self.clock.seconds())
        return len(self.buckets)

    def test_burstThenRefused(self):
        """A key may act COUNT times at once; then it is refused with when to retry."""
        for _ in range(3):
            self.buckets.take("alice")
        with pytest.raises(errors.ResourceConstraint) as refused:
            self.buckets.take("alice")
        assert refused.value.text == "too many messages; try again in 10 seconds"

    def test_refills(self):
        """A token comes back every SECONDS/COUNT seconds, one at a time."""
        for _ in range(3):
            self.buckets.take("alice")
        self.clock.advance(9.9)
        with pytest.raises(errors.ResourceConstraint, match="in 1 second$"):
            self.buckets.take("alice")
        self.clock.advance(0.1)
        self.buckets.take("alice")
        with pytest.raises(errors.ResourceConstraint):
            self.buckets.take("alice")

    def test_keysApart(self):
        """Each key has its own bucket."""
        for _ in range(3):
            self.buckets.take("alice")
        self.buckets.take("bob")

    def test_checkTakesNothing(self):
        """check refuses an empty bucket but never empties one."""
        for _ in range(5):
            self.buckets.check("alice")
        for _ in range(3):
            self.buckets.take("alice")
        with pytest.raises(errors.ResourceConstraint):
            self.buckets.check("alice")

    def test_forgotten(self):
        """
        Buckets full again are forgotten: one token taken comes back in
        SECONDS/COUNT.
        """
        for n in range(10000):
            self.buckets.take("user%d" % (n,))
        assert len(self.buckets) == 10000
        self.clock.advance(9)
        self.buckets.take("late")
        assert len(self.buckets) == 10001
        self.clock.advance(1)
        self.buckets.take("later")
        assert len(self.buckets) == 2

    def test_emptiedForgottenAfterAPeriod(self):
        """A bucket emptied is full again, and forgotten, a whole period later."""
        for _ in range(3):
            self.buckets.take("alice")
        assert self.keptAfter(29) == 1
        assert self.keptAfter(1) == 0

    def test_heldBackAtMostAPeriod(self):
        """
        A bucket used less recently and not yet full keeps those used after
        it, full or not, but only until it is full itself: no bucket stays
        more than a period after its key's last token.
        """
        for _ in range(3):
            self.buckets.take("alice")
        self.clock.advance(1)
        self.buckets.take("bob")
        assert self.keptAfter(10) == 2
        assert self.keptAfter(19) == 0

    def test_oneNumberPerKey(self):
        """A bucket keeps one number for its key: when it is full again."""
        self.buckets.take("alice")
        self.buckets.take("alice")
        assert self.buckets._buckets["alice"] == self.clock.seconds() + 20

    def test_expireWithoutTake(self):
        """L{Buckets.expire} forgets the buckets full again, with nobody taking a token."""
        for n in range(100):
            self.buckets.take("user%d" % (n,))
        assert self.keptAfter(9) == 100
        assert self.keptAfter(1) == 0

    def test_clockBack(self):
        """
        A clock set back gives no token, and leaves an empty bucket empty
        for one period, not for as long as the clock went back.
        """
        for _ in range(3):
            self.buckets.take("alice")
        self.clock.rightNow -= 3600
        with pytest.raises(errors.ResourceConstraint) as refused:
            self.buckets.take("alice")
        assert refused.value.text == "too many messages; try again in 10 seconds"
        self.clock.advance(30)
        for _ in range(3):
            self.buckets.take("alice")
