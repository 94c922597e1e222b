"""`make demo`: provision the example tenants.yaml end to end, offline.

1. ``cdk synth`` (the pinned CLI, cdk-nag applied) of ``tenants.yaml`` and of the edited copy
   ``examples/demo/tenants.updated.yaml``.
2. Start the local SES v2 endpoint (``tenantctl local``) as its own process, create in it the identities,
   configuration sets and templates the example references, and upload the synthesized spec assets to the
   endpoint's S3 at the bucket/key the template names.
3. Run the synthesized custom resources' own Lambda code (from ``cdk.out/asset.<hash>``) with a CloudFormation
   **Create** event (reconcile, then the prune step), print what was done and the live state.
4. Print the reviewer's plan for the edit, run the **Update** events (OldResourceProperties = the first
   synth), print the result.
5. Check the live state against the edited file independently of the engine; exit 1 on any mismatch.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".demo"
ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
CREATE_FILE = ROOT / "tenants.yaml"
UPDATE_FILE = ROOT / "examples" / "demo" / "tenants.updated.yaml"

BOLD = "\033[1m" if sys.stdout.isatty() else ""
RESET = "\033[0m" if sys.stdout.isatty() else ""


def banner(text: str) -> None:
    print(f"\n{BOLD}== {text}{RESET}", flush=True)


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, text=True, **kw)


# --------------------------------------------------------------------------------------------- synth


def synth(spec_file: Path, outdir: Path) -> Path:
    """Run the real CDK CLI; returns the cloud assembly folder."""
    cdk = ROOT / "node_modules" / ".bin" / "cdk"
    # `environments=[]`: the demo deploys the single default environment even when cdk.json lists several.
    cmd = [str(cdk), "synth", "--quiet", "--no-notices", "-o", str(outdir), "-c", f"tenants={spec_file}",
           "-c", "environments=[]"]
    print("$ " + " ".join(cmd[0:1] and ["cdk", *cmd[1:]]), flush=True)
    proc = run(cmd, capture_output=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"demo: cdk synth failed for {spec_file} (exit {proc.returncode})")
    return outdir


def resolve(value: Any) -> Any:
    """Resolve the few intrinsics an asset location uses (Fn::Sub / Ref of pseudo parameters)."""
    pseudo = {
        "AWS::AccountId": ACCOUNT,
        "AWS::Region": REGION,
        "AWS::Partition": PARTITION,
        "AWS::URLSuffix": "amazonaws.com",
    }
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        text = value["Fn::Sub"]
        for k, v in pseudo.items():
            text = text.replace("${" + k + "}", v)
        if "${" in text:
            raise SystemExit(f"demo: cannot resolve {value}")
        return text
    if isinstance(value, dict) and value.get("Ref") in pseudo:
        return pseudo[value["Ref"]]
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(resolve(p) for p in parts)
    raise SystemExit(f"demo: cannot resolve {value!r}")


class Assembly:
    """What the demo needs from a synthesized cloud assembly."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.stacks: dict[str, dict[str, Any]] = {}
        self.asset_sources: dict[str, Path] = {}
        for tpl in sorted(outdir.rglob("*.template.json")):
            self.stacks[tpl.name.removesuffix(".template.json")] = json.loads(tpl.read_text())
        for manifest in sorted(outdir.rglob("*.assets.json")):
            data = json.loads(manifest.read_text())
            for entry in data.get("files", {}).values():
                src = manifest.parent / entry["source"]["path"]
                for dest in entry["destinations"].values():
                    self.asset_sources[dest["objectKey"]] = src

    def custom_resources(self) -> dict[str, dict[str, Any]]:
        """Custom resources carrying a spec (by Mode: reconcile / prune)."""
        found: dict[str, dict[str, Any]] = {}
        for stack, tpl in self.stacks.items():
            for logical_id, res in tpl.get("Resources", {}).items():
                props = res.get("Properties", {})
                if "SpecKey" in props and "Mode" in props:
                    found[props["Mode"]] = {
                        "stack": stack,
                        "logical_id": logical_id,
                        "type": res["Type"],
                        "props": props,
                    }
        return found

    def handler_asset(self) -> Path:
        for tpl in self.stacks.values():
            for res in tpl.get("Resources", {}).values():
                props = res.get("Properties", {})
                if res["Type"] == "AWS::Lambda::Function" and str(props.get("Handler", "")).startswith(
                    "ses_tenants_engine.handler"
                ):
                    key = resolve(props["Code"]["S3Key"])
                    return self.asset_sources[key]
        raise SystemExit("demo: no ses_tenants_engine Lambda function in the synthesized templates")


