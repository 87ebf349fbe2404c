"""Shared plumbing for the nbxmpp conformance scenarios (nbxmpp is the XMPP library under Gajim).

nbxmpp runs on the GLib main loop, as in Gajim. A scenario is a plain function taking a Scenario; it drives the
loop itself while it waits (wait_for iterates the default GLib main context until a condition holds or its
deadline passes), so the steps read in order and nothing sleeps for a fixed time. The library is used
unmodified and only through the calls Gajim makes: nbxmpp.client.Client with a custom host, STARTTLS, the
certificate pinned with set_accepted_certificates, its own stream management (XEP-0198, <enable resume='true'/>
after bind, <resume/> on reconnect), StanzaHandler message handlers that read the MessageProperties nbxmpp fills
in (carbons and MAM results are unwrapped by nbxmpp itself), and the task-based modules (Discovery, MAM, Ping).

The server and accounts come from the XMPP_* variables conformance/run.sh exports. The script prints its steps,
then "OK" (exit 0), "FAIL: reason" (exit 1, after the last stanzas each client saw) or "SKIP: reason" (exit 77).
"""
import os
import selectors
import socket
import struct
import sys
import threading
import time
import traceback
import uuid

try:
    import nbxmpp  # noqa: F401 - selects the GLib/Gio/Soup versions before gi.repository is used
    from gi.repository import Gio, GLib
    from nbxmpp.client import Client
    from nbxmpp.const import ConnectionProtocol, ConnectionType
    from nbxmpp.errors import StanzaError
    from nbxmpp.namespaces import Namespace
    from nbxmpp.protocol import Iq, Message, Presence
    from nbxmpp.structs import StanzaHandler
    from nbxmpp.util import generate_id
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"SKIP: python3-nbxmpp is not installed ({e})", flush=True)
    sys.exit(77)

NS_SM = "urn:xmpp:sm:3"


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
        print(f"FAIL: environment variable {name} is not set (run through conformance/run.sh)", flush=True)
        sys.exit(1)
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


# ---- the GLib main loop, driven from the scenario -------------------------------------------------------------
_context = GLib.MainContext.default()
_deadline = None  # the scenario's overall deadline (monotonic seconds)


def _tick():
    return True  # keeps a source firing, so that a blocking iteration returns at least every 50 ms


GLib.timeout_add(50, _tick)


def wait_for(predicate, what, timeout):
    """Runs the GLib main loop until predicate() returns a true value, which is returned. Fails after timeout
    seconds (or at the scenario's overall deadline) with 'did not get <what>'."""
    deadline = time.monotonic() + timeout
    if _deadline is not None:
        deadline = min(deadline, _deadline)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise ScenarioFailure(f"did not get {what} within {timeout:.0f} s")
        _context.iteration(True)


# ---- a TCP relay that can cut connections, for the resumption scenario ----------------------------------------
class CuttableRelay:
    """Relays loopback TCP connections to the server, byte for byte (TLS passes through untouched), and can cut
    every relayed connection at once the way a network failure does: both sockets are closed with SO_LINGER 0,
    so the client and the server each get a TCP reset, no FIN, no </stream:stream> and no TLS close_notify.
    The client connects to the relay's port; its TLS reference name stays the XMPP domain."""

    def __init__(self, host, port):
        self._upstream = (host, port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._commands = []
        self._lock = threading.Lock()
        self._pairs = {}  # socket -> its partner
        self.accepted = 0
        self.cut_count = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="relay", daemon=True)
        self._thread.start()

    def _command(self, name):
        done = threading.Event()
        with self._lock:
            self._commands.append((name, done))
        self._wake_w.send(b"x")
        return done

    def cut(self, timeout=5):
        """Resets every relayed connection; returns how many were cut."""
        before = self.cut_count
        check(self._command("cut").wait(timeout), "the relay did not cut the connection")
        return self.cut_count - before

    def stop(self):
        if not self._stopped:
            self._command("stop").wait(5)

    def _run(self):
        sel = selectors.DefaultSelector()
        sel.register(self._listener, selectors.EVENT_READ, "accept")
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        try:
            while True:
                for key, _ in sel.select():
                    if key.data == "accept":
                        self._accept(sel)
                    elif key.data == "wake":
                        self._wake_r.recv(64)
                        with self._lock:
                            commands, self._commands = self._commands, []
                        for name, done in commands:
                            self._reset_all(sel)
                            done.set()
                            if name == "stop":
                                self._stopped = True
                                return
                    else:
                        self._pump(sel, key.fileobj)
        finally:
            sel.close()
            self._listener.close()

    def _accept(self, sel):
        try:
            downstream, _ = self._listener.accept()
        except BlockingIOError:
            return
        try:
            upstream = socket.create_connection(self._upstream, timeout=10)
        except OSError:
            _reset(downstream)
            return
        self.accepted += 1
        for s in (downstream, upstream):
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._pairs[downstream], self._pairs[upstream] = upstream, downstream
        sel.register(downstream, selectors.EVENT_READ, "pump")
        sel.register(upstream, selectors.EVENT_READ, "pump")

    def _pump(self, sel, source):
        target = self._pairs.get(source)
        if target is None:
            return
        try:
            data = source.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            # One side closed or reset: pass the close on as a close (this is not a cut).
            self._drop(sel, source, target, reset=False)
            return
        try:
            target.setblocking(True)
            target.sendall(data)
            target.setblocking(False)
        except OSError:
            self._drop(sel, source, target, reset=True)

    def _drop(self, sel, a, b, reset):
        for s in (a, b):
            self._pairs.pop(s, None)
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            if reset:
                _reset(s)
            else:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def _reset_all(self, sel):
        seen = set()
        for a, b in list(self._pairs.items()):
            if a in seen:
                continue
            seen.update((a, b))
            self._drop(sel, a, b, reset=True)
            self.cut_count += 1


