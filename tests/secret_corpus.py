"""A corpus of secret shapes: true secrets that must be masked and look-alikes that must not.

The tokens are made up but have the real formats (length, alphabet, entropy), so gitleaks'
rules recognise them as a scanner would recognise a leaked one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Secret:
    """A value holding a secret: ``hidden`` must never be printed; ``masked``, when given, is
    exactly what ``redact_value(name, value)`` prints."""

    name: str
    value: str
    hidden: str
    masked: str | None = None
    named_only: bool = False
    """True when only the name says it is a secret (under a neutral name it is shown)."""


AWS_KEY = "AKIAZ7VRSQ5TQDW4HXQK"
GITHUB_PAT = "ghp_R7f2Kx9QmW4tLp8Vz3Hn6Yc1Bd5Gs0Ja2Ue4"
GITLAB_PAT = "glpat-Xk4Fz9Qm2Rt7Wp3Ln8Vb"
SLACK_BOT = "xoxb-2048371956-5172839405617-QmX7r2Lp9VkT4zWn8Ys3Hc6B"
STRIPE_LIVE = "sk_live_51Hx7QmZ2rLp9VkT4zWn8Ys3Hc"
NPM_TOKEN = "npm_Xk4Fz9Qm2Rt7Wp3Ln8VbQ6Hs1Jd5Gc0Ya2Ue"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PRIVATE_KEY_BODY = (
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98"
    "C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvuNMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s"
)
PRIVATE_KEY = f"-----BEGIN PRIVATE KEY-----\n{PRIVATE_KEY_BODY}\n-----END PRIVATE KEY-----\n"

SECRETS: list[Secret] = [
    # Credentials in URLs, split at the last '@' as Go's net/url and libpq do.
    Secret("PG_URL", "postgres://app:P@ssw0rd@db:5432/app", "ssw0rd",
           "postgres://app:********@db:5432/app"),
    Secret("CACHE", "redis://:R3disPa55@cache:6379/0", "R3disPa55", "redis://:********@cache:6379/0"),
    Secret("GIT_REMOTE", f"https://{GITHUB_PAT}@github.com/x/y.git", GITHUB_PAT,
           "https://********@github.com/x/y.git"),
    Secret("GIT_MIRROR", "https://ghp_abcdefTOKEN123@github.com/x/y.git", "ghp_abcdefTOKEN123",
           "https://********@github.com/x/y.git"),
    Secret("CALLBACK", "https://hooks.example.com/in?page=2&token=Zx81Qp7Lm", "Zx81Qp7Lm",
           "https://hooks.example.com/in?page=2&token=********"),
    # DSNs and connection strings.
    Secret("DATABASE", "root:hunter2@tcp(db:3306)/app?parseTime=true", "hunter2",
           "root:********@tcp(db:3306)/app?parseTime=true"),
    Secret("MSSQL", "Server=db;Database=app;User Id=sa;Password=Hunt3r2;", "Hunt3r2",
           "Server=db;Database=app;User Id=sa;Password=********;"),
    Secret("ODBC", "Driver={ODBC};Server=db;Uid=sa;Pwd=Odbc9Pw;", "Odbc9Pw",
           "Driver={ODBC};Server=db;Uid=sa;Pwd=********;"),
    Secret("CONNINFO", "host=db user=app password='Qw3 rty9' dbname=app", "Qw3 rty9",
           "host=db user=app password='********' dbname=app"),
    Secret("STORAGE", "DefaultEndpointsProtocol=https;AccountName=acme;"
           "AccountKey=bXlTdG9yYWdlS2V5MTIzNDU2Nzg5MA==;EndpointSuffix=core.windows.net",
           "bXlTdG9yYWdlS2V5MTIzNDU2Nzg5MA==",
           "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=********;"
           "EndpointSuffix=core.windows.net"),
    # Well-known token formats under neutral names.
    Secret("STRIPE", STRIPE_LIVE, STRIPE_LIVE, "********"),
    Secret("AWS_ID", AWS_KEY, AWS_KEY, "********"),
    Secret("GITLAB", GITLAB_PAT, GITLAB_PAT, "********"),
    Secret("SLACK", SLACK_BOT, SLACK_BOT, "********"),
    Secret("NPM", NPM_TOKEN, NPM_TOKEN, "********"),
    Secret("SESSION", JWT, JWT, "********"),
    Secret("TLS", PRIVATE_KEY, PRIVATE_KEY_BODY[:40]),
    # Secrets named as such.
    Secret("DB_PASSWORD", "hunter2", "hunter2", "********", named_only=True),
    Secret("STRIPE_SK", "not-a-known-format-9f8e", "not-a-known-format-9f8e", "********",
           named_only=True),
    Secret("OAUTH_CLIENT_SECRET", "c1i3nt-s3cr3t", "c1i3nt-s3cr3t", "********",
           named_only=True),
    # Flags, headers and shell assignments inside strings.
    Secret("RUN", "migrate --db-password Zq8kLmP2x --verbose", "Zq8kLmP2x",
           "migrate --db-password ******** --verbose"),
    Secret("RUN2", "serve --token=tk-17af3e9 --port 80", "tk-17af3e9",
           "serve --token=******** --port 80"),
    Secret("PROBE", "curl -fsS -u admin:Wx9pQ2rT http://localhost/health", "Wx9pQ2rT",
           "curl -fsS -u admin:******** http://localhost/health"),
    Secret("PROBE2", 'curl -H "Authorization: Bearer tok9f8e7d6c5b4a" http://x', "tok9f8e7d6c5b4a",
           'curl -H "Authorization: Bearer ********" http://x'),
    Secret("SHELL", "PGPASSWORD=Pg9pass psql -h db", "Pg9pass", "PGPASSWORD=******** psql -h db"),
    Secret("USERS", "admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/", "IgXLP6ewTrSuBkTrqE8wj",
           "admin:********"),
]  # fmt: skip

LOOK_ALIKES: list[tuple[str, str]] = [
    ("AUTH_API_URL", "http://openfga:8080"),
    ("READ_DATABASE_URL", "postgres://db:5432/app?sslmode=disable"),
    ("GIT_URL", "ssh://git@github.com/acme/shop.git"),
    ("FEATURE_AUTH", "true"),
    ("TOKEN_TTL", "3600"),
    ("PASSWORD_MIN_LENGTH", "12"),
    ("DB_PASSWORD_FILE", "/run/secrets/db_password"),
    ("SECRET_KEY_BASE_VAR", "${RAILS_SECRET}"),
    ("JWT_ISSUER", "https://auth.example.com/realms/shop"),
    ("IMAGE_DIGEST", "redis@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("LOG_FORMAT", "key=value"),
    ("CONFIG_DIR", "/app/configs"),
    ("ARGS", "--password-stdin"),
    ("HEALTH", "pg_isready -U shop -d shop"),
    ("REQUEST_ID", "c0a8012e-7f3b-4c1d-9e2a-5b6c7d8e9f01"),
]  # fmt: skip
"""(name, value) pairs that are not secrets and must be printed unchanged."""
