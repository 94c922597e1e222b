"""Shared AWS plumbing for every ``tenantctl`` command that talks to SES.

Every such command takes ``--endpoint-url`` and ``--region`` (and ``--profile``) and otherwise follows the
standard AWS environment: ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_SESV2``, ``AWS_REGION`` /
``AWS_DEFAULT_REGION`` and ``AWS_PROFILE`` are read by boto3 itself. Clients come from the engine's
:class:`ses_tenants_engine.client.ClientFactory` (adaptive retries, quota guard, call counting), so the
CLI and the Lambda talk to SES the same way.

Usage in a command module::

    def register(sub):
        p = sub.add_parser("status", ...)
        add_aws_arguments(p)
        p.set_defaults(func=run)

    def run(args):
        factory = client_factory(args)
        with aws_errors("reading tenants"):
            ses = factory.sesv2()
            ...
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)
from ses_tenants_engine.client import ClientFactory

from tenantctl.cli import CliError


def add_aws_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--endpoint-url``, ``--region`` and ``--profile`` to a subcommand parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    """
    group = parser.add_argument_group("AWS connection (defaults: the standard AWS environment)")
    group.add_argument(
        "--endpoint-url",
        metavar="URL",
        default=None,
        help="SES endpoint, e.g. http://127.0.0.1:4566 for `tenantctl local` (default: AWS_ENDPOINT_URL or AWS)",
    )
    group.add_argument("--region", metavar="REGION", default=None, help="AWS region (default: AWS_REGION)")
    group.add_argument("--profile", metavar="NAME", default=None, help="AWS profile (default: AWS_PROFILE)")


def client_factory(args: argparse.Namespace) -> ClientFactory:
    """Create the engine's client factory configured from the parsed ``--endpoint-url/--region/--profile``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of a parser that went through :func:`add_aws_arguments`.

    Returns
    -------
    ClientFactory
        Clients with adaptive retries; the endpoint/region fall back to the AWS environment.

    Raises
    ------
    CliError
        If the profile does not exist.
    """
    for source, value in (
        ("--endpoint-url", getattr(args, "endpoint_url", None)),
        ("AWS_ENDPOINT_URL", os.environ.get("AWS_ENDPOINT_URL")),
        ("AWS_ENDPOINT_URL_SESV2", os.environ.get("AWS_ENDPOINT_URL_SESV2")),
    ):
        if value:
            check_endpoint_url(source, value)
    # botocore reads AWS_DEFAULT_REGION (and the profile's region) but not AWS_REGION, which the AWS CLI v2
    # and the other SDKs honour: read it here so every standard environment works.
    factory = ClientFactory.from_env(
        region=getattr(args, "region", None) or os.environ.get("AWS_REGION") or None,
        endpoint_url=getattr(args, "endpoint_url", None) or None,
    )
    profile = getattr(args, "profile", None)
    if profile:
        try:
            factory.session = boto3.session.Session(profile_name=profile)
        except ProfileNotFound as exc:
            raise CliError(f"AWS profile {profile!r} not found (check --profile / AWS_PROFILE)") from exc
    return factory


def check_endpoint_url(source: str, value: str) -> None:
    """Reject an endpoint URL boto3 cannot use, with a one-line message (boto3 itself raises a bare ValueError).

    Parameters
    ----------
    source : str
        Where the value came from (``--endpoint-url`` or an environment variable), for the message.
    value : str
        The URL.

    Raises
    ------
    CliError
        If the value is not an absolute ``http(s)://host[:port]`` URL.
    """
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise CliError(
            f"{source}: {value!r} is not an endpoint URL; expected http(s)://HOST[:PORT], "
            "e.g. http://127.0.0.1:4566 for `tenantctl local`"
        )


def describe_client_error(exc: BaseException) -> str:
    """One line for a botocore/boto3 error, without a traceback.

    Parameters
    ----------
    exc : BaseException
        The error raised by a client call.

    Returns
    -------
    str
        A readable message with a hint where there is an obvious fix.
    """
    if isinstance(exc, NoRegionError):
        return "no AWS region configured: pass --region or set AWS_REGION"
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return "no AWS credentials found: set AWS_PROFILE (or --profile) or the AWS_ACCESS_KEY_ID variables"
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach the SES endpoint ({exc}); is --endpoint-url / AWS_ENDPOINT_URL right?"
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        op = getattr(exc, "operation_name", "") or "call"
        code = err.get("Code", "Error")
        message = err.get("Message", "") or str(exc)
        hint = ""
        if code in ("AccessDenied", "AccessDeniedException", "UnrecognizedClientException"):
            hint = " (the read-only role of the access stack allows every read tenantctl makes)"
        return f"{op} failed: {code}: {message}{hint}"
    if isinstance(exc, BotoCoreError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


@contextlib.contextmanager
def aws_errors(doing: str) -> Iterator[None]:
    """Turn botocore/boto3 errors raised inside the block into a one-line :class:`CliError`.

    Parameters
    ----------
    doing : str
        What the block does, e.g. ``"reading the live tenants"``; prefixed to the message.
    """
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise CliError(f"{doing}: {describe_client_error(exc)}") from exc


def endpoint_of(client: Any) -> str:
    """Return the endpoint URL a client talks to (for messages)."""
    return str(client.meta.endpoint_url)