# --------------------------------------------------------------------------------------------- endpoint


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_endpoint() -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    tenantctl = ROOT / ".venv" / "bin" / "tenantctl"
    proc = subprocess.Popen(
        [str(tenantctl), "local", "--port", str(port)],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"demo: local endpoint exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                print(f"local SES v2 endpoint (tenantctl local) listening on {url}")
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("demo: local endpoint did not start within 30 s")


def clients(url: str) -> tuple[Any, Any]:
    session = boto3.session.Session(aws_access_key_id="demo", aws_secret_access_key="demo", region_name=REGION)
    ses = session.client("sesv2", endpoint_url=url)
    s3 = session.client("s3", endpoint_url=url, config=Config(s3={"addressing_style": "path"}))
    return ses, s3


def create_referenced_resources(ses: Any, spec_files: list[Path]) -> None:
    """Create every identity, configuration set and template the spec files reference."""
    from tenantctl.loader import load_spec

    kinds: dict[str, set[str]] = {"EMAIL_IDENTITY": set(), "CONFIGURATION_SET": set(), "EMAIL_TEMPLATE": set()}
    for f in spec_files:
        for t in load_spec(f).spec.tenants:
            for r in t.resources:
                kinds[r.type].add(r.name)
    for name in sorted(kinds["EMAIL_IDENTITY"]):
        ses.create_email_identity(EmailIdentity=name)
    for name in sorted(kinds["CONFIGURATION_SET"]):
        ses.create_configuration_set(ConfigurationSetName=name)
    for name in sorted(kinds["EMAIL_TEMPLATE"]):
        ses.create_email_template(
            TemplateName=name,
            TemplateContent={
                "Subject": f"{name} {{{{subject}}}}",
                "Text": "Hello {{name}}",
                "Html": "<p>Hello {{name}}</p>",
            },
        )
    print(
        f"created in the local endpoint: {len(kinds['EMAIL_IDENTITY'])} identities, "
        f"{len(kinds['CONFIGURATION_SET'])} configuration sets, {len(kinds['EMAIL_TEMPLATE'])} templates"
    )


def upload_spec(s3: Any, asm: Assembly, props: dict[str, Any]) -> None:
    bucket, key = resolve(props["SpecBucket"]), resolve(props["SpecKey"])
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=asm.asset_sources[key].read_bytes())
    print(f"uploaded spec asset s3://{bucket}/{key}")


# --------------------------------------------------------------------------------------------- lambda


def invoke(
    asset: Path, url: str, request: str, cr: dict[str, Any], old: dict[str, Any] | None, physical: str | None
) -> str | None:
    """Run one event through the asset's handler; returns the PhysicalResourceId, or None on failure."""
    event: dict[str, Any] = {
        "RequestType": request,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider-framework-onEvent",
        "ResponseURL": "https://cloudformation-custom-resource-response.example/demo",
        "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{cr['stack']}/{uuid.uuid4()}",
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": cr["logical_id"],
        "ResourceType": cr["type"],
        "ResourceProperties": {k: resolve(v) if k.startswith("Spec") else v for k, v in cr["props"].items()},
    }
    if old is not None:
        event["OldResourceProperties"] = {k: resolve(v) if k.startswith("Spec") else v for k, v in old.items()}
    if physical:
        event["PhysicalResourceId"] = physical
    event_file = WORK / f"event-{request.lower()}-{cr['props']['Mode']}.json"
    event_file.write_text(json.dumps(event, indent=2, default=str))
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "PYTHONPATH": "",
    }
    env.pop("AWS_PROFILE", None)
    print(
        f"-- {request} event -> {cr['logical_id']} (Mode={cr['props']['Mode']}), "
        f"Lambda code from {asset.relative_to(ROOT)}"
    )
    proc = run(
        [sys.executable, str(ROOT / "scripts" / "lambda_runner.py"), str(asset), str(event_file)],
        env=env,
        capture_output=True,
    )
    returned = None
    for line in (proc.stdout + proc.stderr).splitlines():
        print("   " + line)
        if line.startswith('{"call": "onEvent"'):
            returned = json.loads(line)["response"].get("PhysicalResourceId")
    return returned if proc.returncode == 0 else None


