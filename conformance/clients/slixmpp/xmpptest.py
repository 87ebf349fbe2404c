"""Shared plumbing for the slixmpp conformance scenarios.

Each scenario is a small script that calls run(scenario), where scenario is an async function taking a
Scenario. The server under test and the accounts come from the XMPP_* environment variables that
conformance/run.sh exports. The script prints its steps, then "OK", or "FAIL: reason" and exits 1, or "SKIP: reason" and exits 77.

The library is used unmodified. Its only configuration is the one any application would set: the trust
anchor (ca_certs), no automatic subscription handling, and the TLS reference name, which is the XMPP domain
even when we connect to an IP address (RFC 6120 §13.7.2, RFC 6125).
"""

import asyncio
import logging
import os
import socket
import ssl
import struct
import sys
import time
import uuid
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath, StanzaPath

NS_ROSTER = "jabber:iq:roster"
NS_DELAY = "urn:xmpp:delay"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_STREAMS = "http://etherx.jabber.org/streams"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"


class ScenarioFailure(Exception):
    """An expectation of the scenario was not met by the server."""


class ScenarioSkipped(Exception):
    """The scenario does not apply to this configuration (reported as SKIP, exit status 77)."""


def check(condition, message):
    if not condition:
        raise ScenarioFailure(message)


def step(message):
    print(f"  - {message}", flush=True)


def _env(name, default=None, required=True):
    value = os.environ.get(name, default)
    if required and not value:
        raise SystemExit(f"FAIL: environment variable {name} is not set (run through conformance/run.sh)")
    return value


def _jid(user, domain):
    return user if "@" in user else f"{user}@{domain}"


class Config:
    def __init__(self):
        self.host = _env("XMPP_HOST")
        self.port = int(_env("XMPP_PORT"))
        self.domain = _env("XMPP_DOMAIN")
        self.jid1 = _jid(_env("XMPP_USER1"), self.domain)
        self.pass1 = _env("XMPP_PASS1")
        self.jid2 = _jid(_env("XMPP_USER2"), self.domain)
        self.pass2 = _env("XMPP_PASS2")
        self.ca_cert = _env("XMPP_CA_CERT", required=False) or None
        self.insecure = _env("XMPP_INSECURE", "0", required=False) == "1"
        # Budget for one wait (a reply, a stanza); the whole script is bounded by XMPP_SCENARIO_TIMEOUT.
        self.wait = float(_env("XMPP_WAIT_TIMEOUT", "15", required=False))
        self.total = float(_env("XMPP_SCENARIO_TIMEOUT", "60", required=False)) - 5
        self.run_id = _env("XMPP_RUN_ID", required=False) or uuid.uuid4().hex[:12]

    def account(self, n):
        return (self.jid1, self.pass1) if n == 1 else (self.jid2, self.pass2)


