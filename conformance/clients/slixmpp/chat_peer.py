#!/usr/bin/python3
"""The other side of an end-user client scenario (profanity, finch): logs in as user2 (or --user 1), announces
READY, waits for a chat message from the other account whose body is exactly --expect, then answers the
sender's full JID with --reply. Progress goes to stdout, one event per line, for the driving script to poll:

  READY <own full jid>
  RECEIVED <sender full jid>
  REPLIED
  OK                       (or FAIL: reason)

Stays online after replying for --linger seconds (the driver ends it earlier by PID), so that the reply is
not queued offline and the client sees a live contact.
"""
import argparse
import asyncio

from xmpptest import check, is_message, run, step


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--user", type=int, default=2, choices=(1, 2))
    p.add_argument("--expect", required=True, help="exact body expected from the other account")
    p.add_argument("--reply", required=True, help="body sent back to the sender")
    p.add_argument("--resource", default="conformance-peer")
    p.add_argument("--linger", type=float, default=30)
    return p.parse_args()


ARGS = parse_args()


async def scenario(sc):
    me = sc.client(ARGS.user, resource=ARGS.resource)
    await me.login(presence=True)
    other = sc.cfg.jid1 if ARGS.user == 2 else sc.cfg.jid2
    print(f"READY {me.boundjid}", flush=True)
    m = await me.expect(lambda s: is_message(s) and s["from"].bare == other and s["body"],
                        f"a chat message from {other}", timeout=sc.cfg.total)
    check(m["body"] == ARGS.expect, f"body from {m['from']} is {m['body']!r}, expected {ARGS.expect!r}")
    print(f"RECEIVED {m['from']}", flush=True)
    me.send_message(mto=m["from"], mbody=ARGS.reply, mtype="chat")
    print("REPLIED", flush=True)
    step("lingering until the driver is done")
    await asyncio.sleep(ARGS.linger)


run(scenario)
