"""Handler methods grafted onto moto's ``SESV2Response`` by :func:`seslocal.install`.

moto picks the handler of a request by the operation name its router derives from the botocore
service model (``CreateTenant`` -> ``create_tenant``), so every method here is named after an SES v2
operation. Request members are read exactly as the model places them: JSON body members, URI
labels (``self.uri_match``, already percent-decoded) and query-string members.
"""

from __future__ import annotations

import base64
import email
import json
from datetime import UTC, datetime
from typing import Any

from moto.sesv2.responses import SESV2Response

from . import faults
from .errors import AlreadyExistsException, BadRequestException, NotFoundException
from .tenants import LOCK, TenantStore, epoch, paginate, store_for, validate_tags

# moto's own implementations that the grafted methods wrap (filled in by install()).
ORIGINALS: dict[str, Any] = {}


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in payload.items() if v is not None})


def _ts(value: Any) -> float:
    if isinstance(value, datetime):
        return epoch(value if value.tzinfo else value.replace(tzinfo=UTC))
    return epoch(datetime.now(UTC))


class TenantResponses:
    """Mixin whose functions become methods of ``moto.sesv2.responses.SESV2Response``."""

    # ---- plumbing -----------------------------------------------------------------------------------------
    def call_action(self: Any) -> Any:
        """Count every SES v2 call and apply the configured throttle / transient faults before moto's dispatch."""
        operation = self._get_action() or "Unknown"
        rejection = faults.admit(operation)
        if rejection is not None:
            return rejection
        try:
            with LOCK:
                status, headers, body = ORIGINALS["call_action"](self)
        except Exception:
            faults.record_result(operation, 500)
            raise
        faults.record_result(operation, int(status))
        if not any(key.lower() == "content-type" for key in headers):
            headers["content-type"] = "application/json"  # rest-json; moto's server would say text/html
        return status, headers, body

    def _body_json(self: Any) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            data = json.loads(self.body)
        except ValueError as exc:
            raise BadRequestException("The request body is not valid JSON.") from exc
        return data if isinstance(data, dict) else {}

    @property
    def tenant_store(self: Any) -> TenantStore:
        return store_for(self.sesv2_backend)

    # ---- tenants ----------------------------------------------------------------------------------------
    def create_tenant(self: Any) -> str:
        params = self._body_json()
        store = self.tenant_store
        tenant = store.create_tenant(params.get("TenantName"), params.get("Tags"), params.get("SuppressionAttributes"))
        return _dumps(tenant.detail(store.tags_of(tenant.arn)))

    def get_tenant(self: Any) -> str:
        store = self.tenant_store
        tenant = store.get(self._body_json().get("TenantName"))
        return _dumps({"Tenant": tenant.detail(store.tags_of(tenant.arn))})

    def list_tenants(self: Any) -> str:
        params = self._body_json()
        page, token = self.tenant_store.list_tenants(params.get("Filter"), params.get("NextToken"),
                                                     params.get("PageSize"))
        return _dumps({"Tenants": [t.info() for t in page], "NextToken": token})

    def delete_tenant(self: Any) -> str:
        self.tenant_store.delete_tenant(self._body_json().get("TenantName"))
        return "{}"

    def put_tenant_suppression_attributes(self: Any) -> str:
        params = self._body_json()
        self.tenant_store.put_suppression(params.get("TenantName"), params.get("SuppressionScope"),
                                          params.get("SuppressedReasons"))
        return "{}"

    # ---- suppressed destinations (moto 5.2.5 has none; TenantName selects a tenant's own list) ------------------
    def _query_list(self: Any, name: str) -> list[str]:
        values = self.querystring.get(name) or []
        return [values] if isinstance(values, str) else list(values)

    def _query_time(self: Any, name: str) -> datetime | None:
        value = self._get_param(name)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            parsed = datetime.fromtimestamp(float(value), UTC)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def put_suppressed_destination(self: Any) -> str:
        params = self._body_json()
        self.tenant_store.put_suppressed(params.get("TenantName"), params.get("EmailAddress"), params.get("Reason"))
        return "{}"

    def get_suppressed_destination(self: Any) -> str:
        entry = self.tenant_store.get_suppressed(self._get_param("TenantName"), self.uri_match.get("EmailAddress"))
        return json.dumps({"SuppressedDestination": entry})

    def delete_suppressed_destination(self: Any) -> str:
        self.tenant_store.delete_suppressed(self._get_param("TenantName"), self.uri_match.get("EmailAddress"))
        return "{}"

    def list_suppressed_destinations(self: Any) -> str:
        page, token = self.tenant_store.list_suppressed(
            self._get_param("TenantName"), self._query_list("Reason"), self._query_time("StartDate"),
            self._query_time("EndDate"), self._get_param("NextToken"), self._get_param("PageSize"))
        return _dumps({"SuppressedDestinationSummaries": page, "NextToken": token})

    # ---- associations -----------------------------------------------------------------------------------
    def create_tenant_resource_association(self: Any) -> str:
        params = self._body_json()
        self.tenant_store.associate(params.get("TenantName"), params.get("ResourceArn"))
        return "{}"

    def delete_tenant_resource_association(self: Any) -> str:
        params = self._body_json()
        self.tenant_store.disassociate(params.get("TenantName"), params.get("ResourceArn"))
        return "{}"

    def list_tenant_resources(self: Any) -> str:
        params = self._body_json()
        page, token = self.tenant_store.list_tenant_resources(
            params.get("TenantName"), params.get("Filter"), params.get("NextToken"), params.get("PageSize")
        )
        return _dumps({"TenantResources": page, "NextToken": token})

    def list_resource_tenants(self: Any) -> str:
        params = self._body_json()
        page, token = self.tenant_store.list_resource_tenants(
            params.get("ResourceArn"), params.get("NextToken"), params.get("PageSize")
        )
        return _dumps({"ResourceTenants": page, "NextToken": token})

    # ---- reputation ---------------------------------------------------------------------------------------
    def get_reputation_entity(self: Any) -> str:
        tenant = self.tenant_store.entity(self.uri_match.get("ReputationEntityType"),
                                          self.uri_match.get("ReputationEntityReference"))
        return _dumps({"ReputationEntity": tenant.reputation_entity()})

    def list_reputation_entities(self: Any) -> str:
        params = self._body_json()
        page, token = self.tenant_store.list_entities(params.get("Filter"), params.get("NextToken"),
                                                      params.get("PageSize"))
        return _dumps({"ReputationEntities": [t.reputation_entity() for t in page], "NextToken": token})

    def update_reputation_entity_policy(self: Any) -> str:
        self.tenant_store.update_policy(self.uri_match.get("ReputationEntityType"),
                                        self.uri_match.get("ReputationEntityReference"),
                                        self._body_json().get("ReputationEntityPolicy"))
        return "{}"

    def update_reputation_entity_customer_managed_status(self: Any) -> str:
        self.tenant_store.update_customer_status(self.uri_match.get("ReputationEntityType"),
                                                 self.uri_match.get("ReputationEntityReference"),
                                                 self._body_json().get("SendingStatus"))
        return "{}"

    # ---- tags: tenant ARNs must name an existing tenant -------------------------------------------------------
    def _require_tenant_arn(self: Any, arn: Any) -> None:
        if isinstance(arn, str) and ":tenant/" in arn and self.tenant_store.by_arn(arn) is None:
            raise NotFoundException(f"Resource {arn} does not exist.")

    def tag_resource(self: Any) -> str:
        params = self._body_json()
        self._require_tenant_arn(params.get("ResourceArn"))
        if not params.get("Tags"):
            raise BadRequestException("Tags must contain at least one tag.")
        validate_tags(params.get("Tags"))
        return ORIGINALS["tag_resource"](self)

    def untag_resource(self: Any) -> str:
        self._require_tenant_arn(self._get_param("ResourceArn"))
        return ORIGINALS["untag_resource"](self)

    def list_tags_for_resource(self: Any) -> str:
        self._require_tenant_arn(self._get_param("ResourceArn"))
        return ORIGINALS["list_tags_for_resource"](self)

    # ---- email templates (moto 5.2.5's SES v2 has none; stored in moto's SES template table) -------------------
    def _template_arn(self: Any, name: str) -> str:
        return self.tenant_store.arn(f"template/{name}")

    def _template(self: Any, name: Any) -> dict[str, Any]:
        template = self.sesv2_backend.core_backend.templates.get(name) if isinstance(name, str) else None
        if template is None:
            raise NotFoundException(f"Email template {name} does not exist.")
        return template

    def create_email_template(self: Any) -> str:
        params = self._body_json()
        name = params.get("TemplateName")
        content = params.get("TemplateContent") or {}
        if not isinstance(name, str) or not name:
            raise BadRequestException("TemplateName is required.")
        tags = validate_tags(params.get("Tags"))
        core = self.sesv2_backend.core_backend
        if name in core.templates:
            raise AlreadyExistsException(f"Email template {name} already exists.")
        core.templates[name] = {
            "template_name": name,
            "subject_part": content.get("Subject", ""),
            "text_part": content.get("Text", ""),
            "html_part": content.get("Html", ""),
            "Timestamp": datetime.now(UTC).replace(tzinfo=None),
        }
        if tags:
            core.tagger.tag_resource(self._template_arn(name), tags)
        return "{}"

    def get_email_template(self: Any) -> str:
        name = self.uri_match.get("TemplateName")
        template = self._template(name)
        content = {"Subject": template.get("subject_part"), "Text": template.get("text_part"),
                   "Html": template.get("html_part")}
        return json.dumps({
            "TemplateName": name,
            "TemplateContent": {k: v for k, v in content.items() if v},
            "Tags": self.tenant_store.tags_of(self._template_arn(name)),
        })

    def list_email_templates(self: Any) -> str:
        templates = list(self.sesv2_backend.core_backend.templates.values())
        page, token = paginate(templates, lambda t: t["template_name"], self._get_param("NextToken"),
                               self._get_param("PageSize"))
        return _dumps({
            "TemplatesMetadata": [
                {"TemplateName": t["template_name"], "CreatedTimestamp": _ts(t.get("Timestamp"))} for t in page
            ],
            "NextToken": token,
        })

    def update_email_template(self: Any) -> str:
        template = self._template(self.uri_match.get("TemplateName"))
        content = self._body_json().get("TemplateContent") or {}
        template.update({"subject_part": content.get("Subject", ""), "text_part": content.get("Text", ""),
                         "html_part": content.get("Html", "")})
        return "{}"

    def delete_email_template(self: Any) -> str:
        name = self.uri_match.get("TemplateName")
        self._template(name)
        self.sesv2_backend.core_backend.delete_template(name)  # guarded: fails while associated with a tenant
        self.sesv2_backend.core_backend.tagger.delete_all_tags_for_resource(self._template_arn(name))
        return "{}"

    # ---- sending --------------------------------------------------------------------------------------------
    def _check_tenant_send(self: Any, params: dict[str, Any], template: dict[str, Any] | None) -> None:
        if params.get("TenantName") is None:
            return
        from_address = params.get("FromEmailAddress")
        raw = (params.get("Content") or {}).get("Raw")
        if not from_address and raw:
            message = email.message_from_bytes(base64.b64decode(raw.get("Data", "")))
            from_address = message.get("From")
        self.tenant_store.check_send(params.get("TenantName"), from_address,
                                     params.get("FromEmailAddressIdentityArn"),
                                     params.get("ConfigurationSetName"), template)

    def _template_name(self: Any, template: dict[str, Any]) -> str | None:
        name = template.get("TemplateName")
        if not name and template.get("TemplateArn"):
            name = str(template["TemplateArn"]).rsplit("template/", 1)[-1]
        return name

    def _send_one_template(self: Any, source: str, template: dict[str, Any], data: str | None,
                           destination: dict[str, list[str]]) -> str:
        core = self.sesv2_backend.core_backend
        name = self._template_name(template)
        if name:
            self._template(name)
            return core.send_templated_email(source, name, data or "{}", destination).id
        content = template.get("TemplateContent") or {}
        if not content.get("Subject"):
            raise BadRequestException("Template content must include a Subject.")
        return core.send_email(source=source, subject=content["Subject"],
                               body=content.get("Html") or content.get("Text") or "", destinations=destination).id

    def send_email(self: Any) -> str:
        params = self._body_json()
        content = params.get("Content") or {}
        template = content.get("Template")
        self._check_tenant_send(params, template)
        if template is None:
            return ORIGINALS["send_email"](self)
        message_id = self._send_one_template(params.get("FromEmailAddress"), template, template.get("TemplateData"),
                                             params.get("Destination") or {})
        return json.dumps({"MessageId": message_id})

    def send_bulk_email(self: Any) -> str:
        params = self._body_json()
        template = (params.get("DefaultContent") or {}).get("Template")
        entries = params.get("BulkEmailEntries") or []
        if not template:
            raise BadRequestException("DefaultContent.Template is required.")
        if not entries:
            raise BadRequestException("BulkEmailEntries must contain at least one entry.")
        self._check_tenant_send(params, template)
        results = []
        for entry in entries:
            data = ((entry.get("ReplacementEmailContent") or {}).get("ReplacementTemplate") or {}).get(
                "ReplacementTemplateData") or template.get("TemplateData")
            message_id = self._send_one_template(params.get("FromEmailAddress"), template, data,
                                                 entry.get("Destination") or {})
            results.append({"Status": "SUCCESS", "MessageId": message_id})
        return json.dumps({"BulkEmailEntryResults": results})


def graft() -> None:
    """Install the mixin's functions on ``SESV2Response`` (keeping moto's originals in ORIGINALS)."""
    for name in ("call_action", "send_email", "tag_resource", "untag_resource", "list_tags_for_resource"):
        ORIGINALS.setdefault(name, getattr(SESV2Response, name))
    for name, value in vars(TenantResponses).items():
        if not name.startswith("__"):
            setattr(SESV2Response, name, value)