# --------------------------------------------------------------------------------------------- live state


def read_live(ses: Any) -> dict[str, dict[str, Any]]:
    """Read every tenant's state straight from the endpoint (independent of the engine)."""
    live: dict[str, dict[str, Any]] = {}
    for page in ses.get_paginator("list_tenants").paginate():
        for info in page["Tenants"]:
            t = ses.get_tenant(TenantName=info["TenantName"])["Tenant"]
            rep = ses.get_reputation_entity(ReputationEntityType="RESOURCE", ReputationEntityReference=t["TenantArn"])[
                "ReputationEntity"
            ]
            resources = set()
            for rpage in ses.get_paginator("list_tenant_resources").paginate(TenantName=t["TenantName"]):
                resources |= {(r["ResourceType"], r["ResourceArn"]) for r in rpage["TenantResources"]}
            sup = t.get("SuppressionAttributes") or {}
            live[t["TenantName"]] = {
                "id": t["TenantId"],
                "policy": rep.get("ReputationManagementPolicy", "").rsplit("/", 1)[-1],
                "customer_status": (rep.get("CustomerManagedStatus") or {}).get("Status"),
                "ses_status": (rep.get("AwsSesManagedStatus") or {}).get("Status"),
                "aggregate": rep.get("SendingStatusAggregate"),
                "tags": {tag["Key"]: tag["Value"] for tag in t.get("Tags", [])},
                "resources": resources,
                "suppression": (sup.get("SuppressionScope"), tuple(sorted(sup.get("SuppressedReasons", []))))
                if sup.get("SuppressionScope")
                else None,
            }
    return live


def print_live(live: dict[str, dict[str, Any]]) -> None:
    short = {"EMAIL_IDENTITY": "identity", "CONFIGURATION_SET": "config-set", "EMAIL_TEMPLATE": "template"}
    for name in sorted(live):
        t = live[name]
        print(
            f"  {name:<24} {t['id']:<22} policy={t['policy']:<8} sending={t['customer_status']}/"
            f"{t['ses_status']} -> {t['aggregate']}"
            + (f"  suppression={t['suppression'][0]}:{','.join(t['suppression'][1])}" if t["suppression"] else "")
        )
        for rtype, arn in sorted(t["resources"]):
            print(f"      {short.get(rtype, rtype):<11} {arn.split(':', 5)[5].split('/', 1)[1]}")
        tags = {k: v for k, v in t["tags"].items()}
        print(f"      tags        {json.dumps(tags, sort_keys=True)}")


def check(spec_file: Path, live: dict[str, dict[str, Any]]) -> list[str]:
    """Compare the live state with the file; returns mismatches (empty list = converged)."""
    from ses_tenants_engine.model import OWNERSHIP_TAG_KEY

    from tenantctl.loader import load_spec

    spec = load_spec(spec_file).spec
    problems = []
    wanted = {t.name: t for t in spec.tenants}
    for name, t in wanted.items():
        got = live.get(name)
        if got is None:
            problems.append(f"{name}: missing")
            continue
        if got["policy"] != t.reputation_policy:
            problems.append(f"{name}: policy {got['policy']} != {t.reputation_policy}")
        if got["customer_status"] != t.sending:
            problems.append(f"{name}: sending {got['customer_status']} != {t.sending}")
        want_res = {(r.type, r.arn(PARTITION, REGION, ACCOUNT)) for r in t.resources}
        if got["resources"] != want_res:
            problems.append(f"{name}: resources {sorted(got['resources'])} != {sorted(want_res)}")
        for k, v in t.tags.items():
            if got["tags"].get(k) != v:
                problems.append(f"{name}: tag {k}={got['tags'].get(k)!r} != {v!r}")
        if got["tags"].get(OWNERSHIP_TAG_KEY) != spec.deployment:
            problems.append(f"{name}: ownership tag missing")
        want_sup = (t.suppression.scope, tuple(sorted(t.suppression.reasons))) if t.suppression else None
        if got["suppression"] != want_sup:
            problems.append(f"{name}: suppression {got['suppression']} != {want_sup}")
    for name, got in live.items():
        if name not in wanted and got["tags"].get(OWNERSHIP_TAG_KEY) == spec.deployment:
            problems.append(f"{name}: owned by {spec.deployment} but not in the file (should be deleted)")
    return problems


