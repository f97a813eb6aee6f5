"""``newsgen deploy``: mirror a built output folder into an S3 bucket, uploading only what changed.

An edge module, like the dev server: it reads the finished output folder and
talks to S3, and knows nothing of the pipeline beyond the configuration.

The order of the work keeps the bucket serving a whole site if a deploy stops
midway: files that pages depend on (assets, images) go first, then new pages,
then changed pages (deepest paths first, so an article is there before the
fronts that link to it), then feeds, sitemaps and other files that list pages,
and deletions come last of all, once nothing links to what they remove.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .config import DeployConfig
from .errors import NewsgenError, SourceLocation, UsageError

# boto3 is an optional extra (pip install newsgen[deploy]): a site that never
# deploys to S3 should not need it, so the import is guarded here and deploy()
# reports how to install it when it is missing.
try:
    import boto3
    from botocore.config import Config as BotoConfig
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    HAVE_BOTO3 = False
else:
    HAVE_BOTO3 = True

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# The file output.py leaves in every folder it builds; it says "newsgen built this", not "publish me".
OUTPUT_MARKER = ".newsgen-output"
# The theme's assets are named by a hash of their bytes (theme.fingerprint): a new version is a new name.
FINGERPRINTED = re.compile(r"assets/[^/]+\.[0-9a-f]{10}\.[A-Za-z0-9]+")
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_LIVED = "public, max-age=60"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".webmanifest": "application/manifest+json",
}
ATOM = "application/atom+xml; charset=utf-8"
# Files that list pages rather than being pages: uploaded after the pages they point to.
LISTINGS = (".xml", ".txt", ".json")
UPLOAD_THREADS = 8
DELETE_BATCH = 1000  # S3's DeleteObjects limit


class DeployError(NewsgenError):
    """A deploy that cannot go on: no credentials, no bucket, no connection, a failed upload."""


@dataclass(frozen=True, slots=True)
class LocalFile:
    """One file of the built site, as it should be stored."""

    key: str
    path: Path
    md5: str
    content_type: str
    cache_control: str


@dataclass(frozen=True, slots=True)
class Upload:
    file: LocalFile
    reason: str  # "new" or "changed"


@dataclass(frozen=True, slots=True)
class DeployPlan:
    uploads: tuple[Upload, ...]  # in the order they are made
    deletions: tuple[str, ...]  # keys, made after every upload
    unchanged: int
    remote_count: int

    @property
    def delete_share(self) -> float:
        return len(self.deletions) / self.remote_count if self.remote_count else 0.0


@dataclass(frozen=True, slots=True)
class DeployReport:
    target: str
    plan: DeployPlan
    dry_run: bool
    refused: bool = False  # a dry run whose deletions a real run would refuse without --force


def content_type(relative: str) -> str:
    name = PurePosixPath(relative).name.lower()
    if name.endswith("feed.xml") or name.endswith(".atom"):
        return ATOM
    suffix = PurePosixPath(name).suffix
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def cache_control(relative: str) -> str:
    """Fingerprinted assets are cached for ever; everything else briefly, so news shows up within a minute."""
    return IMMUTABLE if FINGERPRINTED.fullmatch(relative) else SHORT_LIVED


def object_key(prefix: str, relative: str) -> str:
    return f"{prefix}/{relative}" if prefix else relative


def local_files(out: Path, prefix: str) -> list[LocalFile]:
    """Every file of the built site in ``out`` (but newsgen's marker), keyed under ``prefix``."""
    if not (out / OUTPUT_MARKER).is_file():
        raise DeployError(
            SourceLocation(out), "no site built by newsgen here; run newsgen build first (or point --out at its output)"
        )
    files = []
    try:
        for path in sorted(out.rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(out).as_posix()
            if relative == OUTPUT_MARKER:
                continue
            digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
            files.append(
                LocalFile(object_key(prefix, relative), path, digest, content_type(relative), cache_control(relative))
            )
    except OSError as exc:
        raise DeployError(SourceLocation(Path(exc.filename or out)), f"cannot read: {exc.strerror or exc}") from None
    return files


def _upload_rank(upload: Upload) -> tuple[int, int]:
    """Which batch an upload goes in: batches run one after another, each file after what it depends on."""
    key = upload.file.key
    if key.endswith(".html"):
        depth = key.count("/")
        return (1 if upload.reason == "new" else 2, -depth)
    if key.endswith(LISTINGS):
        return (3, 0)
    return (0, 0)


def plan_deploy(local: Iterable[LocalFile], remote: Mapping[str, str]) -> DeployPlan:
    """What to upload (content differs from the object's ETag, or no object) and delete (no such file)."""
    uploads = []
    unchanged = 0
    local_keys = set()
    for file in local:
        local_keys.add(file.key)
        etag = remote.get(file.key)
        if etag is None:
            uploads.append(Upload(file, "new"))
        elif etag != file.md5:
            uploads.append(Upload(file, "changed"))
        else:
            unchanged += 1
    uploads.sort(key=lambda upload: (_upload_rank(upload), upload.file.key))
    deletions = tuple(sorted(key for key in remote if key not in local_keys))
    return DeployPlan(tuple(uploads), deletions, unchanged, len(remote))


def _target(config: DeployConfig) -> str:
    return f"s3://{config.bucket}/{config.prefix}" + ("/" if config.prefix else "")


def _client(config: DeployConfig, environ: Mapping[str, str]) -> S3Client:
    key_id = environ.get("AWS_ACCESS_KEY_ID", "")
    secret = environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not key_id or not secret:
        raise DeployError(
            None,
            "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN "
            "for temporary ones) in the environment; newsgen reads them from nowhere else",
        )
    # Credentials are handed over explicitly, so boto3 never searches further (profiles, instance metadata).
    session = boto3.session.Session(
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=environ.get("AWS_SESSION_TOKEN") or None,
        region_name=config.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    settings = BotoConfig(
        connect_timeout=10,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        # S3-compatible stores (MinIO, R2, a local test server) want bucket names in the path, not the host.
        s3={"addressing_style": "path"} if config.endpoint_url else {},
    )
    return session.client("s3", endpoint_url=config.endpoint_url or None, config=settings)


def _explain(exc: Exception, config: DeployConfig, doing: str) -> DeployError:
    """An S3 or connection failure as one line a user can act on."""
    where = config.endpoint_url or "AWS S3"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", "")) or str(exc)
        if code in ("NoSuchBucket", "404") and "Key" not in error:
            return DeployError(None, f"{doing}: bucket '{config.bucket}' does not exist at {where}")
        if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"):
            return DeployError(None, f"{doing}: access denied by {where} ({code}: {message}); check the credentials")
        return DeployError(None, f"{doing}: {where} answered {code or 'an error'}: {message}")
    if isinstance(exc, OSError) and not isinstance(exc, BotoCoreError):
        return DeployError(None, f"{doing}: cannot read {exc.filename or 'a built file'}: {exc.strerror or exc}")
    return DeployError(None, f"{doing}: cannot reach {where}: {exc}")


def remote_etags(client: S3Client, bucket: str, prefix: str) -> dict[str, str]:
    """The MD5-type ETag of every object under ``prefix`` (a multipart upload's never matches an MD5)."""
    etags = {}
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
        for item in page.get("Contents", []):
            etags[item["Key"]] = item.get("ETag", "").strip('"')
    return etags


def _put(client: S3Client, bucket: str, file: LocalFile) -> None:
    data = file.path.read_bytes()
    # ContentMD5 makes S3 refuse the object if the file changed after it was hashed, so an ETag never lies.
    client.put_object(
        Bucket=bucket,
        Key=file.key,
        Body=data,
        ContentType=file.content_type,
        CacheControl=file.cache_control,
        ContentMD5=base64.b64encode(bytes.fromhex(file.md5)).decode("ascii"),
    )


def _upload_all(
    client: S3Client, config: DeployConfig, uploads: tuple[Upload, ...], progress: Callable[[str], None]
) -> None:
    done = 0
    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        for _, batch in groupby(uploads, key=_upload_rank):
            futures: dict[Future[None], Upload] = {
                pool.submit(_put, client, config.bucket, upload.file): upload for upload in batch
            }
            failure: Exception | None = None
            for future in as_completed(futures):
                upload = futures[future]
                try:
                    future.result()
                except (ClientError, BotoCoreError, OSError) as exc:
                    failure = failure or exc
                    continue
                done += 1
                progress(f"uploaded ({upload.reason}) {upload.file.key}")
            if failure is not None:
                # Later batches depend on this one; stopping here leaves the old pages pointing at what exists.
                error = _explain(failure, config, f"upload stopped after {done} of {len(uploads)} files")
                raise DeployError(
                    None, f"{error.message}; the bucket still serves a whole site; deploy again to finish"
                ) from None


def _delete_all(client: S3Client, config: DeployConfig, keys: tuple[str, ...], progress: Callable[[str], None]) -> None:
    for start in range(0, len(keys), DELETE_BATCH):
        batch = keys[start : start + DELETE_BATCH]
        answer = client.delete_objects(
            Bucket=config.bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
        )
        if failed := answer.get("Errors"):
            first = failed[0]
            raise DeployError(
                None, f"cannot delete {len(failed)} objects, e.g. {first.get('Key')}: {first.get('Message')}"
            )
        for key in batch:
            progress(f"deleted {key}")


def deploy(
    config: DeployConfig,
    out: Path,
    *,
    environ: Mapping[str, str],
    dry_run: bool = False,
    force: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> DeployReport:
    """Make the bucket hold exactly the files of ``out``; with ``dry_run``, only say what that would take."""
    if not HAVE_BOTO3:
        raise DeployError(None, "newsgen deploy needs boto3: pip install 'newsgen[deploy]'")
    local = local_files(out, config.prefix)
    client = _client(config, environ)
    try:
        plan = plan_deploy(local, remote_etags(client, config.bucket, config.prefix))
    except (ClientError, BotoCoreError) as exc:
        raise _explain(exc, config, f"cannot list {_target(config)}") from None
    too_many = plan.delete_share > config.max_delete_share
    if dry_run:
        for upload in plan.uploads:
            progress(f"would upload ({upload.reason}) {upload.file.key}")
        for key in plan.deletions:
            progress(f"would delete {key}")
        return DeployReport(_target(config), plan, dry_run=True, refused=too_many and not force)
    if too_many and not force:
        raise UsageError(
            None,
            f"refusing to delete {len(plan.deletions)} of {plan.remote_count} objects in {_target(config)} "
            f"({plan.delete_share:.0%}, more than deploy.max_delete_share {config.max_delete_share:.0%}); "
            "list them with --dry-run, then deploy with --force if that is right",
        )
    _upload_all(client, config, plan.uploads, progress)
    try:
        _delete_all(client, config, plan.deletions, progress)
    except (ClientError, BotoCoreError) as exc:
        raise _explain(exc, config, "cannot delete old files") from None
    return DeployReport(_target(config), plan, dry_run=False)
