"""Write a synthetic compose project: N services with anchors and merge keys, interpolation, an
override file and ``extends`` (same file and another file), plus a ``.env``.

    python bench/compose/generate.py OUT_DIR [--services 2000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

HEADER = """\
x-logging: &logging
  driver: json-file
  options: {max-size: "10m", max-file: "3"}
x-worker: &worker
  restart: unless-stopped
  logging: *logging
  deploy:
    resources:
      limits: {cpus: "0.50", memory: 256m}
  environment: &worker-env
    LOG_LEVEL: ${LOG_LEVEL:-info}
    REGION: ${REGION:?set REGION in .env}
services:
"""

SERVICE = """\
  svc-{i}:
    <<: *worker
    image: ${{REGISTRY:-registry.local}}/svc-{i}:${{TAG:-latest}}
    command: ["/bin/svc", "--id", "{i}", "--mode", "${{MODE:-all}}"]
    environment:
      <<: *worker-env
      SERVICE_ID: "{i}"
      DATABASE_URL: postgres://app:${{DB_PASSWORD:-secret}}@db-{db}:5432/app
    ports:
      - "${{PORT_PREFIX:-2}}{port}:8080"
    depends_on:
      - db-{db}
    healthcheck:
      test: ["CMD", "/bin/svc", "health"]
      interval: 30s
      timeout: 5s
      retries: 3
"""

EXTENDED = """\
  svc-{i}:
    extends:
      file: common.yaml
      service: {base}
    environment:
      SERVICE_ID: "{i}"
    labels:
      - com.example.id={i}
"""

DB = """\
  db-{d}:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${{DB_PASSWORD:-secret}}
"""

COMMON = """\
services:
  job-base:
    image: ${REGISTRY:-registry.local}/job:${TAG:-latest}
    restart: "no"
    deploy:
      replicas: 1
  cron-base:
    extends: job-base
    command: ["/bin/cron", "--schedule", "*/5 * * * *"]
"""


def generate(folder: Path, services: int) -> list[Path]:
    """Write the project; return the compose files in ``-f`` order."""
    folder.mkdir(parents=True, exist_ok=True)
    databases = max(1, services // 50)
    parts = [HEADER]
    for i in range(services):
        if i % 10 == 9:
            parts.append(EXTENDED.format(i=i, base="cron-base" if i % 20 == 19 else "job-base"))
        else:
            parts.append(SERVICE.format(i=i, db=i % databases, port=f"{i % 10000:04d}"))
    parts.extend(DB.format(d=d) for d in range(databases))
    base = folder / "compose.yaml"
    base.write_text("".join(parts))
    override = ["services:\n"]
    for i in range(0, services, 4):
        if i % 10 == 9:
            continue
        override.append(f"  svc-{i}:\n    deploy:\n      replicas: 2\n"
                        f"    environment:\n      MODE: override\n")  # fmt: skip
    (folder / "compose.override.yaml").write_text("".join(override))
    (folder / "common.yaml").write_text(COMMON)
    (folder / ".env").write_text("REGION=eu-west-1\nTAG=1.2.3\nLOG_LEVEL=debug\n")
    return [base, folder / "compose.override.yaml"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--services", type=int, default=2000)
    args = parser.parse_args()
    files = generate(args.out, args.services)
    print(" ".join(f"-f {f}" for f in files))


if __name__ == "__main__":
    main()
