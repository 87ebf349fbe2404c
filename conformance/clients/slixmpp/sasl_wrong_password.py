#!/usr/bin/python3
"""A wrong password is refused with a SASL <failure/> (RFC 6120 §6.4.5, condition not-authorized §6.5.10),
and no session is established."""
from xmpptest import SessionRefused, check, run, step


async def scenario(sc):
    c = sc.client(1, resource="conf-badpass", password="wrong-" + sc.cfg.pass1)
    try:
        await c.open_session()
    except SessionRefused as e:
        check(e.kind == "failed_auth", f"expected a SASL failure, got: {e}")
        condition = e.data["condition"]
        check(condition == "not-authorized", f"SASL failure condition is '{condition}', expected 'not-authorized'")
        step("wrong password refused with <not-authorized/>")
        return
    check(False, "logged in with a wrong password")


run(scenario)
