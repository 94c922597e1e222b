"""The Lambda asset: built without Docker, the handler runs from it with only the stdlib and the bundled boto3."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from engine_support import BUCKET, event, spec_of, tenant
from ses_tenants_constructs.bundling import LocalPythonBundling

import seslocal
import seslocal.server

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "lambda" / "ses_tenants_engine"
PREBUILT = REPO / "build" / "lambda-deps"

RUNNER = """
import json, sys
asset = sys.argv[1]
sys.path.insert(0, asset)
from ses_tenants_engine import handler
import boto3, botocore

class Ctx:
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:SesTenants-Provisioner"
    log_group_name = "/aws/lambda/SesTenants-Provisioner"
    log_stream_name = "s"
    def get_remaining_time_in_millis(self):
        return 120000

event = json.loads(sys.argv[2])
response = handler.on_event(event, Ctx())
done = handler.is_complete({**event, **response}, Ctx())
stdlib = sys.stdlib_module_names
engine_modules = sorted(m for m in sys.modules if m.split(".")[0] not in stdlib and not m.startswith("__"))
print(json.dumps({
    "files": [handler.__file__, boto3.__file__, botocore.__file__],
    "response": response,
    "done": done,
    "third_party": sorted({m.split(".")[0] for m in engine_modules}),
}))
"""


def test_engine_imports_only_stdlib_and_boto3():
    allowed = set(sys.stdlib_module_names) | {"boto3", "botocore"}
    for path in sorted(ENGINE.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: inside the package
                    continue
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed, f"{path.name}:{node.lineno} imports {roots - allowed}"


@pytest.mark.skipif(not (PREBUILT / "boto3").is_dir(), reason="make install builds build/lambda-deps")
def test_handler_runs_from_the_built_asset(tmp_path):
    asset = tmp_path / "asset"
    asset.mkdir()
    assert LocalPythonBundling(REPO / "lambda", ("ses_tenants_engine",), prebuilt_deps_dir=PREBUILT).try_bundle(
        str(asset), None
    )
    seslocal.install()
    seslocal.configure()
    with seslocal.server.running(port=0) as url:
        ses = boto3.client("sesv2", endpoint_url=url, region_name="us-east-1")
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
        ses.create_email_identity(EmailIdentity="example.com")
        s3.create_bucket(Bucket=BUCKET)
        spec = spec_of(tenant("from-asset", reputation_policy="strict"))
        s3.put_object(Bucket=BUCKET, Key="asset-spec.json", Body=spec.dumps().encode())
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV")) and k != "AWS_PROFILE"
        }
        env.update(AWS_ENDPOINT_URL=url, AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1")
        # -S: no site-packages (no editable install, no venv packages): only the stdlib and the asset.
        proc = subprocess.run(
            [sys.executable, "-S", "-c", RUNNER, str(asset), json.dumps(event("create", key="asset-spec.json"))],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        assert all(f.startswith(str(asset)) for f in out["files"]), out["files"]
        assert out["response"]["PhysicalResourceId"] == "ses-tenants:acme:reconcile"
        assert out["response"]["Data"]["Created"] == 1 and out["done"] == {"IsComplete": True}
        # Only boto3 and its own dependencies were imported besides the engine and the stdlib.
        assert set(out["third_party"]) <= {
            "ses_tenants_engine",
            "boto3",
            "botocore",
            "s3transfer",
            "jmespath",
            "dateutil",
            "urllib3",
            "six",
        }, out["third_party"]
        arn = ses.get_tenant(TenantName="from-asset")["Tenant"]["TenantArn"]
        policy = ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=arn)[
            "ReputationEntity"
        ]["ReputationManagementPolicy"]
        assert policy.endswith("/strict")
