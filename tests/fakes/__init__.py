"""Loopback fakes of the Bot Framework Connector and Microsoft Graph for tests.

Each fake is a real aiohttp server on 127.0.0.1 with an ephemeral port; nothing leaves loopback.
"""

from .connector import FakeConnector, PostedActivity, RateLimitViolation
from .faults import FakeHttpServer, FaultInjector, FaultRule, RecordedRequest
from .graph import FakeGraph, LoopbackTransport, StaticTokenCredential, StoredFile

__all__ = [
    "FakeConnector",
    "FakeGraph",
    "FakeHttpServer",
    "FaultInjector",
    "FaultRule",
    "LoopbackTransport",
    "PostedActivity",
    "RateLimitViolation",
    "RecordedRequest",
    "StaticTokenCredential",
    "StoredFile",
]