def _reset(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


# ---- one nbxmpp client ----------------------------------------------------------------------------------------
def _text(data):
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)


class _TaskOutcome:
    def __init__(self):
        self.finished = False
        self.value = None
        self.error = None

    def done(self, task):
        try:
            self.value = task.finish()
        except Exception as e:  # noqa: BLE001 - handed to the waiting scenario
            self.error = e
        self.finished = True


class Account:
    """One nbxmpp Client logged in as user n, set up the way Gajim sets up its connection. Records every
    signal it emits, every element it sent and received (for diagnostics and checks on nonzas), and every
    message nbxmpp dispatched, with the MessageProperties nbxmpp filled in."""

    def __init__(self, sc, n, label, connect_port=None):
        cfg = sc.cfg
        self.sc = sc
        self.cfg = cfg
        self.label = label
        jid, password = cfg.account(n)
        self.bare = jid
        self.events = []  # (signal name, monotonic time)
        self.sent = []  # XML text of every element nbxmpp wrote
        self.received = []  # XML text of every element nbxmpp read (before dispatch)
        self.messages = []  # (nbxmpp Message, MessageProperties) per dispatched message
        self.closing = False

        client = Client(log_context=label)
        client.set_domain(jid.split("@", 1)[1])
        client.set_username(jid.split("@", 1)[0])
        client.set_password(password)
        client.set_resource(f"conf-nbx-{label}-{uuid.uuid4().hex[:6]}")
        client.set_custom_host(f"{cfg.host if connect_port is None else '127.0.0.1'}:"
                               f"{cfg.port if connect_port is None else connect_port}",
                               ConnectionProtocol.TCP, ConnectionType.START_TLS)
        if cfg.insecure:
            client.set_ignore_tls_errors(True)
        elif cfg.ca_cert:
            # Gajim's "trust this certificate": nbxmpp then clears only the unknown-CA error for exactly this
            # certificate; the name check against the XMPP domain stays on.
            client.set_accepted_certificates([Gio.TlsCertificate.new_from_file(cfg.ca_cert)])
        for signal in ("connected", "disconnected", "connection-failed", "resume-successful", "resume-failed",
                       "login-successful"):
            client.subscribe(signal, self._on_signal)
        client.subscribe("stanza-sent", lambda _c, _s, data: self.sent.append(_text(data)))
        client.subscribe("stanza-received", lambda _c, _s, data: self.received.append(_text(data)))
        # Gajim handles messages in StanzaHandlers above nbxmpp's own (priorities 5 and 10 parse the base
        # properties, body included), so by then carbons and MAM results are unwrapped.
        client.register_handler(StanzaHandler(name="message", callback=self._on_message, priority=51))
        self.client = client
        sc.accounts.append(self)

    def _on_signal(self, _client, signal, *args):
        self.events.append((signal, time.monotonic()))

    def _on_message(self, _client, stanza, properties):
        self.messages.append((stanza, properties))

    # -- state --------------------------------------------------------------------------------------------------
    @property
    def jid(self):
        """The bound full JID as a string."""
        return str(self.client.get_bound_jid())

    def event_names(self, since=0):
        return [name for name, _ in self.events[since:]]

    def wait_event(self, wanted, what, since=0, timeout=None):
        """Returns the first of the wanted signals emitted at or after index since."""
        def found():
            for name, _ in self.events[since:]:
                if name in wanted:
                    return name
            return None
        try:
            return wait_for(found, what, timeout or self.cfg.wait)
        except ScenarioFailure as e:
            raise ScenarioFailure(f"{self.label}: {e} (signals: {self.event_names(since) or 'none'})") from None

    # -- session ------------------------------------------------------------------------------------------------
    def login(self, presence=True):
        """Connects, negotiates STARTTLS and SASL, binds, and (like Gajim) sends initial presence."""
        mark = len(self.events)
        self.client.connect()
        name = self.wait_event(("connected", "connection-failed", "disconnected"),
                               "a session (signal 'connected')", since=mark)
        if name != "connected":
            raise ScenarioFailure(f"{self.label}: login ended with '{name}': {self.client.get_error()}")
        check(self.client.is_stream_secure, f"{self.label}: the session is not TLS-protected")
        if presence:
            self.client.send_stanza(Presence())
        step(f"{self.label} logged in as {self.jid}")
        return self

    def disconnect(self, timeout=5):
        """Closes the stream the way Gajim does on sign-off (</stream:stream>, which also ends the XEP-0198
        session) and waits for the close."""
        if self.client.state.name in ("DISCONNECTED", "DISCONNECTING"):
            return
        self.closing = True
        mark = len(self.events)
        self.client.disconnect()
        try:
            self.wait_event(("disconnected", "connection-failed"), "the close", since=mark, timeout=timeout)
        except ScenarioFailure:
            pass

    # -- stanzas ------------------------------------------------------------------------------------------------
    def send_chat(self, to, body):
        """Sends a chat message the way Gajim does (an id and an origin-id, XEP-0359); returns its id."""
        message = Message(to=to, body=body, typ="chat")
        message.setID(generate_id())
        message.setOriginID(message.getID())
        return self.client.send_stanza(message)

    def iq(self, iq, what, timeout=None):
        """Sends an IQ and returns the reply stanza (a result or an error)."""
        replies = []
        self.client.send_stanza(iq, callback=lambda _client, stanza: replies.append(stanza))
        return wait_for(lambda: replies[0] if replies else None, f"{self.label}: a reply to {what}",
                        timeout or self.cfg.wait)

    def call(self, what, request, *args, timeout=None, **kwargs):
        """Runs an nbxmpp task request (a Discovery, MAM or Ping module method) the way Gajim does, with a done
        callback that calls task.finish(); returns the result or raises what finish() raised."""
        outcome = _TaskOutcome()
        request(*args, callback=outcome.done, **kwargs)  # nbxmpp keeps only a weak reference to the callback
        wait_for(lambda: outcome.finished, f"{self.label}: {what}", timeout or self.cfg.wait)
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    def disco_features(self, jid):
        """disco#info features of jid through nbxmpp's Discovery module (XEP-0030 §3.1); an error is empty."""
        try:
            info = self.call(f"disco#info on {jid}", self.client.get_module("Discovery").disco_info, jid)
        except StanzaError:
            return set()
        return set(info.features)

    def ping(self, jid):
        """XEP-0199 ping through nbxmpp's Ping module; an error reply counts as an answer too."""
        try:
            self.call(f"an answer to a ping to {jid}", self.client.get_module("Ping").ping, jid)
        except StanzaError:
            pass

    def wait_message(self, predicate, what, timeout=None):
        """Returns the first (stanza, properties) dispatched to this client that matches predicate."""
        def found():
            for entry in self.messages:
                if predicate(*entry):
                    return entry
            return None
        return wait_for(found, f"{self.label}: {what}", timeout or self.cfg.wait)

    def trace(self, received=8, sent=4):
        lines = []
        for direction, items, last in (("<<", self.received, received), (">>", self.sent, sent)):
            for text in items[-last:] if last else []:
                text = " ".join(text.split())
                lines.append(f"    {self.label} {direction} {text[:400]}")
        return lines


