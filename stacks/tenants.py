"""Tenants stack: the provisioner custom resources that reconcile SES tenants to the spec.

Ordering of irreversible deletions
    DeleteTenant is irreversible (a tenant's id and reputation history cannot be recreated), so it runs in the
    prune step, after everything else of the deployment has succeeded:

    - this stack depends on the monitoring and access stacks (``run_after``), so CloudFormation deploys them
      first and the tenants stack only starts once they are complete; the event log also exists before the
      first tenant does, so no event of a new tenant is missed;
    - inside this stack, the prune custom resource depends on the reconcile custom resource and on every other
      construct of the stack.

    We chose stack dependencies over a separate "stage-final" stack holding only the prune resource: the prune
    step shares the reconcile step's Provider and Lambda (one place for the spec asset and permissions), and a
    failed reconcile stops the stack before the prune resource is touched. A dependency across stacks also
    means ``cdk deploy <prefix>-Tenants`` deploys the other two first.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from ses_tenants_constructs.bundling import python_code_asset
from ses_tenants_constructs.provisioner import TenantProvisioner, handler_function_names
from ses_tenants_engine.model import Spec

from constructs import Construct

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDA_SOURCE_DIR = REPO_ROOT / "lambda"
LAMBDA_DEPS_DIR = REPO_ROOT / "build" / "lambda-deps"
LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_14


def engine_code(source_dir: Path = LAMBDA_SOURCE_DIR, prebuilt_deps_dir: Path = LAMBDA_DEPS_DIR) -> lambda_.Code:
    """Return the engine code asset: ``lambda/ses_tenants_engine`` plus the pinned boto3 (bundled locally)."""
    return python_code_asset(
        source_dir,
        ("ses_tenants_engine",),
        LAMBDA_RUNTIME,
        requirements_file="requirements.txt",
        prebuilt_deps_dir=prebuilt_deps_dir,
    )


class TenantsStack(Stack):
    """Provision SES tenants from the normalized spec.

    Parameters
    ----------
    scope : Construct
    id : str
    spec : Spec
        The validated, normalized spec (shipped as an S3 asset).
    run_after : sequence of Stack, optional
        Stacks that must be deployed before this one (monitoring, access): see the module docstring.
    log_retention : logs.RetentionDays, optional
        Retention of the provisioner's log group.
    code : aws_lambda.Code, optional
        Engine code (default ``engine_code()``).
    **kwargs
        Stack properties.

    Notes
    -----
    The handler functions are named after the stack (``provisioner_function_names``) so the monitoring stack
    can watch them by name: a cross-stack reference from monitoring to this stack would make monitoring
    depend on it, the opposite of the order the prune step needs.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: Spec,
        run_after: Sequence[Stack] = (),
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
        code: lambda_.Code | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        for other in run_after:
            self.add_stack_dependency(
                other, "tenant deletions (prune step) run after monitoring and access are deployed"
            )
        self.provisioner = TenantProvisioner(
            self,
            "Provisioner",
            spec_document=spec.dumps(),
            deployment=spec.deployment,
            code=code or engine_code(),
            runtime=LAMBDA_RUNTIME,
            log_retention=log_retention,
            function_name_prefix=self.stack_name,
        )
        self.provisioner_function_names = handler_function_names(self.stack_name)
        CfnOutput(self, "SpecHash", value=self.provisioner.spec_asset.asset_hash)
        CfnOutput(self, "ProvisionerLogGroup", value=self.provisioner.log_group.log_group_name)
        # Anything else added to this stack must be in place before tenants are deleted.
        self.provisioner.prune_after(
            *[c for c in self.node.children if c is not self.provisioner and not isinstance(c, CfnOutput)]
        )
