"""Engine test fixtures; puts this folder on sys.path so tests can import ``engine_support``."""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
import moto
import pytest
from ses_tenants_engine.client import ClientFactory

import seslocal

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    """The engine's pauses between read attempts and rounds: 20 ms base instead of 1 s (same logic, faster)."""
    monkeypatch.setenv("SES_TENANTS_BACKOFF", "0.02")


@pytest.fixture
def aws():
    """In-process local SES v2 endpoint (moto + seslocal); fault injection reset around each test."""
    seslocal.install()
    seslocal.configure()
    seslocal.reset_stats()
    with moto.mock_aws():
        yield
    seslocal.configure()
    seslocal.reset_stats()


@pytest.fixture
def factory(aws) -> ClientFactory:
    """The engine's own client factory (adaptive retries, pool sized to concurrency)."""
    return ClientFactory(region=REGION, concurrency=8)


@pytest.fixture
def ses(aws):
    """An independent boto3 client for setting up and checking state (not the engine's)."""
    return boto3.client("sesv2", region_name=REGION)


@pytest.fixture
def s3(aws):
    return boto3.client("s3", region_name=REGION)
