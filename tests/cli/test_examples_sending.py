"""The sending examples, run against the local endpoint (API) and a loopback SMTP sink (SMTP headers)."""

from __future__ import annotations

import importlib.util
import socketserver
import threading
from email import message_from_bytes
from pathlib import Path
from typing import ClassVar

import pytest
from cli_support import GOLDEN, create_resources, deploy

from tenantctl.loader import load_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sending"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def deployed(endpoint, ses):
    spec = load_spec(GOLDEN / "after.yaml").spec
    create_resources(ses, spec)
    deploy(endpoint, spec)
    return endpoint


def test_send_api_as_a_tenant_through_the_local_endpoint(deployed, capsys):
    send_api = _load("send_api")
    base = ["--endpoint-url", deployed, "--region", "us-east-1", "--from", "hello@newco.example"]
    assert send_api.main([*base, "--tenant", "newco", "--configuration-set", "newco-cs"]) == 0
    assert "sent as tenant 'newco': MessageId" in capsys.readouterr().out

    # A configuration set that belongs to another tenant: SES (and the local endpoint) reject the send.
    assert send_api.main([*base, "--tenant", "newco", "--configuration-set", "beta-cs"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("send as tenant 'newco' rejected: ")
    assert "beta-cs" in err


def test_send_api_to_a_paused_tenant_is_rejected(deployed, capsys):
    send_api = _load("send_api")
    code = send_api.main(
        ["--endpoint-url", deployed, "--region", "us-east-1", "--from", "hello@beta.example",
         "--tenant", "beta", "--configuration-set", "beta-cs"]
    )  # fmt: skip
    assert code == 1
    assert "send as tenant 'beta' rejected" in capsys.readouterr().err


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept one message: EHLO, MAIL, RCPT, DATA, QUIT."""

    messages: ClassVar[list[bytes]] = []

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._reply("220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 sink")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                type(self).messages.append(data)
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")


def test_send_smtp_prints_the_message_with_the_tenant_headers(capsys):
    send_smtp = _load("send_smtp")
    code = send_smtp.main(["--tenant", "newco", "--from", "hello@newco.example", "--configuration-set", "newco-cs"])
    assert code == 0
    captured = capsys.readouterr()
    msg = message_from_bytes(captured.out.encode())
    assert msg["X-SES-TENANT"] == "newco"
    assert msg["X-SES-CONFIGURATION-SET"] == "newco-cs"
    assert msg["To"] == "success@simulator.amazonses.com"
    assert "not sent" in captured.err


def test_send_smtp_delivers_the_headers_over_smtp():
    send_smtp = _load("send_smtp")
    _SmtpSink.messages = []
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            code = send_smtp.main(
                ["--send", "--host", "127.0.0.1", "--port", str(server.server_address[1]), "--no-starttls",
                 "--tenant", "globex", "--from", "alerts@mail.globex.example",
                 "--configuration-set", "globex-transactional"]
            )  # fmt: skip
        finally:
            server.shutdown()
    assert code == 0
    assert len(_SmtpSink.messages) == 1
    received = message_from_bytes(_SmtpSink.messages[0])
    assert received["X-SES-TENANT"] == "globex"
    assert received["X-SES-CONFIGURATION-SET"] == "globex-transactional"


def test_smtp_example_documents_the_sendrawemail_caveat():
    text = (EXAMPLES / "send_smtp.py").read_text()
    assert "ses:SendRawEmail" in text and "no** ``ses:TenantName``" in text
