"""Usage monitoring: per-user and per-endpoint request counts and latency, in one registry per app."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """Prometheus collectors; endpoints are route templates, so label values stay bounded."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "csas_http_requests",
            "HTTP requests by method, route template, status and user.",
            ["method", "endpoint", "status", "user"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "csas_http_request_duration_seconds",
            "HTTP request latency by method, route template and user.",
            ["method", "endpoint", "user"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.audit = Histogram(
            "csas_audit_write_seconds",
            "Time spent writing audit records, per request that wrote any.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.result_cache = Counter(
            "csas_result_cache",
            "Analysis requests by result cache outcome: hit, miss, or off (data changing, not cached).",
            ["outcome"],
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "csas_auth_failures", "Requests refused for missing or bad credentials.", registry=self.registry
        )

    def observe(self, method: str, endpoint: str, status: int, user: str, seconds: float, audit_s: float) -> None:
        self.requests.labels(method, endpoint, str(status), user).inc()
        self.latency.labels(method, endpoint, user).observe(seconds)
        if audit_s:
            self.audit.observe(audit_s)
        if status == 401:
            self.auth_failures.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
