"""Helpers for the publishing tests: the demo site copied, S3 read back, output trees compared, a failing proxy."""

from __future__ import annotations

import hashlib
import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from mypy_boto3_s3 import S3Client

REPO = Path(__file__).resolve().parents[2]
# 2027-01-15: the demo's 2026 articles are out, its 2030 one is still embargoed.
EPOCH = "1800000000"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def s3_client(endpoint: str) -> S3Client:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def add_deploy_block(site: Path, block: str) -> None:
    with (site / "newsgen.yaml").open("a", encoding="utf-8") as config:
        config.write("deploy:\n" + "".join(f"  {line}\n" for line in block.strip().splitlines()))


def bucket_objects(client: S3Client, bucket: str, prefix: str = "") -> dict[str, bytes]:
    objects = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            objects[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return objects


def bucket_contents(client: S3Client, bucket: str, *versions: dict[str, bytes]) -> dict[str, bytes]:
    """The bucket's objects, with each one's bytes found among ``versions`` by its ETag (an MD5):
    one listing instead of a download per object."""
    by_md5 = {hashlib.md5(data).hexdigest(): data for version in versions for data in version.values()}
    contents = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            contents[item["Key"]] = by_md5[item["ETag"].strip('"')]
    return contents


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path, with its bytes."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'
)


@contextmanager
def failing_proxy(upstream: str, puts_allowed: int) -> Iterator[str]:
    """An HTTP proxy in front of the S3 server that lets ``puts_allowed`` uploads through, then refuses
    every further upload with S3's AccessDenied, as a bucket policy or a revoked key would."""
    target = urlsplit(upstream)
    lock = threading.Lock()
    puts = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if self.command == "PUT":
                with lock:
                    puts[0] += 1
                    refused = puts[0] > puts_allowed
                if refused:
                    self.send_response(403)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(ACCESS_DENIED)))
                    self.end_headers()
                    self.wfile.write(ACCESS_DENIED)
                    return
            connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
            try:
                headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            finally:
                connection.close()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

    with serving(Handler) as url:
        yield url


@contextmanager
def serving(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 (a free port) answering with ``handler``, for the length of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
