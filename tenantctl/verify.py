"""The checks of ``tenantctl verify``: (desired tenant, live tenant[, send outcome]) -> per-tenant results.

Pure functions only; the command (:mod:`tenantctl.commands.verify`) reads SES and sends the test messages.

Checks, in order (a tenant passes when none fails):

``exists``
    SES holds a tenant of that name.
``owned``
    its ownership tag (``ses-tenants:deployment``) names the deployment.
``associations``
    every identity, configuration set and template the spec declares is associated (extra associations are
    reported, not failed: they do not stop a send).
``policy``
    the reputation policy is the declared one.
``status``
    the customer-managed sending status is the declared ``sending:``.
``sending``
    the aggregate status allows sending when ``sending:`` is enabled/reinstated, and blocks it when it is
    disabled. A tenant SES paused (SES-managed DISABLED) fails here with the cause SES gave.
``send_test`` (``--send-test``)
    one message through ``SendEmail`` with ``TenantName``: accepted for a sending tenant, rejected for one
    declared ``sending: disabled``.
``deleted`` (``--changed-from``, tenants the change removed)
    the tenant is gone, or is not this deployment's to delete.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ses_tenants_engine.client import AwsContext
from ses_tenants_engine.live import LiveTenant
from ses_tenants_engine.model import OWNERSHIP_TAG_KEY, Resource, Spec, TenantSpec
from ses_tenants_engine.specdiff import plan_specs

FORMAT_VERSION = 1
SIMULATOR_SUCCESS = "success@simulator.amazonses.com"
DEFAULT_LOCAL_PART = "verify"

PASS, FAIL, SKIP = "pass", "fail", "skip"
EXPECT_PRESENT, EXPECT_DELETED = "present", "deleted"
CHECKS = ("exists", "owned", "associations", "policy", "status", "sending", "send_test", "deleted")
SENDING_STATUSES_THAT_SEND = ("ENABLED", "REINSTATED")
# Errors that mean "SES refused this message" (as opposed to "the test could not be made": access denied...).
REJECTION_CODES = frozenset(("MessageRejected", "SendingPausedException"))

RESOURCE_LABELS = {"EMAIL_IDENTITY": "email identity", "CONFIGURATION_SET": "configuration set",
                   "EMAIL_TEMPLATE": "email template"}  # fmt: skip


@dataclass(frozen=True)
class Check:
    """The outcome of one check.

    Attributes
    ----------
    name : str
        One of :data:`CHECKS`.
    status : str
        ``pass``, ``fail`` or ``skip``.
    detail : str
        What was found; for a failure, why and how to fix it.
    """

    name: str
    status: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.name, "status": self.status, "detail": self.detail}


@dataclass(frozen=True)
class SendProbe:
    """The test message of one tenant.

    Attributes
    ----------
    tenant : str
        ``TenantName`` of the send.
    from_address : str
        ``FromEmailAddress`` (an address of one of the tenant's declared identities).
    from_identity_arn : str or None
        ``FromEmailAddressIdentityArn`` when the identity is declared by ARN (sending authorization).
    configuration_set : str or None
        ``ConfigurationSetName`` (the first declared configuration set), if any.
    expect_rejection : bool
        True for a tenant declared ``sending: disabled``.
    destination : str
        The SES mailbox simulator's success address.
    """

    tenant: str
    from_address: str
    from_identity_arn: str | None
    configuration_set: str | None
    expect_rejection: bool
    destination: str = SIMULATOR_SUCCESS

    def request(self) -> dict[str, Any]:
        """Keyword arguments of ``sesv2.send_email`` for this probe."""
        kwargs: dict[str, Any] = {
            "FromEmailAddress": self.from_address,
            "Destination": {"ToAddresses": [self.destination]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": f"tenantctl verify: tenant {self.tenant}", "Charset": "UTF-8"},
                    "Body": {
                        "Text": {
                            "Data": f"Test message sent by `tenantctl verify --send-test` as tenant {self.tenant} "
                            "to the SES mailbox simulator.",
                            "Charset": "UTF-8",
                        }
                    },
                }
            },
            "TenantName": self.tenant,
        }
        if self.from_identity_arn:
            kwargs["FromEmailAddressIdentityArn"] = self.from_identity_arn
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        return kwargs

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.from_address,
            "from_identity_arn": self.from_identity_arn,
            "configuration_set": self.configuration_set,
            "to": self.destination,
            "expect": "rejected" if self.expect_rejection else "accepted",
        }


@dataclass(frozen=True)
class SendOutcome:
    """What ``SendEmail`` answered: a message id, or an error code and message."""

    message_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def accepted(self) -> bool:
        return self.message_id is not None and self.error_code is None

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "error_code": self.error_code, "error_message": self.error_message}


@dataclass(frozen=True)
class TenantResult:
    """All checks of one tenant.

    Attributes
    ----------
    tenant : str
        Tenant name.
    expected : str
        ``present`` (declared in the spec) or ``deleted`` (removed by the change, ``--changed-from``).
    checks : tuple of Check
        In the order of :data:`CHECKS`; checks that could not run are absent.
    location : str or None
        ``FILE:LINE`` where the tenant is declared.
    probe, outcome : SendProbe, SendOutcome or None
        The test message and its answer (``--send-test``).
    """

    tenant: str
    expected: str = EXPECT_PRESENT
    checks: tuple[Check, ...] = ()
    location: str | None = None
    probe: SendProbe | None = None
    outcome: SendOutcome | None = None

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self.checks)

    @property
    def reason(self) -> str | None:
        """Every failed check as ``check: detail``, joined with ``; `` (``None`` when the tenant passes)."""
        failed = [f"{c.name}: {c.detail}" for c in self.checks if c.status == FAIL]
        return "; ".join(failed) if failed else None

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        send = None
        if self.probe is not None:
            send = {**self.probe.to_json(), **(self.outcome.to_json() if self.outcome else {})}
        return {
            "tenant": self.tenant,
            "expected": self.expected,
            "location": self.location,
            "ok": self.ok,
            "reason": self.reason,
            "checks": [c.to_json() for c in self.checks],
            "send_test": send,
        }


@dataclass
class VerifyReport:
    """The results of one ``tenantctl verify`` run, with where it ran."""

    results: list[TenantResult] = field(default_factory=list)
    account: str = ""
    region: str = ""
    deployment: str = ""
    spec: str = ""
    changed_from: str | None = None
    send_test: bool = False
    generated_at: str | None = None

    def summary(self) -> dict[str, int]:
        passed = sum(1 for r in self.results if r.ok)
        return {"tenants": len(self.results), "passed": passed, "failed": len(self.results) - passed}

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "generated_at": self.generated_at,
            "spec": self.spec,
            "deployment": self.deployment,
            "account": self.account,
            "region": self.region,
            "changed_from": self.changed_from,
            "send_test": self.send_test,
            "ok": self.ok,
            "summary": self.summary(),
            "tenants": [r.to_json() for r in self.results],
        }


# --------------------------------------------------------------------------------------------- checks


def resource_label(resource: Resource) -> str:
    """Name a declared resource for messages: ``configuration set initech-default`` (or its ARN)."""
    return f"{RESOURCE_LABELS[resource.type]} {resource.ref}"


def _owner_check(live: LiveTenant, deployment: str) -> Check:
    if live.owner == deployment:
        return Check("owned", PASS, f"{OWNERSHIP_TAG_KEY}={deployment}")
    now = f"its {OWNERSHIP_TAG_KEY} tag is {live.owner}" if live.owner else f"it has no {OWNERSHIP_TAG_KEY} tag"
    return Check(
        "owned",
        FAIL,
        f"exists but is not owned by deployment {deployment} ({now}); the deploy does not manage it: set "
        "`adopt: true` on the tenant to take it over, or check `deployment:`/--deployment",
    )


def _associations_check(spec: TenantSpec, live: LiveTenant, ctx: AwsContext) -> Check:
    declared = {r.arn(ctx.partition, ctx.region, ctx.account): r for r in spec.resources}
    missing = [r for arn, r in declared.items() if arn not in live.resources]
    extra = sorted(arn for arn in live.resources if arn not in declared)
    extra_note = (
        f"; {len(extra)} not declared: {', '.join(extra[:5])}{' ...' if len(extra) > 5 else ''}" if extra else ""
    )
    if missing:
        names = ", ".join(resource_label(r) for r in missing)
        return Check(
            "associations",
            FAIL,
            f"not associated: {names} ({len(missing)} of {len(declared)} declared); sends that use "
            f"{'it' if len(missing) == 1 else 'them'} as this tenant are rejected -- deploy again "
            f"(or `tenantctl apply`){extra_note}",
        )
    return Check("associations", PASS, f"{len(declared)} of {len(declared)} declared associated{extra_note}")


def _policy_check(spec: TenantSpec, live: LiveTenant) -> Check:
    if live.policy == spec.reputation_policy:
        return Check("policy", PASS, spec.reputation_policy)
    return Check(
        "policy",
        FAIL,
        f"reputation policy is {live.policy or 'unknown'}, tenants.yaml says {spec.reputation_policy} -- deploy again "
        "(or `tenantctl apply`)",
    )


def _status_check(spec: TenantSpec, live: LiveTenant) -> Check:
    if live.customer_status == spec.sending:
        return Check("status", PASS, f"customer-managed {spec.sending}")
    return Check(
        "status",
        FAIL,
        f"customer-managed status is {live.customer_status or 'unknown'}, tenants.yaml says "
        f"`sending: {spec.sending.lower()}` -- deploy again (or `tenantctl apply`)",
    )


def ses_pause_advice(live: LiveTenant) -> str:
    """Explain an SES pause and the way out (``sending:`` cannot override it)."""
    cause = f" (cause: {live.ses_cause})" if live.ses_cause else ""
    return (
        f"paused by SES: SES-managed status DISABLED{cause}; every send as this tenant is rejected and no "
        "`sending:` value overrides an SES pause. Resolve the tenant's reputation findings "
        "(`tenantctl status --filter paused-by-ses`); once SES lifts the pause, `sending: reinstated` keeps the "
        "tenant sending while findings are still open"
    )


def _sending_check(spec: TenantSpec, live: LiveTenant) -> Check:
    aggregate = live.aggregate_status
    should_send = spec.sending in SENDING_STATUSES_THAT_SEND
    if should_send:
        if live.ses_status == "DISABLED":
            return Check("sending", FAIL, ses_pause_advice(live))
        if aggregate in SENDING_STATUSES_THAT_SEND:
            return Check("sending", PASS, f"aggregate {aggregate}: can send")
        return Check(
            "sending",
            FAIL,
            f"aggregate status is {aggregate or 'unknown'} (customer-managed {live.customer_status or 'unknown'}, "
            f"SES-managed {live.ses_status or 'unknown'}): it cannot send, but tenants.yaml says "
            f"`sending: {spec.sending.lower()}`",
        )
    if aggregate == "DISABLED":
        return Check("sending", PASS, "aggregate DISABLED: paused as declared (`sending: disabled`)")
    return Check(
        "sending",
        FAIL,
        f"tenants.yaml pauses it (`sending: disabled`) but its aggregate status is {aggregate or 'unknown'}: it can "
        "still send -- deploy again (or `tenantctl apply`)",
    )


def check_tenant(spec: TenantSpec, live: LiveTenant | None, ctx: AwsContext, deployment: str) -> list[Check]:
    """Check one declared tenant against what SES holds.

    Parameters
    ----------
    spec : TenantSpec
        The declared tenant.
    live : LiveTenant or None
        The live tenant (``None``: it does not exist). Reputation and associations must have been read for an
        owned tenant (``live.detailed``).
    ctx : AwsContext
        Resolves declared resource names to ARNs (partition, region, account of the live account).
    deployment : str
        The ownership tag value the tenant must carry.

    Returns
    -------
    list of Check
        ``exists`` [, ``owned``[, ``associations``, ``policy``, ``status``, ``sending``]]: the later checks run only
        when the earlier ones pass.
    """
    if live is None:
        return [
            Check(
                "exists",
                FAIL,
                f"no tenant {spec.name} in {ctx.account} / {ctx.region} (not deployed yet, the deploy failed, or the "
                "wrong account, region or endpoint)",
            )
        ]
    checks = [Check("exists", PASS, live.arn), _owner_check(live, deployment)]
    if checks[-1].status == FAIL:
        return checks
    if not live.detailed:
        checks.append(Check("associations", FAIL, "associations and reputation were not read"))
        return checks
    checks += [_associations_check(spec, live, ctx), _policy_check(spec, live), _status_check(spec, live),
               _sending_check(spec, live)]  # fmt: skip
    return checks


def check_deleted(name: str, live: LiveTenant | None, deployment: str) -> list[Check]:
    """Check a tenant the change removed from the spec: gone, or not this deployment's to delete."""
    if live is None:
        return [Check("deleted", PASS, "does not exist")]
    if live.owner != deployment:
        owner = live.owner or "nobody"
        return [
            Check("deleted", PASS, f"still exists but is owned by {owner}, not {deployment}: not deleted by design")
        ]
    return [
        Check(
            "deleted",
            FAIL,
            f"removed from tenants.yaml but still exists and is owned by {deployment}: the prune step did not "
            "delete it (check the deployment's stack events; `tenantctl apply` finishes it)",
        )
    ]


# --------------------------------------------------------------------------------------------- send test


def identity_address(resource: Resource, local_part: str = DEFAULT_LOCAL_PART) -> str:
    """Return the From address of an email identity: the address itself, or ``verify@<domain>`` for a domain."""
    name = resource.name
    return name if "@" in name else f"{local_part}@{name}"


def send_probe(spec: TenantSpec, *, local_part: str = DEFAULT_LOCAL_PART) -> SendProbe | None:
    """Build the test message of a tenant (``None`` when it declares no email identity to send from).

    The first declared identity is the sender (an address identity as is, a domain as ``verify@<domain>``); the
    first declared configuration set is named in the send. A tenant declared ``sending: disabled`` expects a
    rejection.
    """
    identity = next((r for r in spec.resources if r.type == "EMAIL_IDENTITY"), None)
    if identity is None:
        return None
    config_set = next((r for r in spec.resources if r.type == "CONFIGURATION_SET"), None)
    return SendProbe(
        tenant=spec.name,
        from_address=identity_address(identity, local_part),
        from_identity_arn=identity.ref if identity.is_arn else None,
        configuration_set=config_set.name if config_set is not None else None,
        expect_rejection=spec.sending not in SENDING_STATUSES_THAT_SEND,
    )


def judge_send(probe: SendProbe, outcome: SendOutcome) -> Check:
    """Turn the answer to a test message into the ``send_test`` check."""
    if outcome.accepted:
        if probe.expect_rejection:
            return Check(
                "send_test",
                FAIL,
                f"accepted (MessageId {outcome.message_id}) although tenants.yaml pauses the tenant "
                "(`sending: disabled`): it can still send",
            )
        return Check("send_test", PASS, f"accepted, MessageId {outcome.message_id}")
    error = f"{outcome.error_code}: {outcome.error_message}"
    if outcome.error_code in REJECTION_CODES:
        if probe.expect_rejection:
            return Check("send_test", PASS, f"rejected as expected for a paused tenant ({error})")
        return Check("send_test", FAIL, f"rejected: {error}")
    return Check("send_test", FAIL, f"could not send: {error}")


def no_probe_check(spec: TenantSpec) -> Check:
    """Return the ``send_test`` check of a tenant that declares no email identity (skipped, not failed)."""
    return Check("send_test", SKIP, f"not sent: {spec.name} declares no email identity to send from")


def touched_tenants(old: Spec | None, new: Spec) -> tuple[list[str], list[str]]:
    """Tenants a change from ``old`` to ``new`` touches, by the engine's own plan (:func:`plan_specs`).

    Parameters
    ----------
    old : Spec or None
        The spec before the change (``None``: no tenants before).
    new : Spec
        The spec after the change.

    Returns
    -------
    tuple of (list of str, list of str)
        Touched tenants still declared (in ``new``'s order), and tenants the change deletes (sorted).
    """
    touched = {c.tenant for c in plan_specs(old, new).changes if c.ops}
    declared = [t.name for t in new.tenants if t.name in touched]
    removed = sorted(touched - set(declared))
    return declared, removed


def should_send_test(checks: Sequence[Check]) -> bool:
    """Send only as a tenant that exists and is owned by the deployment."""
    return all(c.status == PASS for c in checks if c.name in ("exists", "owned")) and any(
        c.name == "owned" for c in checks
    )


# --------------------------------------------------------------------------------------------- rendering

COLUMNS = (("exists", "EXISTS"), ("owned", "OWNED"), ("associations", "ASSOC"), ("policy", "POLICY"),
           ("status", "STATUS"), ("sending", "SENDING"))  # fmt: skip
CELL = {PASS: "ok", FAIL: "FAIL", SKIP: "skip"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def _cells(result: TenantResult, columns: Iterable[tuple[str, str]]) -> list[str]:
    out = []
    for key, _ in columns:
        check = result.check(key)
        if result.expected == EXPECT_DELETED and key == "exists":
            check = result.check("deleted")
        out.append(CELL[check.status] if check is not None else "-")
    return out


def render_text(report: VerifyReport, *, color: bool = False) -> str:
    """Render a report as a table, then the send-test answers and the reason of every failed tenant.

    Parameters
    ----------
    report : VerifyReport
        The results.
    color : bool
        ANSI colour (``FAIL`` red, ``pass`` green).

    Returns
    -------
    str
        Text ending with a newline.
    """
    scope = f", changed since {report.changed_from}" if report.changed_from else ""
    lines = [f"Verify {report.spec} (deployment {report.deployment}{scope}) in {report.account} / {report.region}"]
    if not report.results:
        lines.append("")
        lines.append("No tenants to verify" + (f": nothing changed since {report.changed_from}." if scope else "."))
        return "\n".join(lines) + "\n"
    columns = list(COLUMNS) + ([("send_test", "SEND")] if report.send_test else [])
    header = ["TENANT", "RESULT", *(h for _, h in columns)]
    rows = []
    for r in report.results:
        name = r.tenant + (" (deleted)" if r.expected == EXPECT_DELETED else "")
        rows.append([name, "pass" if r.ok else "FAIL", *_cells(r, columns)])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines.append("")
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        cells = []
        for value, width in zip(row, widths, strict=True):
            text = value.ljust(width)
            if value == "FAIL":
                text = _paint(text, "31", color)
            elif value == "pass":
                text = _paint(text, "32", color)
            cells.append(text)
        lines.append("  ".join(cells).rstrip())

    if report.send_test:
        lines.append("")
        lines.append(f"Send test (SendEmail with TenantName to {SIMULATOR_SUCCESS}):")
        for r in report.results:
            check = r.check("send_test")
            if check is not None and r.probe is not None:
                via = f", configuration set {r.probe.configuration_set}" if r.probe.configuration_set else ""
                lines.append(f"  {r.tenant} (from {r.probe.from_address}{via}): {check.detail}")
            elif check is not None:
                lines.append(f"  {r.tenant}: {check.detail}")
            elif r.expected == EXPECT_PRESENT:
                lines.append(f"  {r.tenant}: not sent (the tenant is missing or not owned)")

    failed = [r for r in report.results if not r.ok]
    if failed:
        lines.append("")
        lines.append(_paint("Failed:", "1", color))
        for r in failed:
            where = f" ({r.location})" if r.location else ""
            lines.append(f"  {r.tenant}{where}:")
            lines.extend(f"    {c.name}: {c.detail}" for c in r.checks if c.status == FAIL)
    s = report.summary()
    lines.append("")
    counts = "all passed" if report.ok else f"{s['passed']} passed, {s['failed']} failed"
    lines.append(f"{s['tenants']} tenant{'s' if s['tenants'] != 1 else ''} verified: {counts}.")
    return "\n".join(lines) + "\n"
