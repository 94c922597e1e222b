"""IAM roles around SES tenants: admin, sender (shared, session-tag pinned) and read-only.

One job: least-privilege access to the tenant API and to tenant-pinned sending.

Sending and SMTP
    ``ses:TenantName`` is a condition key of ``ses:SendEmail`` and ``ses:SendBulkEmail`` only. SMTP (and the
    v1 ``SendRawEmail`` API) authorizes as ``ses:SendRawEmail``, which has no tenant key: a principal allowed
    ``ses:SendRawEmail`` can send as ANY tenant. The sender roles here therefore never grant
    ``ses:SendRawEmail``. SMTP users cannot be pinned to a tenant by IAM: send through the SES v2 API
    (``SendEmail`` with ``TenantName``) from a sender role instead, or keep SMTP credentials in a separate,
    single-tenant account.

Sender roles pin the tenant two ways: ``StringEquals ses:TenantName`` (to the session tag
``aws:PrincipalTag/<session_tag_key>`` for the shared role, to a literal name for a per-tenant role) and
``Null ses:TenantName = false``, which rejects requests that carry no tenant name at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam

from constructs import Construct
from ses_tenants_constructs.arns import associable_resource_arns, ses_arn, tenant_arns
from ses_tenants_constructs.nag import acknowledge, nag_text
from ses_tenants_constructs.permissions import tenant_configuration_statements
from ses_tenants_constructs.provisioner import OWNERSHIP_TAG_KEY

DEFAULT_SESSION_TAG_KEY = "ses-tenant"
SEND_ACTIONS = ("ses:SendEmail", "ses:SendBulkEmail")

_RESOURCE_WILDCARD_REASONS = {
    "tenant": "Tenant ARNs end in an id SES assigns at creation (tenant/<name>/<tn-id>); the role manages "
    "or reads every tenant of this account and region by design.",
    "identity": "Associations (and reads of resource tenants) need the identity ARN; the tenants' resources "
    "are data in tenants.yaml, any identity of the account may be associated.",
    "configuration-set": "Associations (and reads of resource tenants) need the configuration-set ARN; any "
    "configuration set of the account may be associated.",
    "template": "Associations (and reads of resource tenants) need the email-template ARN; any template of "
    "the account may be associated.",
}
_SENDER_WILDCARD_REASONS = {
    "identity": "Shared sender role: the tenant is pinned by ses:TenantName = the caller's session tag (and "
    "requests without a tenant name are rejected); SES itself only lets a tenant send with its associated "
    "identities.",
    "configuration-set": "Shared sender role: configuration sets are authorized per tenant by SES "
    "(associations); the tenant is pinned by the ses:TenantName condition.",
    "template": "Shared sender role: SendBulkEmail needs the template ARN; the tenant is pinned by the "
    "ses:TenantName condition and SES only accepts the tenant's associated templates.",
}


def _wildcard_finding(scope: Construct, resource_type: str) -> str:
    """Return the cdk-nag IAM5 finding id for ``<resource_type>/*`` in the scope's stack."""
    account = "aws" if resource_type == "reputation-policy" else None
    return f"AwsSolutions-IAM5[Resource::{nag_text(scope, ses_arn(scope, resource_type, account=account))}]"


def check_principals(principals: Sequence[iam.IPrincipal], what: str) -> None:
    """Refuse an empty principal list or a wildcard principal.

    Raises
    ------
    ValueError
        If ``principals`` is empty or any principal renders as ``*``.
    """
    if not principals:
        raise ValueError(f"{what}: at least one trusted principal is required")
    for p in principals:
        fragment = p.policy_fragment.principal_json
        for values in fragment.values():
            if any(v == "*" for v in values):
                raise ValueError(f"{what}: a wildcard principal ('*') is never trusted")


def _composite(principals: Sequence[iam.IPrincipal]) -> iam.IPrincipal:
    return principals[0] if len(principals) == 1 else iam.CompositePrincipal(*principals)


def _send_conditions(tenant_value: str) -> dict[str, dict[str, str]]:
    return {
        "StringEquals": {"ses:TenantName": tenant_value},
        "Null": {"ses:TenantName": "false"},
    }


class TenantSenderRole(Construct):
    """A role that may send email as one named tenant only (opt-in, per tenant).

    Parameters
    ----------
    scope : Construct
    id : str
    tenant_name : str
        The tenant this role sends as (``ses:TenantName`` condition).
    principals : sequence of iam.IPrincipal
        Who may assume the role (never a wildcard).
    resource_arns : sequence of str, optional
        Identity / configuration-set / template ARNs the role may send with (the tenant's associated
        resources); default every identity, configuration set and template of the account.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        tenant_name: str,
        principals: Sequence[iam.IPrincipal],
        resource_arns: Sequence[str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        check_principals(principals, f"sender role of tenant {tenant_name}")
        self.tenant_name = tenant_name
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=_composite(principals),
            description=f"ses-tenants: send email as tenant {tenant_name} only (SES v2 API; no SendRawEmail)"[:1000],
        )
        resources = list(resource_arns) if resource_arns else associable_resource_arns(self)
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="SendAsTenant",
                actions=list(SEND_ACTIONS),
                resources=resources,
                conditions=_send_conditions(tenant_name),
            )
        )
        if not resource_arns:
            for key, reason in _SENDER_WILDCARD_REASONS.items():
                acknowledge(self.role, _wildcard_finding(self, key), reason)


class TenantAccessRoles(Construct):
    """Admin, shared sender and read-only roles for SES tenants.

    Parameters
    ----------
    scope : Construct
    id : str
    admin_principals, sender_principals, readonly_principals : sequence of iam.IPrincipal
        Who may assume each role (never a wildcard).
    session_tag_key : str, optional
        Session tag that carries the tenant name for the shared sender role (default ``ses-tenant``).

    Notes
    -----
    - Admin: create/get/list tenants, associate and disassociate resources (with the identity /
      configuration-set / template ARNs), reputation policy (with the ``reputation-policy`` ARN),
      customer-managed status, suppression, tag/untag. Explicit deny of ``ses:DeleteTenant`` (deletions go
      through tenants.yaml and the prune step) and of setting or removing the ownership tag
      ``ses-tenants:deployment`` (which decides what a deployment may delete).
    - Shared sender: ``ses:SendEmail`` / ``ses:SendBulkEmail`` with ``ses:TenantName`` equal to the caller's
      session tag; the trust policy allows ``sts:TagSession`` and requires the tag. The caller chooses the
      tenant when it assumes the role, so trust only principals entitled to send for every tenant; use a
      per-tenant ``TenantSenderRole`` for hard isolation.
    - Read-only: get/list tenants, tenant resources, resource tenants, reputation entities, recommendations.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        admin_principals: Sequence[iam.IPrincipal],
        sender_principals: Sequence[iam.IPrincipal],
        readonly_principals: Sequence[iam.IPrincipal],
        session_tag_key: str = DEFAULT_SESSION_TAG_KEY,
    ) -> None:
        super().__init__(scope, id)
        check_principals(admin_principals, "admin role")
        check_principals(sender_principals, "sender role")
        check_principals(readonly_principals, "read-only role")
        self.session_tag_key = session_tag_key
        tenants = tenant_arns(self)
        resources = associable_resource_arns(self)

        self.admin_role = iam.Role(
            self,
            "AdminRole",
            assumed_by=_composite(admin_principals),
            description="ses-tenants: configure SES tenants (no DeleteTenant; deletions go through tenants.yaml)",
        )
        for s in self._admin_statements():
            self.admin_role.add_to_policy(s)

        self.sender_role = iam.Role(
            self,
            "SenderRole",
            assumed_by=_composite(sender_principals)
            .with_session_tags()
            .with_conditions({"StringLike": {f"aws:RequestTag/{session_tag_key}": "?*"}}),
            description=f"ses-tenants: send as the tenant named by session tag {session_tag_key} (no SendRawEmail)",
        )
        self.sender_role.add_to_policy(
            iam.PolicyStatement(
                sid="SendAsSessionTenant",
                actions=list(SEND_ACTIONS),
                resources=resources,
                conditions=_send_conditions(f"${{aws:PrincipalTag/{session_tag_key}}}"),
            )
        )

        self.readonly_role = iam.Role(
            self,
            "ReadOnlyRole",
            assumed_by=_composite(readonly_principals),
            description="ses-tenants: read SES tenants, their resources, reputation and recommendations",
        )
        for s in self._readonly_statements(tenants, resources):
            self.readonly_role.add_to_policy(s)

        self._acknowledge()

    def _admin_statements(self) -> list[iam.PolicyStatement]:
        return [
            *tenant_configuration_statements(self),
            iam.PolicyStatement(
                sid="DenyDeleteTenant",
                effect=iam.Effect.DENY,
                actions=["ses:DeleteTenant"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="DenyOwnershipTag",
                effect=iam.Effect.DENY,
                actions=["ses:CreateTenant", "ses:TagResource", "ses:UntagResource"],
                resources=["*"],
                conditions={"ForAnyValue:StringEquals": {"aws:TagKeys": [OWNERSHIP_TAG_KEY]}},
            ),
        ]

    @staticmethod
    def _readonly_statements(tenants: str, resources: list[str]) -> list[iam.PolicyStatement]:
        return [
            iam.PolicyStatement(
                sid="ReadTenants",
                actions=[
                    "ses:GetTenant",
                    "ses:ListTenantResources",
                    "ses:GetReputationEntity",
                    "ses:ListReputationEntities",
                ],
                resources=[tenants],
            ),
            iam.PolicyStatement(sid="ReadResourceTenants", actions=["ses:ListResourceTenants"], resources=resources),
            # No resource-level permissions for ListTenants; ListRecommendations covers the whole account.
            iam.PolicyStatement(
                sid="ListTenantsAndRecommendations",
                actions=["ses:ListTenants", "ses:ListRecommendations"],
                resources=["*"],
            ),
        ]

    def _acknowledge(self) -> None:
        for role in (self.admin_role, self.readonly_role):
            for key, reason in _RESOURCE_WILDCARD_REASONS.items():
                acknowledge(role, _wildcard_finding(self, key), reason)
        acknowledge(
            self.admin_role,
            _wildcard_finding(self, "reputation-policy"),
            "UpdateReputationEntityPolicy needs the SES-managed policy ARN (standard|strict|none, account 'aws').",
        )
        acknowledge(
            self.admin_role,
            "AwsSolutions-IAM5[Resource::*]",
            "ses:ListTenants supports no resource-level permissions (IAM service authorization reference).",
        )
        acknowledge(
            self.readonly_role,
            "AwsSolutions-IAM5[Resource::*]",
            "ses:ListTenants supports no resource-level permissions and ses:ListRecommendations lists the "
            "account's recommendations (IAM service authorization reference); both are read-only.",
        )
        for key, reason in _SENDER_WILDCARD_REASONS.items():
            acknowledge(self.sender_role, _wildcard_finding(self, key), reason)
