"""SES v2 errors raised by the tenant extension.

Each class is a moto ``ServiceException`` whose ``code`` is the exception shape name in the SES v2
service model, so moto serializes it as a rest-json error with the model's HTTP status
(AlreadyExists/BadRequest/LimitExceeded/MessageRejected/SendingPaused 400, NotFound 404,
Conflict 409, TooManyRequests 429) and boto3 raises ``client.exceptions.<code>``.
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class SesV2Error(ServiceException):
    """Base class of the tenant extension's SES v2 errors."""


class AlreadyExistsException(SesV2Error):
    code = "AlreadyExistsException"


class BadRequestException(SesV2Error):
    code = "BadRequestException"


class NotFoundException(SesV2Error):
    code = "NotFoundException"


class LimitExceededException(SesV2Error):
    code = "LimitExceededException"


class ConflictException(SesV2Error):
    code = "ConflictException"


class MessageRejected(SesV2Error):
    code = "MessageRejected"


class SendingPausedException(SesV2Error):
    code = "SendingPausedException"
