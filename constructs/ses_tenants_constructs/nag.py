"""Acknowledging cdk-nag findings (cdk-nag 3 reads CDK's native ``Validations`` acknowledgements)."""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations

from constructs import IConstruct


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on ``scope`` (and everything below it).

    Parameters
    ----------
    scope : IConstruct
        The construct the finding concerns; keep it as specific as possible.
    rule_id : str
        The finding id, e.g. ``AwsSolutions-SQS3`` or, for rules that report several findings per resource,
        ``AwsSolutions-IAM5[Resource::*]`` (the cdk-nag 3 form of v2's ``applies_to``).
    reason : str
        Why the finding is acceptable; must not be empty.

    Raises
    ------
    ValueError
        If the reason is empty.
    """
    if not reason.strip():
        raise ValueError(f"acknowledgement of {rule_id} needs a reason")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return f"<{arg}>"
        if fn == "Fn::GetAtt":
            return f"<{'.'.join(arg)}>"
        if fn == "Fn::Join":
            return str(arg[0]).join(_render(p) for p in arg[1])
        if fn == "Fn::Sub" and isinstance(arg, str):
            return re.sub(r"\$\{([^}]+)\}", r"<\1>", arg)
    raise ValueError(f"cannot render {value!r} for a cdk-nag finding id")


def nag_text(scope: IConstruct, value: str) -> str:
    """Render a value (possibly holding tokens) the way cdk-nag prints it in finding ids.

    ``Ref`` becomes ``<Name>``, ``Fn::GetAtt`` ``<Name.Attr>``, ``${X}`` in ``Fn::Sub`` ``<X>``; literals stay
    literal, so the same code acknowledges the same finding in environment-agnostic stacks
    (``arn:<AWS::Partition>:ses:<AWS::Region>:...``) and in stacks with a concrete account and region.

    Parameters
    ----------
    scope : IConstruct
        A construct of the stack that resolves the tokens.
    value : str
        E.g. an ARN built with ``Stack.format_arn``.

    Returns
    -------
    str
    """
    return _render(Stack.of(scope).resolve(value))
