"""Run the synthesized custom-resource Lambda code the way the CDK Provider framework does.

Usage: ``python scripts/lambda_runner.py ASSET_DIR EVENT_JSON [--budget-seconds N]``

The asset folder (``cdk.out/asset.<hash>``) is put first on ``sys.path`` so the handler and the pinned boto3
that ``cdk synth`` bundled are the ones that run — not the project's editable packages. The runner calls
``on_event``, then ``is_complete`` until it reports completion (as the Provider's Step Functions waiter does),
and prints one JSON line per call. Exit code 0 on success, 1 when the handler raised (the Provider framework
would report FAILED to CloudFormation with that message).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import uuid
from pathlib import Path


class LambdaContext:
    """The parts of the Lambda context object the handler uses."""

    def __init__(self, budget_seconds: float, account: str, region: str) -> None:
        self._deadline = time.monotonic() + budget_seconds
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:ses-tenants-demo-provisioner"
        self.function_name = "ses-tenants-demo-provisioner"
        self.log_group_name = "/aws/lambda/ses-tenants-demo-provisioner"
        self.log_stream_name = "demo"
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("asset_dir")
    parser.add_argument("event_json")
    parser.add_argument("--budget-seconds", type=float, default=600.0)
    parser.add_argument("--account", default="123456789012")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--max-polls", type=int, default=100)
    args = parser.parse_args()

    asset = str(Path(args.asset_dir).resolve())
    sys.path.insert(0, asset)
    handler = importlib.import_module("ses_tenants_engine.handler")
    boto3 = importlib.import_module("boto3")
    for mod in (handler, boto3):
        if not str(Path(mod.__file__).resolve()).startswith(asset):
            print(
                f"lambda_runner: {mod.__name__} was not loaded from the asset folder: {mod.__file__}", file=sys.stderr
            )
            return 1
    print(json.dumps({"runner": "asset", "handler": handler.__file__, "boto3": boto3.__version__}))

    event = json.loads(Path(args.event_json).read_text())
    try:
        ctx = LambdaContext(args.budget_seconds, args.account, args.region)
        result = handler.on_event(event, ctx) or {}
        print(json.dumps({"call": "onEvent", "response": result}, default=str))
        polled = {**event, **result}
        for _ in range(args.max_polls):
            ctx = LambdaContext(args.budget_seconds, args.account, args.region)
            status = handler.is_complete(polled, ctx) or {}
            print(json.dumps({"call": "isComplete", "response": status}, default=str))
            if status.get("IsComplete"):
                return 0
        print(json.dumps({"call": "isComplete", "error": "did not complete"}))
        return 1
    except Exception as exc:  # the Provider framework reports this message to CloudFormation
        print(json.dumps({"call": "failed", "reason": str(exc)[:4000]}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
