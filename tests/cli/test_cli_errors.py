"""The CLI error contract: one ``tenantctl: ...`` line, exit code 1, never a traceback or argparse's exit 2."""

import subprocess
import sys

import pytest

from tenantctl.cli import main


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["nosuch"], "invalid choice: 'nosuch'"),
        (
            ["plan", "tenants.yaml", "--against", "tenants.yaml", "--format", "markdwon", "--detailed-exitcode"],
            "plan: argument --format: invalid choice: 'markdwon'",
        ),
        (["status", "--format", "xml"], "status: argument --format: invalid choice: 'xml'"),
        (["validate", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    ],
)
def test_usage_errors_exit_1_with_one_line(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("tenantctl: ") and fragment in err
    assert err.count("\n") == 1 and "usage:" not in err


@pytest.mark.parametrize("url", ["notaurl", "http://[::1", "ftp://127.0.0.1:21", "http://127.0.0.1:99999"])
def test_malformed_endpoint_url_is_one_line(url, capsys):
    assert main(["status", "--endpoint-url", url]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"tenantctl: --endpoint-url: {url!r} is not an endpoint URL; expected http(s)://HOST[:PORT], "
        "e.g. http://127.0.0.1:4566 for `tenantctl local`\n"
    )


def test_malformed_endpoint_in_environment(monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "notaurl")
    assert main(["status"]) == 1
    assert capsys.readouterr().err.startswith("tenantctl: AWS_ENDPOINT_URL: 'notaurl' is not an endpoint URL")


def test_unwritable_stdout_is_one_line():
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from tenantctl.cli import main; sys.exit(main(['schema']))"],
        stdout=open("/dev/full", "w"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr == "tenantctl: cannot write the output: No space left on device\n"
