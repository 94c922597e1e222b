"""``tenantctl local``: serves the endpoint, prints how to use it, stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import boto3
import pytest

from tenantctl.cli import main


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_local_serves_until_ctrl_c(signum):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tenantctl.cli", "local", "--port", "0", "--quiet", "--throttle", "100"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        first = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", first).group(0)
        banner = [first] + [proc.stdout.readline() for _ in range(8)]
        text = "".join(banner)
        assert f"export AWS_ENDPOINT_URL={url}" in text
        assert "throttle 100 TPS" in text and "path-style" in text
        client = boto3.client("sesv2", region_name="us-east-1", endpoint_url=url)
        assert client.create_tenant(TenantName="acme")["TenantName"] == "acme"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "local endpoint stopped" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [["--port", "70000"], ["--fault-rate", "1.5"], ["--throttle", "0"]])
def test_local_rejects_bad_arguments(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["local", *args])
    assert exc.value.code == 1  # usage errors exit 1: 2 means "changes" in the tenantctl contract
    err = capsys.readouterr().err
    assert err.startswith("tenantctl: local: ") and err.count("\n") == 1


def test_local_reports_a_busy_port(capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["local", "--port", str(port), "--quiet"]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
