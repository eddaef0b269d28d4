"""Reading manifests: files, folders, stdin, Lists; positions per document; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli

from archcheck.errors import ManifestError
from archcheck.kubernetes import load_manifests, looks_like_manifests
from archcheck.sources.kubernetes_system import describe

TWO = """\
# a comment before the first document
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: shop
spec:
  replicas: 2
  template:
    spec:
      containers: [{name: app, image: shop/app:1}]
---
"""


def test_each_document_keeps_its_index_and_positions(tmp_path: Path) -> None:
    (tmp_path / "all.yaml").write_text(TWO)
    loaded = load_manifests([tmp_path / "all.yaml"])
    config, deploy = loaded.manifests
    assert (config.kind, config.document, deploy.kind, deploy.document) == (
        "ConfigMap", 0, "Deployment", 1
    )
    assert deploy.ref == "Deployment/shop/app"
    where = deploy.locate("spec", "replicas")
    assert (where.file, where.line, where.column) == (str(tmp_path / "all.yaml"), 12, 3)
    assert deploy.locate("metadata", "name").line == 9
    assert config.locate().line == 2


def test_stdin_and_list_objects() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: batch/v1\n    kind: Job\n    metadata: {name: app-migration}\n"
        "    spec: {template: {spec: {restartPolicy: Never, containers: [{name: m, image: x,"
        " command: [/app/migrate]}]}}}\n"
    )
    loaded = load_manifests([Path("-")], stdin=text)
    (job,) = loaded.manifests
    assert job.file == "<stdin>" and job.base == ("items", 0)
    assert job.locate("metadata", "name").line == 6
    (service,) = describe(loaded).services
    assert service.role == "migration" and service.kubernetes is not None
    assert service.kubernetes.awaited_by is None


def test_folder_skips_companions_and_hidden_folders(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(TWO)
    (tmp_path / "metrics.yaml").write_text("version: 1\nservices: {}\n")
    (tmp_path / "values.yaml").write_text("image: {tag: 1}\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text("apiVersion: v1\nkind: Secret\n")
    loaded = load_manifests([tmp_path])
    assert [m.name for m in loaded.manifests] == ["settings", "app"]
    assert loaded.folder == tmp_path
    assert any("values.yaml: no Kubernetes object" in n.text for n in loaded.notes)


def test_a_kustomization_lists_what_is_read(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "app.yaml").write_text(TWO)
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: shop}\n"
    (tmp_path / "replicas-patch.yaml").write_text(patch)  # a patch is no object: not read
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources: [base]\npatches: [{path: replicas-patch.yaml}]\n"
    )
    loaded = load_manifests([tmp_path])
    assert [m.name for m in loaded.manifests] == ["settings", "app"]
    (note,) = [n for n in loaded.notes if "patches not applied" in n.text]
    assert note.location is not None and note.location.file.endswith("kustomization.yaml")
    assert (note.location.line, note.location.column) == (4, 1)  # the patches key
    assert note.text.startswith(f"{note.location}: patches not applied")
    assert f"kubectl kustomize {tmp_path} | archcheck analyze -" in note.text.replace(
        str(tmp_path.resolve()), str(tmp_path)
    )
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n  - base\n  - https://github.com/acme/base?ref=v1\nnamePrefix: x-\n"
        "configMapGenerator: [{name: c, literals: [a=b]}]\n"
    )
    texts = [n.text for n in load_manifests([tmp_path]).notes]
    assert any(":3:5: remote resources entry https://github.com/acme/base?ref=v1 not read" in n for n in texts)
    assert any(":4:1: namePrefix, configMapGenerator not applied" in n for n in texts)
    (tmp_path / "kustomization.yaml").write_text("resources: [base, missing.yaml]\n")
    with pytest.raises(ManifestError, match=r"missing\.yaml does not exist"):
        load_manifests([tmp_path])


BAD = [
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: [\n", 5, "not valid YAML"),
    ("apiVersion: v1\nmetadata: {name: a}\n", 1, "no kind"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {labels: {}}\n", 3, "no metadata.name"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: a, name: b}\n", 3, "duplicate key 'name'"),
    (
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\n"
        "metadata:\n  name: a\n"),
        8,
        "defined twice",
    ),
    (
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n"
        "    spec: {containers: []}\n"),
        6,
        "has no containers",
    ),
    (
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  annotations:\n"
        "    archcheck.dev/rol: api\nspec: {template: {spec: {containers: [{name: a}]}}}\n"),
        6,
        "unknown annotation archcheck.dev/rol",
    ),
    (
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  annotations:\n"
        "    archcheck.dev/cron: '[{name: x, schedule: every minute}]'\n"
        "spec: {template: {spec: {containers: [{name: a}]}}}\n"),
        6,
        "not a cron schedule",
    ),
    (
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  annotations:\n"
        "    archcheck.dev/owner: nobody\n"
        "spec: {template: {spec: {containers: [{name: a, args: [-mode, events]}]}}}\n"),
        6,
        "not a workload of these manifests",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD, ids=[b[2] for b in BAD])
def test_bad_manifest_is_an_error_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ManifestError) as caught:
        describe(load_manifests([path]))
    assert caught.value.location is not None and caught.value.location.line == line
    assert message in caught.value.message
    code, out, err = run_cli(["analyze", str(path)], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}:{line}:") and "Traceback" not in err


def test_helm_chart_and_templates_are_refused_with_the_command_to_render(tmp_path: Path) -> None:
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    with pytest.raises(ManifestError, match="helm template"):
        load_manifests([tmp_path])
    template = tmp_path / "deploy.yaml"
    template.write_text("apiVersion: apps/v1\nkind: Deployment\n{{- include \"x\" . }}\n")
    with pytest.raises(ManifestError, match="render it first"):
        load_manifests([template])


def test_missing_path_and_empty_input(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="does not exist"):
        load_manifests([tmp_path / "nope"])
    (tmp_path / "notes.yaml").write_text("just: data\n")
    with pytest.raises(ManifestError, match="no Kubernetes objects"):
        load_manifests([tmp_path])


def test_compose_files_are_not_mistaken_for_manifests(tmp_path: Path) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  app: {image: x}\n")
    manifest = tmp_path / "app.yaml"
    manifest.write_text(TWO)
    assert not looks_like_manifests(compose)
    assert looks_like_manifests(manifest) and looks_like_manifests(tmp_path)
    assert looks_like_manifests(Path("-"))
