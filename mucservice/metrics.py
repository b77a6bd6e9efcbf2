"""
The metrics endpoint (C{--metrics-port}): the service's numbers in
Prometheus's text format, at C{/metrics}, served by Twisted's web server.

Nothing is maintained for it on the paths of stanzas beyond counts that
are kept there anyway (L{mucservice.xmpp.traffic}, the providers' own).
At every scrape, L{ServiceCollector} reads the room service's census, the
edge's traffic, the link's state, the store's failures, the limits hit,
every provider that reports measures of its own
(L{IMeasured<mucservice.measures.IMeasured>}) and the reactor's lag;
Prometheus's process collector adds the process's memory and CPU.

Each service has a registry of its own, not C{prometheus_client}'s global
one, so that tests can make several services. The page is rendered on the
reactor's thread: C{prometheus_client.twisted.MetricsResource} collects in
the reactor's thread pool, where walking the rooms would race with the
reactor that changes them.
"""

from prometheus_client import CONTENT_TYPE_LATEST, ProcessCollector, generate_latest
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.utils import floatToGoString
from twisted.application import internet, service
from twisted.web import pages, resource, server

from mucservice import __version__, measures
from mucservice.room.census import census
from mucservice.xmpp.sizes import LIMIT
from mucservice.xmpp.traffic import TRAFFIC

#: What every metric of the service is named after.
PREFIX = "mucservice_"

#: Upper bounds, in seconds, of the buckets of the reactor's lag.
LAG_BOUNDS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ReactorLag(service.Service):
    """
    How late the reactor runs a timer due every L{interval} seconds: the
    time it spends on other work before it gets to it (a stanza handled
    for too long, a broadcast written in one go, a blocking call).

    @ivar histogram: a L{Histogram<mucservice.measures.Histogram>} of the
        lags, in seconds.
    @ivar last: the last lag measured.
    """

    interval = 1.0

    def __init__(self, reactor):
        self.reactor = reactor
        self.histogram = measures.Histogram(LAG_BOUNDS)
        self.last = 0.0
        self._call = None

    def startService(self):
        service.Service.startService(self)
        self._schedule()

    def stopService(self):
        service.Service.stopService(self)
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None

    def _schedule(self):
        due = self.reactor.seconds() + self.interval
        self._call = self.reactor.callLater(self.interval, self._tick, due)

    def _tick(self, due):
        self.last = max(0.0, self.reactor.seconds() - due)
        self.histogram.observe(self.last)
        self._schedule()


def _counter(name, help, counts, label):
    family = CounterMetricFamily(PREFIX + name, help, labels=[label])
    for value, count in sorted(counts.items()):
        family.add_metric([value], count)
    return family


def _gauge(name, help, value):
    return GaugeMetricFamily(PREFIX + name, help, value=value)


def _buckets(histogram):
    buckets = [(floatToGoString(bound), count) for bound, count in histogram.cumulative()]
    return buckets + [("+Inf", histogram.count)]


