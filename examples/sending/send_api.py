#!/usr/bin/env python3
"""Send one email as an SES tenant through the SES v2 API (boto3 ``SendEmail`` with ``TenantName``).

SES accepts a send that names a tenant only when the tenant exists, its aggregate sending status is not
DISABLED, and every resource the send uses -- the from-identity, the configuration set and the template,
if any -- is associated with that tenant. Name the configuration set explicitly: a send that relies on the
identity's default configuration set still has to have that set associated.

IAM: the sender needs ``ses:SendEmail`` on the identity, the configuration set and the tenant ARN; the
condition key ``ses:TenantName`` lets a role send only as its own tenant (the access stack's per-tenant
sender roles do exactly this).

Run it against the local endpoint (``tenantctl local`` in another terminal, then ``tenantctl apply``)::

    python examples/sending/send_api.py --endpoint-url http://127.0.0.1:4566 \\
        --tenant globex --from alerts@mail.globex.example --configuration-set globex-transactional

or against SES with your usual AWS credentials (drop ``--endpoint-url``). The default recipient is the SES
mailbox simulator's success address, which is delivered without affecting your reputation.
"""

from __future__ import annotations

import argparse
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError

SIMULATOR_SUCCESS = "success@simulator.amazonses.com"


def send(
    ses,
    *,
    tenant: str,
    from_address: str,
    configuration_set: str,
    to: str = SIMULATOR_SUCCESS,
    subject: str = "Hello from an SES tenant",
    text: str = "Sent with TenantName and ConfigurationSetName.",
) -> str:
    """Send one simple message as ``tenant``; return the SES message id."""
    response = ses.send_email(
        FromEmailAddress=from_address,
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": subject}, "Body": {"Text": {"Data": text}}}},
        ConfigurationSetName=configuration_set,
        TenantName=tenant,
    )
    return response["MessageId"]


def send_templated(
    ses,
    *,
    tenant: str,
    from_address: str,
    configuration_set: str,
    template: str,
    data: str = "{}",
    to: str = SIMULATOR_SUCCESS,
) -> str:
    """Send with a stored template (the template must be associated with the tenant too)."""
    response = ses.send_email(
        FromEmailAddress=from_address,
        Destination={"ToAddresses": [to]},
        Content={"Template": {"TemplateName": template, "TemplateData": data}},
        ConfigurationSetName=configuration_set,
        TenantName=tenant,
    )
    return response["MessageId"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tenant", required=True, help="tenant name (TenantName)")
    p.add_argument("--from", dest="from_address", required=True, help="from address of an associated identity")
    p.add_argument("--configuration-set", required=True, help="an associated configuration set")
    p.add_argument("--template", help="send with this stored template (must be associated too)")
    p.add_argument("--template-data", default="{}", help="template data as JSON")
    p.add_argument("--to", default=SIMULATOR_SUCCESS, help=f"recipient (default {SIMULATOR_SUCCESS})")
    p.add_argument("--endpoint-url", help="e.g. http://127.0.0.1:4566 for the local endpoint")
    p.add_argument("--region", help="AWS region (default: the AWS environment)")
    args = p.parse_args(argv)

    ses = boto3.client("sesv2", endpoint_url=args.endpoint_url, region_name=args.region)
    try:
        if args.template:
            message_id = send_templated(
                ses,
                tenant=args.tenant,
                from_address=args.from_address,
                configuration_set=args.configuration_set,
                template=args.template,
                data=args.template_data,
                to=args.to,
            )
        else:
            message_id = send(
                ses,
                tenant=args.tenant,
                from_address=args.from_address,
                configuration_set=args.configuration_set,
                to=args.to,
            )
    except ClientError as exc:
        err = exc.response.get("Error", {})
        print(f"send as tenant {args.tenant!r} rejected: {err.get('Code')}: {err.get('Message')}", file=sys.stderr)
        return 1
    except BotoCoreError as exc:
        print(f"send failed: {exc}", file=sys.stderr)
        return 1
    print(f"sent as tenant {args.tenant!r}: MessageId {message_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