class Client(slixmpp.ClientXMPP):
    """An unmodified slixmpp client that records every message, presence and roster push it receives."""

    def __init__(self, cfg, jid, password, resource, trust="configured"):
        super().__init__(f"{jid}/{resource}", password)
        self.cfg = cfg
        self.label = f"{jid}/{resource}"
        # Subscription requests are answered by the scenario, not by the library.
        self.auto_authorize = None
        self.auto_subscribe = False
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0199")
        self.register_plugin("xep_0203")
        if trust == "configured" and cfg.insecure:
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE
        elif trust == "configured" and cfg.ca_cert:
            self.ca_certs = cfg.ca_cert
        # trust == "system": the platform's default CA store only (ca_certs stays None).
        self.received = []
        self._arrived = asyncio.Event()
        self.register_handler(Callback("conformance messages", StanzaPath("message"), self._record))
        self.register_handler(Callback("conformance presences", StanzaPath("presence"), self._record))
        self.add_event_handler("roster_update", self._record_roster_push)
        # The last <stream:features/> the server offered, for capability checks on stream features (XEP-0198).
        self.stream_features = None
        self.register_handler(Callback("conformance stream features", MatchXPath(f"{{{NS_STREAMS}}}features"),
                                       self._record_features))

    async def get_dns_records(self, domain, port=None):
        # The suite connects to the configured host and port, never to DNS/SRV results for the domain.
        return [(self.cfg.domain, self.cfg.host, self.cfg.port)]

    def _record(self, stanza):
        self.received.append(stanza)
        self._arrived.set()

    def _record_features(self, features):
        self.stream_features = features.xml

    def _record_roster_push(self, iq):
        if iq["type"] == "set":
            self._record(iq)

    @property
    def bare(self):
        return self.boundjid.bare

    async def open_session(self, timeout=None):
        """Connects with STARTTLS required, authenticates and binds. Returns the negotiated TLS version.

        Raises ScenarioFailure with the first terminal event if the session is not established.
        """
        timeout = timeout or self.cfg.wait
        outcome = asyncio.get_running_loop().create_future()

        def finish(kind):
            def handler(data=None):
                if not outcome.done():
                    outcome.set_result((kind, data))
            return handler

        for event in ("session_start", "failed_auth", "failed_all_auth", "no_auth", "connection_failed",
                      "disconnected", "stream_error", "session_bind_failed"):
            self.add_event_handler(event, finish(event), disposable=True)
        # force_starttls: negotiation fails if the server offers no STARTTLS (RFC 6120 §5).
        self.connect((self.cfg.host, self.cfg.port), use_ssl=False, force_starttls=True, disable_starttls=False)
        # slixmpp takes a host name given as the address as its TLS reference name; the reference
        # identifier must be the XMPP domain (RFC 6120 §13.7.2), whatever address we connect to.
        self.default_domain = self.cfg.domain
        try:
            kind, data = await asyncio.wait_for(outcome, timeout)
        except asyncio.TimeoutError:
            self.cancel_connection_attempt()
            self.abort()
            raise ScenarioFailure(f"{self.label}: no session within {timeout:.0f} s")
        if kind != "session_start":
            self.cancel_connection_attempt()
            detail = ""
            if kind == "failed_auth" and data is not None:
                detail = f" (SASL condition: {data['condition']})"
            elif data is not None:
                detail = f" ({data})"
            if self.transport is not None:
                self.abort()
            raise SessionRefused(kind, data, f"{self.label}: session not established: {kind}{detail}")
        ssl_object = self.transport.get_extra_info("ssl_object") if self.transport else None
        check(ssl_object is not None, f"{self.label}: session established without TLS")
        return ssl_object.version()

    async def login(self, presence=True, timeout=None):
        """Opens a session the way an IM client does: roster get, then initial presence."""
        tls_version = await self.open_session(timeout)
        await self.roster_items()
        if presence:
            self.send_presence()
        return tls_version

    def cut(self):
        """Cuts the TCP connection from under the client: no </stream:stream>, no TLS close_notify, and a TCP
        RST instead of a FIN (SO_LINGER 0), like a network failure the server has to notice on its own."""
        check(self.transport is not None, f"{self.label}: not connected, nothing to cut")
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

    async def disco_features(self, jid):
        """disco#info features of jid (XEP-0030 §3.1), as a set; an error reply is an empty set."""
        try:
            resp = await self.iq("get", jid, ET.Element(f"{{{NS_DISCO_INFO}}}query"))
        except IqError:
            return set()
        query = resp.xml.find(f"{{{NS_DISCO_INFO}}}query")
        return set() if query is None else {f.get("var") for f in query.findall(f"{{{NS_DISCO_INFO}}}feature")}

    async def close(self):
        if self.transport is None:
            return
        try:
            await asyncio.wait_for(self.disconnect(wait=3), 6)
        except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - closing is best effort
            self.abort()

    # ---- IQ helpers ------------------------------------------------------------------------------------------
    async def iq(self, iq_type, to, payload, timeout=None):
        """Sends an IQ with a raw ElementTree payload; returns the result IQ or raises IqError/ScenarioFailure."""
        iq = self.Iq()
        iq["type"] = iq_type
        if to:
            iq["to"] = to
        if payload is not None:
            iq.append(payload)
        try:
            return await iq.send(timeout=timeout or self.cfg.wait)
        except IqTimeout:
            raise ScenarioFailure(f"{self.label}: no reply to IQ {iq_type} {payload.tag if payload is not None else ''}"
                                  f" to {to or '(own account)'} within {timeout or self.cfg.wait:.0f} s")

    async def roster_items(self):
        """Roster get (RFC 6121 §2.1.3): {bare jid: {'subscription':..., 'ask':..., 'name':...}}."""
        resp = await self.iq("get", None, ET.Element(f"{{{NS_ROSTER}}}query"))
        items = {}
        query = resp.xml.find(f"{{{NS_ROSTER}}}query")
        check(query is not None, f"{self.label}: roster result without <query xmlns='{NS_ROSTER}'/>")
        for item in query.findall(f"{{{NS_ROSTER}}}item"):
            items[item.get("jid")] = {"subscription": item.get("subscription", "none"),
                                      "ask": item.get("ask"), "name": item.get("name")}
        return items

    async def roster_remove(self, jid):
        query = ET.Element(f"{{{NS_ROSTER}}}query")
        ET.SubElement(query, f"{{{NS_ROSTER}}}item", {"jid": jid, "subscription": "remove"})
        try:
            await self.iq("set", None, query)
        except IqError as e:
            # RFC 6121 §2.5.3: removing an item that is not in the roster is item-not-found.
            if e.iq["error"]["condition"] != "item-not-found":
                raise

    # ---- waiting for stanzas ---------------------------------------------------------------------------------
    async def expect(self, predicate, what, timeout=None):
        """Returns (and consumes) the first received stanza matching predicate, waiting up to timeout."""
        timeout = timeout or self.cfg.wait
        deadline = time.monotonic() + timeout
        while True:
            for stanza in self.received:
                if predicate(stanza):
                    self.received.remove(stanza)
                    return stanza
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = "; ".join(_describe(s) for s in self.received[-8:]) or "nothing"
                raise ScenarioFailure(f"{self.label}: did not receive {what} within {timeout:.0f} s "
                                      f"(last received: {seen})")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def has(self, predicate):
        return any(predicate(s) for s in self.received)


