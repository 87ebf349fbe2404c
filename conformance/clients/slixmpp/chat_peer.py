#!/usr/bin/python3
"""The other side of an end-user client scenario (profanity, finch): logs in as user2 (or --user 1), announces
READY, waits for a chat message from the other account whose body is exactly --expect, then answers the
sender's full JID with --reply. Progress goes to stdout, one event per line, for the driving script to poll:

  READY <own full jid>
  ONLINE <jid>             (with --wait-online JID: that full JID answered an XEP-0199 ping)
  RECEIVED <sender full jid>
  REPLIED
  OK                       (or FAIL: reason)

Stays online after replying for --linger seconds (the driver ends it earlier by PID), so that the reply is
not queued offline and the client sees a live contact.
"""
import argparse
import asyncio
import time
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

from xmpptest import ScenarioFailure, check, is_message, run, step


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--user", type=int, default=2, choices=(1, 2))
    p.add_argument("--expect", required=True, help="exact body expected from the other account")
    p.add_argument("--reply", required=True, help="body sent back to the sender")
    p.add_argument("--resource", default="conformance-peer")
    p.add_argument("--linger", type=float, default=30)
    p.add_argument("--wait-online", metavar="FULLJID",
                   help="ping this full JID until it answers (the client under test is logged in)")
    return p.parse_args()


ARGS = parse_args()


async def wait_online(sc, me, full_jid):
    """Until the client logs in, the server answers a ping to its full JID with an error (RFC 6121 §8.5.3.2);
    once it is online, the client itself answers."""
    deadline = time.monotonic() + sc.cfg.wait
    last = "no reply"
    while time.monotonic() < deadline:
        try:
            await me.iq("get", full_jid, ET.Element("{urn:xmpp:ping}ping"), timeout=3)
            return
        except IqError as e:
            last = e.iq["error"]["condition"]
        except ScenarioFailure as e:
            last = str(e)
        await asyncio.sleep(0.3)
    raise ScenarioFailure(f"{full_jid} did not come online within {sc.cfg.wait:.0f} s (last ping: {last})")


async def scenario(sc):
    me = sc.client(ARGS.user, resource=ARGS.resource)
    await me.login(presence=True)
    other = sc.cfg.jid1 if ARGS.user == 2 else sc.cfg.jid2
    print(f"READY {me.boundjid}", flush=True)
    if ARGS.wait_online:
        await wait_online(sc, me, ARGS.wait_online)
        print(f"ONLINE {ARGS.wait_online}", flush=True)
    m = await me.expect(lambda s: is_message(s) and s["from"].bare == other and s["body"],
                        f"a chat message from {other}", timeout=sc.cfg.total)
    check(m["body"] == ARGS.expect, f"body from {m['from']} is {m['body']!r}, expected {ARGS.expect!r}")
    print(f"RECEIVED {m['from']}", flush=True)
    me.send_message(mto=m["from"], mbody=ARGS.reply, mtype="chat")
    print("REPLIED", flush=True)
    step("lingering until the driver is done")
    await asyncio.sleep(ARGS.linger)


run(scenario)
