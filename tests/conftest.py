"""Suite-wide isolation: no test reads or writes the developer's own price cache, and the AWS
fixtures the AWS-facing test modules share (dummy credentials, a moto server on 127.0.0.1).

``prices --update`` writes to the user's cache folder, and ``pricetable.load_prices`` reads it; test
modules price things at import time, so the variable is set here, before they are imported.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile

import pytest
import requests
from moto.server import ThreadedMotoServer

_CACHE = tempfile.mkdtemp(prefix="snaplens-test-cache-")
os.environ["SNAPLENS_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture
def no_real_aws(monkeypatch, tmp_path_factory):
    """Dummy credentials, no profile, no config files, and an endpoint that is not AWS."""
    home = tmp_path_factory.mktemp("aws-home")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: never AWS


@pytest.fixture(scope="module")
def moto_server():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto(moto_server, monkeypatch, no_real_aws):
    """A fresh moto backend for each test, reached through the standard AWS_ENDPOINT_URL."""
    requests.post(f"{moto_server}/moto-api/reset", timeout=10)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return moto_server
