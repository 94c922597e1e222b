"""`plan --against` a git ref, REF:PATH, a spec directory at a ref, `empty`; errors and exit codes."""

from __future__ import annotations

import json

from cli_support import GOLDEN

BEFORE = (GOLDEN / "before.yaml").read_text(encoding="utf-8")
AFTER = (GOLDEN / "after.yaml").read_text(encoding="utf-8")


def _changes(run) -> list[tuple[str, str, list]]:
    doc = json.loads(run.out)
    return [
        (c["tenant"], c["action"], [(o["op"], o["old"], o["new"]) for o in c["operations"]]) for c in doc["changes"]
    ]


def test_git_ref_gives_the_same_plan_as_the_file(cli, repo, monkeypatch):
    spec = repo.write("tenants.yaml", BEFORE)
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    spec.write_text(AFTER, encoding="utf-8")
    monkeypatch.chdir(repo.root)
    via_git = cli("plan", "tenants.yaml", "--against", "main", "--format", "json")
    assert via_git.code == 0, via_git.err
    assert json.loads(via_git.out)["against"] == {"kind": "git", "label": "main:tenants.yaml"}
    via_file = cli("plan", str(GOLDEN / "after.yaml"), "--against", str(GOLDEN / "before.yaml"), "--format", "json")
    assert _changes(via_git) == _changes(via_file)
    # Explicit git: prefix, a commit id, and a detailed exit code.
    sha = repo.git("rev-parse", "main")
    assert cli("plan", "tenants.yaml", "--against", f"git:{sha}", "--detailed-exitcode", "-q").code == 2
    # Against itself (HEAD of the working branch after committing): no change, exit 0.
    repo.commit("change")
    same = cli("plan", "tenants.yaml", "--against", "HEAD", "--detailed-exitcode")
    assert same.code == 0, same.err
    assert "No changes." in same.out


