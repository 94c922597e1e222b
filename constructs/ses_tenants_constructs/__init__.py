"""ses_tenants_constructs: reusable CDK L3 constructs for SES tenants.

- ``TenantProvisioner``: the custom resource (Provider framework) that reconciles tenants to a spec asset.
- ``TenantEventLog``: SES tenant events into a retained log group with a scoped native resource policy.
- ``TenantAccessRoles`` / ``TenantSenderRole``: admin, sender and read-only IAM roles.

The package lives in ``constructs/`` but is named ``ses_tenants_constructs``: a top-level
``constructs/__init__.py`` would shadow the ``constructs`` library that aws-cdk-lib imports.
"""

from ses_tenants_constructs.access import TenantAccessRoles, TenantSenderRole
from ses_tenants_constructs.bundling import LocalPythonBundling, python_code_asset
from ses_tenants_constructs.event_log import LogGroupTarget, TenantEventLog
from ses_tenants_constructs.nag import acknowledge
from ses_tenants_constructs.provisioner import TenantProvisioner

__all__ = [
    "LocalPythonBundling",
    "LogGroupTarget",
    "TenantAccessRoles",
    "TenantEventLog",
    "TenantProvisioner",
    "TenantSenderRole",
    "acknowledge",
    "python_code_asset",
]