def print_plan(new: Path, old: Path) -> None:
    tenantctl = ROOT / ".venv" / "bin" / "tenantctl"
    proc = run(
        [str(tenantctl), "plan", str(new.relative_to(ROOT)), "--against", str(old.relative_to(ROOT))],
        capture_output=True,
    )
    print(proc.stdout.rstrip() or proc.stderr.rstrip())


# --------------------------------------------------------------------------------------------- main


def main() -> int:
    WORK.mkdir(exist_ok=True)
    banner("1. cdk synth (cdk-nag AwsSolutions checks applied) of tenants.yaml and of the edited copy")
    create_asm = Assembly(synth(CREATE_FILE, WORK / "cdk.out.create"))
    update_asm = Assembly(synth(UPDATE_FILE, WORK / "cdk.out.update"))
    create_crs, update_crs = create_asm.custom_resources(), update_asm.custom_resources()
    if set(create_crs) != {"reconcile", "prune"}:
        raise SystemExit(f"demo: expected reconcile and prune custom resources, found {sorted(create_crs)}")
    print(
        f"stacks: {', '.join(sorted(create_asm.stacks))}; custom resources: "
        + ", ".join(f"{m}={cr['stack']}/{cr['logical_id']}" for m, cr in sorted(create_crs.items()))
    )
    asset = create_asm.handler_asset()

    banner("2. local SES v2 endpoint")
    endpoint, url = start_endpoint()
    try:
        ses, s3 = clients(url)
        create_referenced_resources(ses, [CREATE_FILE, UPDATE_FILE])
        for cr in create_crs.values():
            upload_spec(s3, create_asm, cr["props"])
        for cr in update_crs.values():
            upload_spec(s3, update_asm, cr["props"])

        banner("3. CloudFormation Create: the synthesized Lambda reconciles tenants.yaml")
        physical: dict[str, str | None] = {}
        for mode in ("reconcile", "prune"):
            physical[mode] = invoke(asset, url, "Create", create_crs[mode], None, None)
        if not all(physical.values()):
            print("demo: the Create event failed")
            return 1
        print("live state after Create:")
        live = read_live(ses)
        print_live(live)
        problems = check(CREATE_FILE, live)
        if problems:
            print("demo: live state does not match tenants.yaml:\n  " + "\n  ".join(problems))
            return 1

        banner(f"4. plan for the edit ({UPDATE_FILE.relative_to(ROOT)} against tenants.yaml)")
        print_plan(UPDATE_FILE, CREATE_FILE)

        banner("5. CloudFormation Update (OldResourceProperties = the first synth)")
        for mode in ("reconcile", "prune"):
            after = invoke(asset, url, "Update", update_crs[mode], create_crs[mode]["props"], physical[mode])
            if after != physical[mode]:
                print(f"demo: the Update event failed or changed the physical id ({physical[mode]} -> {after})")
                return 1
        print("live state after Update:")
        live = read_live(ses)
        print_live(live)

        banner("6. check: live state == the edited file")
        problems = check(UPDATE_FILE, live)
        if problems:
            print("MISMATCH:\n  " + "\n  ".join(problems))
            return 1
        print(f"OK: {len(live)} tenants in the endpoint match {UPDATE_FILE.relative_to(ROOT)} exactly")
        return 0
    finally:
        endpoint.terminate()
        try:
            endpoint.wait(timeout=10)
        except subprocess.TimeoutExpired:
            endpoint.kill()


if __name__ == "__main__":
    sys.exit(main())
