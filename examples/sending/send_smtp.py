#!/usr/bin/env python3
"""Send one email as an SES tenant over SMTP: the ``X-SES-TENANT`` and ``X-SES-CONFIGURATION-SET`` headers.

Over SMTP the tenant and the configuration set travel as message headers; SES reads and removes them.
The same rules as for the API apply: the tenant must exist and be allowed to send, and the from-identity
and the configuration set must be associated with it.

.. warning::
   SMTP sends authorize as ``ses:SendRawEmail``, and ``ses:SendRawEmail`` has **no** ``ses:TenantName``
   condition key. Whoever holds SMTP credentials (an IAM user allowed ``ses:SendRawEmail``) can put ANY
   tenant's name in ``X-SES-TENANT``: the header attributes the send, it does not authorize it. Give SMTP
   credentials only to senders you trust with every tenant, and never grant ``ses:SendRawEmail`` to a role
   that is meant to be pinned to one tenant (use the API and ``ses:SendEmail`` with ``ses:TenantName``
   for that; see send_api.py).

The local endpoint has no SMTP interface, so by default this script only builds the message and prints it
(headers included). With ``--send`` it delivers it over SMTP with STARTTLS, e.g. to SES's SMTP endpoint
``email-smtp.<region>.amazonaws.com:587`` with SMTP credentials (not your AWS access keys)::

    python examples/sending/send_smtp.py --tenant globex --from alerts@mail.globex.example \\
        --configuration-set globex-transactional                      # print only
    SMTP_USERNAME=... SMTP_PASSWORD=... python examples/sending/send_smtp.py --send --region us-east-1 \\
        --tenant globex --from alerts@mail.globex.example --configuration-set globex-transactional
"""

from __future__ import annotations

import argparse
import os
import smtplib
import ssl
import sys
from email.message import EmailMessage

SIMULATOR_SUCCESS = "success@simulator.amazonses.com"
TENANT_HEADER = "X-SES-TENANT"
CONFIGURATION_SET_HEADER = "X-SES-CONFIGURATION-SET"


def build_message(
    *,
    tenant: str,
    from_address: str,
    configuration_set: str,
    to: str = SIMULATOR_SUCCESS,
    subject: str = "Hello from an SES tenant over SMTP",
    text: str = "Sent with X-SES-TENANT and X-SES-CONFIGURATION-SET.",
) -> EmailMessage:
    """The MIME message with the tenant and configuration-set headers SES reads on SMTP sends."""
    msg = EmailMessage()
    msg["From"] = from_address
    msg["To"] = to
    msg["Subject"] = subject
    msg[TENANT_HEADER] = tenant
    msg[CONFIGURATION_SET_HEADER] = configuration_set
    msg.set_content(text)
    return msg


def deliver(
    msg: EmailMessage,
    *,
    host: str,
    port: int,
    username: str | None,
    password: str | None,
    starttls: bool = True,
    timeout: float = 30.0,
) -> None:
    """Send ``msg`` over SMTP (STARTTLS and login when credentials are given)."""
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        smtp.ehlo()
        if starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if username and password:
            smtp.login(username, password)
        smtp.send_message(msg)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tenant", required=True, help="tenant name (X-SES-TENANT)")
    p.add_argument("--from", dest="from_address", required=True, help="from address of an associated identity")
    p.add_argument("--configuration-set", required=True, help="an associated configuration set")
    p.add_argument("--to", default=SIMULATOR_SUCCESS, help=f"recipient (default {SIMULATOR_SUCCESS})")
    p.add_argument("--send", action="store_true", help="deliver over SMTP (default: print the message only)")
    p.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"), help="SES region for the host")
    p.add_argument("--host", help="SMTP host (default email-smtp.REGION.amazonaws.com)")
    p.add_argument("--port", type=int, default=587, help="SMTP port (default 587, STARTTLS)")
    p.add_argument("--no-starttls", action="store_true", help="plain SMTP (test servers only; SES requires TLS)")
    args = p.parse_args(argv)

    msg = build_message(
        tenant=args.tenant, from_address=args.from_address, configuration_set=args.configuration_set, to=args.to
    )
    if not args.send:
        sys.stdout.write(msg.as_string())
        print("\n(not sent: pass --send with SMTP_USERNAME / SMTP_PASSWORD to deliver it over SMTP)", file=sys.stderr)
        return 0
    host = args.host or f"email-smtp.{args.region}.amazonaws.com"
    try:
        deliver(
            msg,
            host=host,
            port=args.port,
            username=os.environ.get("SMTP_USERNAME"),
            password=os.environ.get("SMTP_PASSWORD"),
            starttls=not args.no_starttls,
        )
    except (smtplib.SMTPException, OSError) as exc:
        print(f"SMTP send as tenant {args.tenant!r} via {host}:{args.port} failed: {exc}", file=sys.stderr)
        return 1
    print(f"sent as tenant {args.tenant!r} via {host}:{args.port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