class ServiceCollector:
    """
    A Prometheus collector of the whole service, read at every scrape.

    @ivar rooms: the L{RoomService<mucservice.room.service.RoomService>}.
    @ivar link: the component's L{LinkState<mucservice.xmpp.link.LinkState>}.
    @ivar providers: service option (C{"room-store"}) to provider.
    @ivar lag: the L{ReactorLag}.
    """

    def __init__(self, rooms, link, providers, lag):
        self.rooms = rooms
        self.link = link
        self.providers = providers
        self.lag = lag

    def collect(self):
        info = GaugeMetricFamily(PREFIX + "info", "The running mucservice.", labels=["version"])
        info.add_metric([__version__], 1)
        yield info
        yield from self.collectRooms()
        yield from self.collectTraffic()
        yield from self.collectLink()
        yield from self.collectProviders()
        lag = HistogramMetricFamily(PREFIX + "reactor_lag_seconds",
                                    "How late the reactor runs a timer due every second.",
                                    buckets=_buckets(self.lag.histogram),
                                    sum_value=self.lag.histogram.sum)
        yield lag
        yield _gauge("reactor_lag_last_seconds", "The reactor's last lag measured.",
                     self.lag.last)

    def collectRooms(self):
        now = census(self.rooms)
        rooms = GaugeMetricFamily(PREFIX + "rooms", "Rooms, persistent or temporary.",
                                  labels=["kind"])
        rooms.add_metric(["persistent"], now.persistentRooms)
        rooms.add_metric(["temporary"], now.temporaryRooms)
        yield rooms
        yield _gauge("occupants", "Occupants (nicks) in all rooms.", now.occupants)
        yield _gauge("sessions", "Joined sessions (real JIDs) in all rooms.", now.sessions)
        yield _gauge("history_messages", "Messages of discussion history held in memory.",
                     now.historyMessages)
        writer = self.rooms.writer
        yield CounterMetricFamily(PREFIX + "store_write_failures",
                                  "Writes of the room store that failed.",
                                  value=writer.failures)
        yield _gauge("store_works", "Whether the room store's last write succeeded (1) or "
                     "failed (0).", int(writer.storeWorks))
        yield _counter("limit_hits", "Requests a limit refused, by the limit's option.",
                       self.rooms.limits.hits.counts, "limit")

    def collectTraffic(self):
        yield _counter("stanzas_received", "Stanzas received from the XMPP server, by kind.",
                       TRAFFIC.received, "kind")
        yield _counter("stanzas_sent", "Stanzas sent to the XMPP server, by kind.",
                       TRAFFIC.sent, "kind")
        yield _counter("errors_sent", "Stanza errors sent, by condition.", TRAFFIC.errors,
                       "condition")
        yield CounterMetricFamily(PREFIX + "stanzas_dropped",
                                  "Stanzas not sent: larger than --max-stanza-size.",
                                  value=LIMIT.dropped)

    def collectLink(self):
        link = self.link
        yield _gauge("link_up", "Whether the link to the XMPP server is up (1) or not (0).",
                     int(link.up))
        yield _gauge("link_state_seconds", "Seconds since the link last went up or down.",
                     max(0.0, link.clock.seconds() - link.since))
        yield CounterMetricFamily(PREFIX + "link_reconnects",
                                  "Times the link came up again after it was lost.",
                                  value=link.reconnects)
        yield CounterMetricFamily(PREFIX + "link_failed_attempts",
                                  "Attempts to link to the XMPP server that failed.",
                                  value=link.failedAttempts)
        yield _counter("link_stream_errors", "Stream errors from the XMPP server, by condition.",
                       link.streamErrors, "condition")

    def collectProviders(self):
        """
        Every provider's measures, as metrics labelled with the service it
        serves; measures of one name from several providers are one metric.
        """
        families = {}
        for option, provider in sorted(self.providers.items()):
            if not measures.IMeasured.providedBy(provider):
                continue
            for measure in provider.measures():
                labels = ["provider"] + [name for name, _ in measure.labels]
                values = [option] + [value for _, value in measure.labels]
                family = families.get(measure.name)
                if family is None:
                    family = families[measure.name] = _FAMILIES[measure.kind](
                        PREFIX + measure.name, measure.help, labels=labels)
                if measure.kind == measures.HISTOGRAM:
                    family.add_metric(values, _buckets(measure.value), measure.value.sum)
                else:
                    family.add_metric(values, measure.value)
        return families.values()


_FAMILIES = {measures.GAUGE: GaugeMetricFamily, measures.COUNTER: CounterMetricFamily,
             measures.HISTOGRAM: HistogramMetricFamily}


class MetricsPage(resource.Resource):
    """
    C{/metrics}: the registry's metrics in Prometheus's text format.
    """

    isLeaf = True

    def __init__(self, registry):
        resource.Resource.__init__(self)
        self.registry = registry

    def render_GET(self, request):
        request.setHeader(b"content-type", CONTENT_TYPE_LATEST.encode("ascii"))
        return generate_latest(self.registry)


class Root(resource.Resource):
    """
    C{/}: says where the metrics are; C{/metrics}: the L{MetricsPage}.
    """

    def __init__(self, metricsPage):
        resource.Resource.__init__(self)
        self.metricsPage = metricsPage

    def getChild(self, name, request):
        if name == b"metrics":
            return self.metricsPage
        return self if name == b"" else pages.notFound()

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return b"mucservice: the metrics are at /metrics\n"


class QuietSite(server.Site):
    """
    A site that keeps no access log: a scrape every few seconds is no news.
    """

    displayTracebacks = False

    def log(self, request):
        pass


class MetricsEndpoint(service.MultiService):
    """
    The metrics endpoint on C{interface}:C{port}, with the measure of the
    reactor's lag.

    @ivar collector: the L{ServiceCollector}.
    @ivar registry: the registry of the service's own, with the collector
        and the process's metrics.
    @ivar site: the web site it serves.
    """

    def __init__(self, port, interface, reactor, rooms, link, providers):
        service.MultiService.__init__(self)
        lag = ReactorLag(reactor)
        lag.setServiceParent(self)
        self.collector = ServiceCollector(rooms, link, providers, lag)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self.collector)
        ProcessCollector(registry=self.registry)
        self.site = QuietSite(Root(MetricsPage(self.registry)), reactor=reactor)
        self.site.noisy = False
        internet.TCPServer(port, self.site, interface=interface,
                           reactor=reactor).setServiceParent(self)