def test_git_ref_from_another_directory_and_remote_style_ref(cli, repo, monkeypatch, tmp_path):
    spec = repo.write("config/tenants.yaml", BEFORE)
    repo.commit("base")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")  # what a fetch of origin/main leaves
    spec.write_text(AFTER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # outside the repository: FILE locates it
    run = cli("plan", str(spec), "--against", "origin/main", "--format", "json", "--detailed-exitcode")
    assert run.code == 2, run.err
    doc = json.loads(run.out)
    assert doc["against"]["label"] == "origin/main:config/tenants.yaml"
    assert doc["summary"]["delete"] == 2


def test_ref_colon_path_reads_a_renamed_file(cli, repo, monkeypatch):
    repo.write("old-name.yaml", BEFORE)
    repo.commit("base")
    repo.git("mv", "old-name.yaml", "tenants.yaml")
    (repo.root / "tenants.yaml").write_text(AFTER, encoding="utf-8")
    monkeypatch.chdir(repo.root)
    run = cli("plan", "tenants.yaml", "--against", "main:old-name.yaml", "--format", "json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["against"]["label"] == "main:old-name.yaml"
    assert json.loads(run.out)["summary"]["create"] == 2


def test_spec_directory_at_a_git_ref(cli, repo, monkeypatch):
    repo.write(
        "tenants/acme.yaml",
        "version: 1\ndeployment: d\ntenants:\n  - name: acme\n    resources:\n"
        "      identities: [acme.example]\n      configuration_sets: [acme-cs]\n",
    )
    repo.write(
        "tenants/beta.yaml",
        "version: 1\ntenants:\n  - name: beta\n    resources:\n      identities: [beta.example]\n"
        "      configuration_sets: [beta-cs]\n",
    )
    repo.commit("two files")
    repo.write(
        "tenants/beta.yaml",
        "version: 1\ntenants:\n  - name: beta\n    reputation_policy: strict\n    resources:\n"
        "      identities: [beta.example]\n      configuration_sets: [beta-cs]\n",
    )
    repo.write(
        "tenants/gamma.yaml",
        "version: 1\ntenants:\n  - name: gamma\n    resources:\n      identities: [g.example]\n"
        "      configuration_sets: [g-cs]\n",
    )
    (repo.root / "tenants" / "acme.yaml").unlink()
    repo.write("tenants/deployment.yaml", "version: 1\ndeployment: d\n")
    monkeypatch.chdir(repo.root)
    run = cli("plan", "tenants", "--against", "main", "--format", "json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert doc["against"]["label"] == "main:tenants"
    changes = {c["tenant"]: (c["action"], c["location"]) for c in doc["changes"]}
    assert changes == {
        "acme": ("delete", "main:tenants/acme.yaml:4"),
        "beta": ("update", "tenants/beta.yaml:3"),
        "gamma": ("create", "tenants/gamma.yaml:3"),
    }


def test_invalid_spec_at_the_ref_names_ref_path_and_line(cli, repo, monkeypatch):
    repo.write("tenants.yaml", "version: 1\ntenants:\n  - name: acme\n    reputation_policy: strictest\n")
    repo.commit("broken")
    repo.write("tenants.yaml", BEFORE)
    monkeypatch.chdir(repo.root)
    run = cli("plan", "tenants.yaml", "--against", "main")
    assert run.code == 1
    assert "main:tenants.yaml:4:24: tenants[0].reputation_policy:" in run.err
    assert "tenantctl: --against main is invalid: 1 error (first: main:tenants.yaml:4)" in run.err
    assert "Traceback" not in run.err and run.out == ""


def test_invalid_file_in_a_directory_at_the_ref(cli, repo, monkeypatch):
    repo.write("tenants/a.yaml", "version: 1\ntenants:\n  - name: a\n")
    repo.write("tenants/b.yaml", "version: 1\ntenants:\n  - name: 'bad name'\n")
    repo.commit("broken dir")
    repo.write("tenants/b.yaml", "version: 1\ntenants:\n  - name: b\n")
    monkeypatch.chdir(repo.root)
    run = cli("plan", "tenants", "--against", "main")
    assert run.code == 1
    assert "main:tenants/b.yaml:3:11: tenants[0].name:" in run.err
    assert "tenantctl-ref-" not in run.err, "temporary paths never leak into messages"


def test_unknown_ref_missing_file_and_not_a_repo(cli, repo, monkeypatch, tmp_path):
    repo.write("tenants.yaml", AFTER)
    repo.commit("base")
    monkeypatch.chdir(repo.root)

    bad = cli("plan", "tenants.yaml", "--against", "origin/nope")
    assert bad.code == 1
    assert bad.err.startswith("tenantctl: --against 'origin/nope': not a file on disk and not a git ref")
    assert "git fetch origin nope" in bad.err
    assert bad.err.count("\n") == 1, "one line, no traceback"

    repo.write("new.yaml", AFTER)
    missing = cli("plan", "new.yaml", "--against", "main")
    assert missing.code == 1
    assert missing.err == (
        "tenantctl: main:new.yaml: no such file at git ref 'main' (a new spec? plan it with --against empty)\n"
    )

    outside = tmp_path / "loose"
    outside.mkdir()
    (outside / "tenants.yaml").write_text(AFTER, encoding="utf-8")
    monkeypatch.chdir(outside)
    nogit = cli("plan", "tenants.yaml", "--against", "main")
    assert nogit.code == 1
    assert "not inside a git repository" in nogit.err


def test_against_empty_plans_a_first_deploy(cli):
    run = cli("plan", str(GOLDEN / "after.yaml"), "--against", "empty", "--format", "json", "--detailed-exitcode")
    assert run.code == 2
    doc = json.loads(run.out)
    assert doc["summary"]["create"] == 6 and doc["summary"]["delete"] == 0
    assert doc["against"] == {"kind": "empty", "label": "empty (no tenants)"}


def test_exit_codes(cli, tmp_path):
    after, before = str(GOLDEN / "after.yaml"), str(GOLDEN / "before.yaml")
    assert cli("plan", after, "--against", after, "--detailed-exitcode").code == 0
    assert cli("plan", after, "--against", before, "--detailed-exitcode").code == 2
    assert cli("plan", after, "--against", before).code == 0, "changes without the flag are a success"
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntenants:\n  - name: a\n    sending: paused\n", encoding="utf-8")
    invalid = cli("plan", str(bad), "--against", before, "--detailed-exitcode")
    assert invalid.code == 1
    assert f"{bad}:4:14: tenants[0].sending:" in invalid.err
    assert "Traceback" not in invalid.err and invalid.out == ""
    missing = cli("plan", str(tmp_path / "nope.yaml"), "--against", before, "--detailed-exitcode")
    assert missing.code == 1 and "no such file or directory" in missing.err
    assert cli("plan", after, "--against", before, "--assumed-tps", "0").code == 1


def test_blocking_problems_exit_1_but_still_print_the_plan(cli, tmp_path):
    after = tmp_path / "after.yaml"
    after.write_text((GOLDEN / "after.yaml").read_text().replace("max_deletions: 2", "max_deletions: 1"))
    run = cli("plan", str(after), "--against", str(GOLDEN / "before.yaml"), "--detailed-exitcode")
    assert run.code == 1
    assert "2 tenants will be DELETED" in run.out
    assert "tenantctl: the deploy would fail: 1 blocking problem: the plan deletes 2 tenants" in run.err


def test_output_file_and_no_colour(cli, tmp_path, monkeypatch):
    out = tmp_path / "plan.md"
    run = cli(
        "plan",
        str(GOLDEN / "after.yaml"),
        "--against",
        str(GOLDEN / "before.yaml"),
        "--format",
        "markdown",
        "-o",
        str(out),
    )
    assert run.code == 0 and run.out == ""
    assert out.read_text().startswith("<!-- tenantctl-plan -->")


def test_colour_decision(monkeypatch):
    import argparse

    from tenantctl.commands.plan import use_color

    class Tty:
        def isatty(self):
            return True

    args = argparse.Namespace(format="text", no_color=False, output=None)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(args, Tty()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(args, Tty()) is False
    monkeypatch.delenv("NO_COLOR")
    assert use_color(argparse.Namespace(format="json", no_color=False, output=None), Tty()) is False
    assert use_color(argparse.Namespace(format="text", no_color=True, output=None), Tty()) is False
    assert use_color(args, object()) is False
