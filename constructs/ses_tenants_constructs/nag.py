"""Acknowledging cdk-nag findings (cdk-nag 3 reads CDK's native ``Validations`` acknowledgements)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations

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
