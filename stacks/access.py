"""Access stack: admin, shared sender and read-only roles, plus opt-in per-tenant sender roles.

Per-tenant sender roles come from the spec: a tenant whose ``sender_access`` is ``{"role": true}`` gets a role
that may send as that tenant only, with the tenant's own identities, configuration sets and templates.
``sender_access`` may also name ``principals`` (account ids / IAM ARNs) trusted for that tenant's role; the
default is the configured sender principals. ``None`` (the default) means no per-tenant role.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from ses_tenants_constructs.access import TenantAccessRoles, TenantSenderRole
from ses_tenants_engine.model import Spec, TenantSpec

from constructs import Construct
from stacks.config import ConfigError, check_principal_values, principals

#: Per-tenant roles cost two resources and one output each (a stack holds 500 resources and 200 outputs).
MAX_TENANT_SENDER_ROLES = 150


def wants_sender_role(tenant: TenantSpec) -> bool:
    """Whether a tenant opted in to a per-tenant sender role (``sender_access: {role: true}``)."""
    access = tenant.sender_access
    return isinstance(access, dict) and bool(access.get("role"))


def _tenant_principals(tenant: TenantSpec, default: list[iam.IPrincipal]) -> list[iam.IPrincipal]:
    access = tenant.sender_access or {}
    raw = access.get("principals") if isinstance(access, dict) else None
    if not raw:
        return default
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise ConfigError(f"tenant {tenant.name}: sender_access.principals must be a list of account ids or IAM ARNs")
    return principals(check_principal_values(f"tenant {tenant.name} sender_access.principals", tuple(raw)))


class AccessStack(Stack):
    """IAM roles for SES tenants.

    Parameters
    ----------
    scope : Construct
    id : str
    spec : Spec
        The normalized spec (read for opt-in per-tenant sender roles).
    admin_principals, sender_principals, readonly_principals : sequence of iam.IPrincipal
        Trusted principals of each role (never a wildcard).
    **kwargs
        Stack properties.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: Spec,
        admin_principals: Sequence[iam.IPrincipal],
        sender_principals: Sequence[iam.IPrincipal],
        readonly_principals: Sequence[iam.IPrincipal],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.roles = TenantAccessRoles(
            self,
            "Roles",
            admin_principals=admin_principals,
            sender_principals=sender_principals,
            readonly_principals=readonly_principals,
        )
        CfnOutput(self, "AdminRoleArn", value=self.roles.admin_role.role_arn)
        CfnOutput(self, "SenderRoleArn", value=self.roles.sender_role.role_arn)
        CfnOutput(self, "SenderSessionTagKey", value=self.roles.session_tag_key)
        CfnOutput(self, "ReadOnlyRoleArn", value=self.roles.readonly_role.role_arn)

        self.tenant_sender_roles: dict[str, TenantSenderRole] = {}
        opted_in = [t for t in spec.tenants if wants_sender_role(t)]
        if len(opted_in) > MAX_TENANT_SENDER_ROLES:
            raise ConfigError(
                f"{len(opted_in)} tenants ask for their own sender role (sender_access.role); one stack holds at "
                f"most {MAX_TENANT_SENDER_ROLES}. Use the shared sender role (session tag) for the others."
            )
        for tenant in opted_in:
            arns = [r.arn(Aws.PARTITION, Aws.REGION, Aws.ACCOUNT_ID) for r in tenant.resources]
            role = TenantSenderRole(
                self,
                f"Sender-{tenant.name}",
                tenant_name=tenant.name,
                principals=_tenant_principals(tenant, list(sender_principals)),
                resource_arns=arns or None,
            )
            self.tenant_sender_roles[tenant.name] = role
            CfnOutput(role, "RoleArn", value=role.role.role_arn, description=f"sender role of tenant {tenant.name}")