class Scenario:
    def __init__(self, cfg):
        self.cfg = cfg
        self.accounts = []
        self.relays = []

    def token(self, label):
        return f"conformance {label} {self.cfg.run_id} {uuid.uuid4().hex[:8]}"

    def relay(self):
        relay = CuttableRelay(self.cfg.host, self.cfg.port)
        self.relays.append(relay)
        return relay

    def close(self):
        for account in self.accounts:
            try:
                account.disconnect(timeout=3)
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        for relay in self.relays:
            relay.stop()


def run(scenario):
    """Runs scenario(Scenario) under the overall time budget; exits 0 (OK), 1 (FAIL) or 77 (SKIP)."""
    global _deadline
    import logging
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("XMPP_LOG_LEVEL", "ERROR"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = Config()
    _deadline = time.monotonic() + cfg.total
    sc = Scenario(cfg)
    status, verdict = 0, "OK"
    try:
        scenario(sc)
    except ScenarioSkipped as e:
        status, verdict = 77, f"SKIP: {e}"
    except ScenarioFailure as e:
        status, verdict = 1, f"FAIL: {e}"
    except Exception as e:  # noqa: BLE001 - an unexpected library error is a failure with its traceback
        traceback.print_exc()
        status, verdict = 1, f"FAIL: {type(e).__name__}: {e}"
    if status == 1:
        print("  last elements each client read (<<) and wrote (>>):", flush=True)
        for account in sc.accounts:
            for line in account.trace():
                print(line, flush=True)
    _deadline = None
    sc.close()
    print(verdict, flush=True)
    sys.exit(status)