class SessionRefused(ScenarioFailure):
    def __init__(self, kind, data, message):
        super().__init__(message)
        self.kind = kind
        self.data = data


def _describe(stanza):
    name = stanza.xml.tag.split("}")[-1]
    return f"<{name} type='{stanza['type']}' from='{stanza['from']}'>"


def is_presence(stanza, ptype=None, from_jid=None, bare_from=None):
    if stanza.xml.tag != "{jabber:client}presence":
        return False
    actual_type = stanza.xml.get("type") or "available"
    if ptype is not None and actual_type != ptype:
        return False
    if from_jid is not None and str(stanza["from"]) != str(from_jid):
        return False
    if bare_from is not None and stanza["from"].bare != bare_from:
        return False
    return True


def is_message(stanza, body=None):
    if stanza.xml.tag != "{jabber:client}message":
        return False
    return body is None or stanza["body"] == body


def is_roster_push(stanza, jid, subscription=None, ask=None):
    if stanza.xml.tag != "{jabber:client}iq":
        return False
    query = stanza.xml.find(f"{{{NS_ROSTER}}}query")
    if query is None:
        return False
    for item in query.findall(f"{{{NS_ROSTER}}}item"):
        if item.get("jid") != jid:
            continue
        if subscription is not None and item.get("subscription", "none") != subscription:
            continue
        if ask is not None and item.get("ask") != ask:
            continue
        return True
    return False


def error_of(iq_error):
    """(type, condition) of an IqError."""
    return iq_error.iq["error"]["type"], iq_error.iq["error"]["condition"]


class Scenario:
    def __init__(self, cfg):
        self.cfg = cfg
        self.clients = []

    def client(self, n, resource=None, password=None, trust="configured"):
        jid, pw = self.cfg.account(n)
        c = Client(self.cfg, jid, password if password is not None else pw,
                   resource or f"conf-{n}-{uuid.uuid4().hex[:6]}", trust=trust)
        self.clients.append(c)
        return c

    async def login(self, n, presence=True, resource=None):
        c = self.client(n, resource)
        await c.login(presence=presence)
        step(f"{c.boundjid} logged in")
        return c

    def token(self, label):
        return f"conformance {label} {self.cfg.run_id} {uuid.uuid4().hex[:8]}"

    async def close(self):
        await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)


def run(scenario):
    """Runs one scenario under the overall time budget and exits 0 (OK) or 1 (FAIL)."""
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("XMPP_LOG_LEVEL", "ERROR"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = Config()

    async def main():
        sc = Scenario(cfg)
        try:
            await asyncio.wait_for(scenario(sc), cfg.total)
        finally:
            await sc.close()

    try:
        asyncio.run(main())
    except ScenarioSkipped as e:
        print(f"SKIP: {e}", flush=True)
        sys.exit(77)
    except ScenarioFailure as e:
        print(f"FAIL: {e}", flush=True)
        sys.exit(1)
    except asyncio.TimeoutError:
        print(f"FAIL: scenario exceeded {cfg.total:.0f} s", flush=True)
        sys.exit(1)
    except IqError as e:
        etype, cond = error_of(e)
        print(f"FAIL: unexpected IQ error from {e.iq['from']}: {etype}/{cond}", flush=True)
        sys.exit(1)
    print("OK", flush=True)
    sys.exit(0)
