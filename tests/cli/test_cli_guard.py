"""The top-level guard: any unexpected exception exits 2 ("could not run", not 1 =
"findings") with a short message that shows no input value; small hostile compose inputs from
the adversarial pass exit 2 without a traceback, as Compose itself rejects them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support import compose_reference_binary, run_cli

from archcheck.cli import launch


def test_a_bug_exits_2_without_its_message(monkeypatch, capsys, tmp_path):
    def boom(*_args: object) -> None:
        raise ValueError("hunter2-token-value")

    monkeypatch.setattr("archcheck.compose.command.run_config", boom)
    monkeypatch.chdir(tmp_path)
    for entry in (launch.main, None):
        with pytest.raises(SystemExit) as exit_:
            if entry is None:
                run_cli(["config"], capsys)
                raise SystemExit(2)  # run_cli swallows the exit; the message is checked below
            entry(["config"])
        assert exit_.value.code == 2
    code, out, err = run_cli(["config"], capsys)
    assert code == 2
    assert "internal error (ValueError at" in err
    assert "hunter2" not in out + err and "Traceback" not in err


def test_debug_re_raises(monkeypatch, tmp_path):
    def boom(*_args: object) -> None:
        raise ValueError("x")

    monkeypatch.setattr("archcheck.compose.command.run_config", boom)
    monkeypatch.setenv("ARCHCHECK_DEBUG", "1")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError):
        launch.main(["config"])


def test_a_recursion_error_says_where_and_debug_re_raises(monkeypatch, capsys, tmp_path):
    def deep(*_args: object) -> None:
        deep()

    monkeypatch.setattr("archcheck.compose.command.run_config", deep)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["config"], capsys)
    assert code == 2 and "nests too deeply for archcheck (at app.py:" in err  # innermost of ours
    monkeypatch.setenv("ARCHCHECK_DEBUG", "1")
    with pytest.raises(RecursionError):
        launch.main(["config"])


HOSTILE = [
    "tmpfs: 5", "dns: 5", "extra_hosts: 5", "secrets: [1]", "configs: [1]",
    "stop_grace_period: 1.5e308", "env_file: " + "a" * 5000,
]  # fmt: skip


@pytest.mark.parametrize("line", HOSTILE, ids=[h[:24] for h in HOSTILE])
def test_hostile_small_inputs_exit_2_like_compose(line, tmp_path, monkeypatch, capsys):
    compose = f"services:\n  a:\n    image: x\n    {line}\n"
    (tmp_path / "compose.yaml").write_text(compose)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["config"], capsys)
    assert code == 2, err
    assert err.startswith("error: ") and "Traceback" not in err
    binary = compose_reference_binary()
    if binary is not None:  # the reference rejects it too
        proc = subprocess.run([str(binary), "config"], cwd=tmp_path, capture_output=True,
                              check=False, timeout=60)  # fmt: skip
        assert proc.returncode != 0


@pytest.mark.parametrize("line", ["mem_limit: .nan", "shm_size: .inf"])
def test_non_finite_sizes_are_dropped_as_compose_drops_them(line, tmp_path, monkeypatch, capsys):
    """Compose's decoder leaves a float size at zero and omits it; ``archcheck config`` prints
    the same (``test_byte_sizes_agree_with_compose_v2`` compares with the binary), no traceback."""
    (tmp_path / "compose.yaml").write_text(f"services:\n  a:\n    image: x\n    {line}\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["config"], capsys)
    assert code == 0, err
    assert line.split(":")[0] not in out and "image: x" in out


def test_deep_interpolation_defaults_are_a_located_error(tmp_path: Path, monkeypatch, capsys):
    value = "${A:-" * 500 + "x" + "}" * 500
    (tmp_path / "compose.yaml").write_text(f'services:\n  a:\n    image: "{value}"\n')
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["config"], capsys)
    assert code == 2
    assert "compose.yaml:3:" in err and "nest too deeply" in err


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--docker", "--docker-host", "tcp://:::::"], "cannot reach the Docker engine"),
        (["--prometheus", "http://127.0.0.1:9", "--prometheus-timeout", "nan"],
         "--prometheus-timeout"),
    ],
)  # fmt: skip
def test_hostile_flags_are_usage_errors(flags, fragment, tmp_path, monkeypatch, capsys):
    (tmp_path / "compose.yaml").write_text("services:\n  a:\n    image: x\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["analyze", *flags], capsys)
    assert code == 2
    assert fragment in err and "internal error" not in err
