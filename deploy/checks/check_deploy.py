#!/usr/bin/env python3
"""Checks of Reelay's deployment files (deploy/), run by scripts/check-deploy.sh inside its virtualenv.

    python deploy/checks/check_deploy.py <check> [--root REPO]

Each check prints its problems on stderr, one per line, and exits 1 when it found any, 0 otherwise; the shell script
prints the one-line verdict. Checks:

    kubernetes    every core Kubernetes document against the official schemas (kubernetes-validate, strict: unknown
                  fields are errors) for the oldest and newest Kubernetes versions below
    keda          the KEDA ScaledObject and TriggerAuthentication against this file's own JSON schemas (kubernetes-
                  validate has no CRDs), the HPA behaviour inside it against Kubernetes' autoscaling/v2 schema, and what
                  the scaler reads (the list `reelay:{publish}:ready`, the worker Deployment, the Secret's keys)
    coherence     the manifests agree with each other and with Reelay: kustomization lists every manifest (but the
                  Secret template), every referenced ConfigMap/Secret key/PVC/ServiceAccount/port exists, probes hit
                  /healthz and /readyz, the worker's termination grace = shutdown grace + 10 s, replicas, PDBs,
                  Prometheus annotations, the Secret holds placeholders only
    grafana       the dashboard parses, uses the ${DS_PROMETHEUS} input, and every PromQL expression names only
                  Reelay's metrics (and every one of them at least once)
    compose       docker-compose.yml's structure and the values the stack depends on
    dockerfile    the Dockerfile's stages, build command, runtime packages, resource bundles and user
    systemd       what systemd-analyze cannot know: commands, hardening, ordering, the worker's stop timeout vs grace
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import shlex
import sys
from typing import Any, Callable, Iterable

import jsonschema
import yaml

# Kubernetes versions every core manifest must validate against (oldest supported by this file set, newest known).
KUBERNETES_VERSIONS = ["1.29.0", "latest"]
PUBLISH_BACKLOG = "reelay:{publish}:ready"
WORKER_GRACE_MARGIN_S = 10
SECRET_TEMPLATE = "secret.example.yaml"
PLACEHOLDER = "CHANGE-ME"

# ---------------------------------------------------------------------------------------------------------------------
# Metrics Reelay exports (Prometheus names). Histograms are only ever queried through _bucket, _sum or _count.
# ---------------------------------------------------------------------------------------------------------------------
GAUGES_AND_COUNTERS = {
    "reelay_queue_depth", "reelay_queue_oldest_ready_age_seconds",
    "reelay_jobs_enqueued", "reelay_jobs_started", "reelay_jobs_completed", "reelay_jobs_failed",
    "reelay_jobs_retried", "reelay_jobs_dead",
    "reelay_tiktok_requests",
    "reelay_accounts",
    "reelay_recorder_lag_seconds", "reelay_recorder_applied", "reelay_recorder_failures", "reelay_recorder_skipped",
    "reelay_scheduler_leader", "reelay_scheduler_lag_seconds", "reelay_scheduler_stuck_past_due",
    "reelay_scheduler_posts_loaded", "reelay_scheduler_posts_missed",
    "hb_requests", "hb_request_errors",
}
HISTOGRAMS = {"reelay_jobs_duration", "reelay_tiktok_request_duration", "http_server_request_duration"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

PROMQL_FUNCTIONS = {
    "abs", "absent", "absent_over_time", "avg", "avg_over_time", "bottomk", "ceil", "changes", "clamp", "clamp_max",
    "clamp_min", "count", "count_over_time", "count_values", "day_of_month", "day_of_week", "delta", "deriv", "exp",
    "floor", "group", "histogram_quantile", "holt_winters", "hour", "idelta", "increase", "irate", "label_join",
    "label_replace", "last_over_time", "ln", "log10", "log2", "max", "max_over_time", "min", "min_over_time", "minute",
    "month", "predict_linear", "quantile", "quantile_over_time", "rate", "resets", "round", "scalar", "sgn", "sort",
    "sort_desc", "sqrt", "stddev", "stddev_over_time", "stdvar", "sum", "sum_over_time", "time", "timestamp", "topk",
    "vector", "year", "label_values", "query_result",
}
PROMQL_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
                   "group_right", "inf", "nan"}


class Problems:
    """Collects problems; each is printed on stderr as `check: where: what`."""

    def __init__(self, check: str) -> None:
        self.check = check
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")

    def require(self, condition: bool, where: str, what: str) -> bool:
        if not condition:
            self.add(where, what)
        return condition

    def finish(self, summary: str) -> int:
        for item in self.items:
            print(f"{self.check}: {item}", file=sys.stderr)
        print(summary if not self.items else f"{len(self.items)} problem(s)")
        return 1 if self.items else 0


def duration_seconds(text: str) -> float:
    """`25s`, `500ms`, `1m`, `1h`, `35` (seconds): the value in seconds; ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|min|sec)?\s*", str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return value * {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[unit]


# ---------------------------------------------------------------------------------------------------------------------
# Kubernetes documents
# ---------------------------------------------------------------------------------------------------------------------
class Document:
    def __init__(self, path: pathlib.Path, index: int, body: dict[str, Any]) -> None:
        self.path, self.index, self.body = path, index, body

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion", ""))

    @property
    def name(self) -> str:
        return str((self.body.get("metadata") or {}).get("name", ""))

    @property
    def where(self) -> str:
        return f"{self.path.name}#{self.index} {self.kind}/{self.name}"


def load_documents(directory: pathlib.Path, problems: Problems) -> list[Document]:
    documents: list[Document] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        try:
            bodies = list(yaml.safe_load_all(path.read_text()))
        except yaml.YAMLError as error:
            problems.add(path.name, f"does not parse: {error}")
            continue
        for index, body in enumerate(bodies):
            if body is None:
                continue
            if not isinstance(body, dict):
                problems.add(f"{path.name}#{index}", "is not a mapping")
                continue
            documents.append(Document(path, index, body))
    return documents


CUSTOM_RESOURCES = {("keda.sh/v1alpha1", "ScaledObject"), ("keda.sh/v1alpha1", "TriggerAuthentication")}


def check_kubernetes(root: pathlib.Path) -> int:
    import kubernetes_validate

    problems = Problems("kubernetes")
    documents = load_documents(root / "deploy/kubernetes", problems)
    versions = [kubernetes_validate.latest_version() if v == "latest" else v for v in KUBERNETES_VERSIONS]
    checked = 0
    for document in documents:
        if (document.api_version, document.kind) in CUSTOM_RESOURCES:
            continue  # the `keda` check validates these
        for version in versions:
            try:
                kubernetes_validate.validate(document.body, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                location = "/".join(str(p) for p in error.path) or "(document)"
                problems.add(document.where, f"Kubernetes {version}: {location}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError:
                problems.add(document.where, f"Kubernetes {version} has no kind {document.kind} in {document.api_version}")
            except Exception as error:  # an unparseable document, an unsupported version
                problems.add(document.where, f"Kubernetes {version}: {type(error).__name__}: {error}")
        checked += 1
    problems.require(checked > 0, "deploy/kubernetes", "no Kubernetes document found")
    return problems.finish(f"{checked} documents valid (strict) for Kubernetes {', '.join(versions)}")


# --- KEDA: our own schemas (a subset of KEDA v2's CRDs, closed: unknown fields are errors) -------------------------
DNS_LABEL = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
METADATA_SCHEMA = {
    "type": "object",
    "required": ["name", "namespace"],
    "properties": {"name": DNS_LABEL, "namespace": DNS_LABEL, "labels": STRING_MAP, "annotations": STRING_MAP},
    "additionalProperties": False,
}
NON_NEGATIVE = {"type": "integer", "minimum": 0}
POSITIVE = {"type": "integer", "minimum": 1}
DIGITS = {"type": "string", "pattern": r"^[0-9]+$"}
BOOL_TEXT = {"type": "string", "enum": ["true", "false"]}
# Metadata the `redis` (list length) scaler understands. `password` is left out on purpose: a password belongs in a
# TriggerAuthentication, never in the ScaledObject.
REDIS_TRIGGER_METADATA = {
    "type": "object",
    "required": ["listName"],
    "properties": {
        "listName": {"type": "string", "minLength": 1},
        "listLength": DIGITS,
        "activationListLength": DIGITS,
        "databaseIndex": DIGITS,
        "enableTLS": BOOL_TEXT,
        "unsafeSsl": BOOL_TEXT,
        "address": {"type": "string", "pattern": r"^[^:\s]+:[0-9]+$"},
        "addressFromEnv": {"type": "string"},
        "host": {"type": "string"},
        "hostFromEnv": {"type": "string"},
        "port": DIGITS,
        "portFromEnv": {"type": "string"},
        "username": {"type": "string"},
        "usernameFromEnv": {"type": "string"},
        "passwordFromEnv": {"type": "string"},
    },
    "additionalProperties": False,
}
SCALED_OBJECT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": METADATA_SCHEMA,
        "spec": {
            "type": "object",
            "required": ["scaleTargetRef", "triggers"],
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "name": DNS_LABEL,
                        "envSourceContainerName": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
                "pollingInterval": POSITIVE,
                "cooldownPeriod": NON_NEGATIVE,
                "initialCooldownPeriod": NON_NEGATIVE,
                "idleReplicaCount": NON_NEGATIVE,
                "minReplicaCount": NON_NEGATIVE,
                "maxReplicaCount": POSITIVE,
                "fallback": {
                    "type": "object",
                    "required": ["failureThreshold", "replicas"],
                    "properties": {
                        "failureThreshold": POSITIVE,
                        "replicas": NON_NEGATIVE,
                        "behavior": {"enum": ["static", "currentReplicas", "currentReplicasIfHigher", "currentReplicasIfLower"]},
                    },
                    "additionalProperties": False,
                },
                "advanced": {
                    "type": "object",
                    "properties": {
                        "restoreToOriginalReplicaCount": {"type": "boolean"},
                        "horizontalPodAutoscalerConfig": {
                            "type": "object",
                            "properties": {"name": {"type": "string"}, "behavior": {"type": "object"}},
                            "additionalProperties": False,
                        },
                        "scalingModifiers": {"type": "object"},
                    },
                    "additionalProperties": False,
                },
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["type", "metadata"],
                        "properties": {
                            "type": {"type": "string", "minLength": 1},
                            "name": {"type": "string"},
                            "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
                            "useCachedMetrics": {"type": "boolean"},
                            "metadata": STRING_MAP,
                            "authenticationRef": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": DNS_LABEL,
                                    "kind": {"enum": ["TriggerAuthentication", "ClusterTriggerAuthentication"]},
                                },
                                "additionalProperties": False,
                            },
                        },
                        "additionalProperties": False,
                        "allOf": [{
                            "if": {"properties": {"type": {"const": "redis"}}},
                            "then": {"properties": {"metadata": REDIS_TRIGGER_METADATA}},
                        }],
                    },
                },
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
TARGET_REF_ITEM = {
    "type": "object",
    "required": ["parameter", "name", "key"],
    "properties": {"parameter": {"type": "string", "minLength": 1}, "name": DNS_LABEL, "key": {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}
TRIGGER_AUTHENTICATION_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "TriggerAuthentication"},
        "metadata": METADATA_SCHEMA,
        "spec": {
            "type": "object",
            "minProperties": 1,
            "properties": {
                "secretTargetRef": {"type": "array", "minItems": 1, "items": TARGET_REF_ITEM},
                "configMapTargetRef": {"type": "array", "minItems": 1, "items": TARGET_REF_ITEM},
                "env": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["parameter", "name"],
                        "properties": {"parameter": {"type": "string"}, "name": {"type": "string"}, "containerName": {"type": "string"}},
                        "additionalProperties": False,
                    },
                },
                # Other secret stores are allowed as objects; their insides are not checked here.
                **{name: {"type": "object"} for name in [
                    "podIdentity", "hashiCorpVault", "azureKeyVault", "awsSecretManager", "gcpSecretManager",
                    "boundServiceAccountToken", "filePath", "oauth2"]},
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}


def schema_errors(schema: dict, body: dict) -> Iterable[str]:
    validator = jsonschema.Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
        location = "/".join(str(p) for p in error.absolute_path) or "(document)"
        yield f"{location}: {error.message}"


def secret_keys(documents: list[Document]) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    for document in documents:
        if document.kind == "Secret":
            body = document.body
            keys.setdefault(document.name, set()).update((body.get("stringData") or {}).keys(), (body.get("data") or {}).keys())
    return keys


def check_keda(root: pathlib.Path) -> int:
    import kubernetes_validate

    problems = Problems("keda")
    documents = load_documents(root / "deploy/kubernetes", problems)
    scaled = [d for d in documents if (d.api_version, d.kind) == ("keda.sh/v1alpha1", "ScaledObject")]
    auths = {d.name: d for d in documents if (d.api_version, d.kind) == ("keda.sh/v1alpha1", "TriggerAuthentication")}
    deployments = {d.name: d for d in documents if d.kind == "Deployment"}
    secrets = secret_keys(documents)
    problems.require(len(scaled) == 1, "deploy/kubernetes", f"expected one ScaledObject, found {len(scaled)}")

    for auth in auths.values():
        for message in schema_errors(TRIGGER_AUTHENTICATION_SCHEMA, auth.body):
            problems.add(auth.where, message)
        for ref in (auth.body.get("spec") or {}).get("secretTargetRef") or []:
            if isinstance(ref, dict) and ref.get("name") and ref.get("key"):
                problems.require(ref["key"] in secrets.get(ref["name"], set()), auth.where,
                                 f"Secret {ref['name']} has no key {ref['key']} (see {SECRET_TEMPLATE})")

    for document in scaled:
        messages = list(schema_errors(SCALED_OBJECT_SCHEMA, document.body))
        for message in messages:
            problems.add(document.where, message)
        if messages:
            continue
        spec = document.body["spec"]
        target = spec["scaleTargetRef"]
        deployment = deployments.get(target["name"])
        if problems.require(deployment is not None and target.get("kind", "Deployment") == "Deployment", document.where,
                            f"scaleTargetRef names no Deployment of these manifests: {target['name']}"):
            problems.require("replicas" not in deployment.body.get("spec", {}), deployment.where,
                             "sets spec.replicas, which would fight the ScaledObject on every apply")
            problems.require(deployment.name == "reelay-worker", document.where, "must scale reelay-worker")
        low, high = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
        problems.require(low == 1, document.where, f"minReplicaCount must be 1 (a worker always running), is {low}")
        problems.require(high >= max(low, 1), document.where, f"maxReplicaCount {high} is below minReplicaCount {low}")
        redis = [t for t in spec["triggers"] if t["type"] == "redis"]
        if problems.require(len(redis) == 1, document.where, "needs exactly one trigger of type redis"):
            meta = redis[0]["metadata"]
            problems.require(meta.get("listName") == PUBLISH_BACKLOG, document.where,
                             f"listName must be {PUBLISH_BACKLOG!r}, is {meta.get('listName')!r}")
            problems.require(int(meta.get("listLength", "0")) > 0, document.where, "listLength must be a positive target")
            ref = redis[0].get("authenticationRef")
            has_address = any(k in meta for k in ("address", "addressFromEnv", "host", "hostFromEnv"))
            if problems.require(ref is not None, document.where, "the redis trigger needs an authenticationRef (the password)"):
                auth = auths.get(ref["name"])
                if problems.require(auth is not None, document.where, f"no TriggerAuthentication {ref['name']}"):
                    parameters = {r.get("parameter") for r in (auth.body.get("spec") or {}).get("secretTargetRef") or []}
                    problems.require("password" in parameters, auth.where, "gives no `password` parameter")
                    has_address = has_address or "address" in parameters or "host" in parameters
            problems.require(has_address, document.where, "the redis trigger has no address (metadata or TriggerAuthentication)")
        behavior = ((spec.get("advanced") or {}).get("horizontalPodAutoscalerConfig") or {}).get("behavior")
        if behavior is not None:
            hpa = {
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "keda-hpa"},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target["name"]},
                         "minReplicas": max(low, 1), "maxReplicas": high, "behavior": behavior},
            }
            try:
                kubernetes_validate.validate(hpa, kubernetes_validate.latest_version(), strict=True)
            except kubernetes_validate.ValidationError as error:
                location = "/".join(str(p) for p in error.path)
                problems.add(document.where, f"advanced.horizontalPodAutoscalerConfig.behavior ({location}): {error.message}")
    return problems.finish(f"{len(scaled)} ScaledObject and {len(auths)} TriggerAuthentication match their schemas and references")


# --- coherence between the manifests, and with Reelay ---------------------------------------------------------------
def pod_spec(document: Document) -> dict | None:
    spec = document.body.get("spec") or {}
    if document.kind in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        return (spec.get("template") or {}).get("spec")
    return None


def container_env(container: dict) -> dict[str, Any]:
    return {e["name"]: e for e in container.get("env") or [] if isinstance(e, dict) and "name" in e}


def check_coherence(root: pathlib.Path) -> int:
    problems = Problems("coherence")
    directory = root / "deploy/kubernetes"
    documents = load_documents(directory, problems)
    by_kind: dict[str, dict[str, Document]] = {}
    for document in documents:
        by_kind.setdefault(document.kind, {})[document.name] = document
        namespace = (document.body.get("metadata") or {}).get("namespace")
        if document.kind != "Namespace":
            problems.require(namespace == "reelay", document.where, f"namespace must be reelay, is {namespace!r}")

    # kustomization: every manifest but the Secret template, and nothing that does not exist.
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text()) or {}
    listed = list(kustomization.get("resources") or [])
    present = sorted(p.name for p in directory.glob("*.yaml") if p.name not in ("kustomization.yaml", SECRET_TEMPLATE))
    for name in present:
        problems.require(name in listed, "kustomization.yaml", f"does not list {name}")
    for name in listed:
        problems.require((directory / name).is_file(), "kustomization.yaml", f"lists {name}, which does not exist")
    problems.require(SECRET_TEMPLATE not in listed, "kustomization.yaml",
                     f"lists {SECRET_TEMPLATE}: an apply would overwrite the real Secret with placeholders")
    problems.require(kustomization.get("namespace") == "reelay", "kustomization.yaml", "namespace must be reelay")

    # The Secret template holds placeholders only.
    for secret in by_kind.get("Secret", {}).values():
        problems.require(not secret.body.get("data"), secret.where, "use stringData placeholders, not data")
        for key, value in (secret.body.get("stringData") or {}).items():
            problems.require(PLACEHOLDER in str(value), secret.where, f"{key} is not a {PLACEHOLDER} placeholder")

    configmaps = {name: set((d.body.get("data") or {}).keys()) for name, d in by_kind.get("ConfigMap", {}).items()}
    secrets = secret_keys(documents)
    claims = set(by_kind.get("PersistentVolumeClaim", {}))
    accounts = set(by_kind.get("ServiceAccount", {}))
    images: set[str] = set()

    workloads = [d for d in documents if pod_spec(d) is not None]
    for document in workloads:
        spec = pod_spec(document) or {}
        where = document.where
        problems.require(spec.get("serviceAccountName") in accounts, where, "serviceAccountName names no ServiceAccount here")
        security = spec.get("securityContext") or {}
        problems.require(security.get("runAsNonRoot") is True and (security.get("runAsUser") or 0) > 0, where,
                         "pods must run as a non-root user (runAsNonRoot, runAsUser > 0)")
        problems.require((security.get("seccompProfile") or {}).get("type") == "RuntimeDefault", where, "needs seccompProfile RuntimeDefault")
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        for volume in volumes.values():
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                problems.require(claim in claims, where, f"volume {volume['name']} claims {claim}, which is not defined")
        for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
            cwhere = f"{where} container {container.get('name')}"
            images.add(container.get("image", ""))
            csec = container.get("securityContext") or {}
            problems.require(csec.get("allowPrivilegeEscalation") is False, cwhere, "allowPrivilegeEscalation must be false")
            problems.require(csec.get("readOnlyRootFilesystem") is True, cwhere, "readOnlyRootFilesystem must be true")
            problems.require("ALL" in ((csec.get("capabilities") or {}).get("drop") or []), cwhere, "must drop ALL capabilities")
            resources = container.get("resources") or {}
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    problems.require(resource in (resources.get(part) or {}), cwhere, f"resources.{part}.{resource} missing")
            for mount in container.get("volumeMounts") or []:
                problems.require(mount.get("name") in volumes, cwhere, f"mounts undefined volume {mount.get('name')}")
            for source in container.get("envFrom") or []:
                ref = (source.get("configMapRef") or {}).get("name")
                if ref:
                    problems.require(ref in configmaps, cwhere, f"envFrom ConfigMap {ref} is not defined")
                ref = (source.get("secretRef") or {}).get("name")
                if ref:
                    problems.require(ref in secrets, cwhere, f"envFrom Secret {ref} is not defined")
            for variable in container.get("env") or []:
                value_from = variable.get("valueFrom") or {}
                for kind, known in (("secretKeyRef", secrets), ("configMapKeyRef", configmaps)):
                    ref = value_from.get(kind)
                    if ref:
                        problems.require(ref.get("key") in known.get(ref.get("name"), set()), cwhere,
                                         f"{variable['name']} reads {kind} {ref.get('name')}/{ref.get('key')}, which does not exist")
            ports = {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}
            for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
                probe = container.get(probe_name)
                if probe and "httpGet" in probe:
                    port = probe["httpGet"].get("port")
                    problems.require(port in ports or port in ports.values(), cwhere, f"{probe_name} uses unknown port {port}")

    problems.require(len(images) == 1, "deploy/kubernetes", f"every container should use the one Reelay image, found {sorted(images)}")

    # Roles: commands, replicas, probes, metrics, grace.
    deployments = by_kind.get("Deployment", {})
    roles = {"reelay-api": "api", "reelay-scheduler": "scheduler", "reelay-worker": "worker"}
    for name, role in roles.items():
        document = deployments.get(name)
        if not problems.require(document is not None, "deploy/kubernetes", f"Deployment {name} is missing"):
            continue
        spec = document.body["spec"]
        template = spec["template"]
        containers = template["spec"]["containers"]
        main = next((c for c in containers if c.get("name") == role), None)
        if not problems.require(main is not None, document.where, f"no container named {role}"):
            continue
        problems.require(main.get("args") == [role], document.where, f"container args must be [{role!r}], are {main.get('args')}")
        expected_replicas = {"api": 2, "scheduler": 2}.get(role)
        if expected_replicas is not None:
            problems.require(spec.get("replicas") == expected_replicas, document.where, f"replicas must be {expected_replicas}")
        env = container_env(main)
        ports = {p.get("name"): p.get("containerPort") for p in main.get("ports") or []}
        annotations = template.get("metadata", {}).get("annotations") or {}
        problems.require(annotations.get("prometheus.io/scrape") == "true", document.where, "pods need prometheus.io/scrape: \"true\"")
        problems.require(annotations.get("prometheus.io/path") == "/metrics", document.where, "prometheus.io/path must be /metrics")
        live = (main.get("livenessProbe") or {}).get("httpGet") or {}
        ready = (main.get("readinessProbe") or {}).get("httpGet") or {}
        if role == "api":
            port = ports.get("http")
            problems.require(port == 8080, document.where, "the api container must expose port 8080 named http")
            problems.require(live.get("path") == "/healthz", document.where, "api liveness must GET /healthz")
            problems.require(ready.get("path") == "/readyz", document.where, "api readiness must GET /readyz")
            problems.require(annotations.get("prometheus.io/port") == "8080", document.where, "api metrics are on 8080")
        else:
            port = ports.get("metrics")
            problems.require(port == 9100, document.where, f"the {role} container must expose port 9100 named metrics")
            problems.require(str((env.get("REELAY_METRICS_PORT") or {}).get("value")) == str(port), document.where,
                             "REELAY_METRICS_PORT must equal the metrics containerPort")
            problems.require(live.get("path") == "/healthz" and live.get("port") in ("metrics", 9100), document.where,
                             f"{role} liveness must GET /healthz on the metrics port")
            problems.require(ready.get("path") == "/healthz" and ready.get("port") in ("metrics", 9100), document.where,
                             f"{role} readiness must GET /healthz on the metrics port")
            problems.require(annotations.get("prometheus.io/port") == str(port), document.where, "prometheus.io/port must be the metrics port")
        if role == "worker":
            grace_text = (env.get("REELAY_WORKER_SHUTDOWN_GRACE") or {}).get("value")
            if problems.require(grace_text is not None, document.where, "the worker must set REELAY_WORKER_SHUTDOWN_GRACE"):
                grace = duration_seconds(grace_text)
                termination = template["spec"].get("terminationGracePeriodSeconds", 30)
                problems.require(termination == grace + WORKER_GRACE_MARGIN_S, document.where,
                                 f"terminationGracePeriodSeconds ({termination}) must be the shutdown grace ({grace:g}s) + {WORKER_GRACE_MARGIN_S}")
            problems.require("REELAY_DATABASE_URL" not in env, document.where, "workers have no database connection: do not give them REELAY_DATABASE_URL")

    # Services and PDBs select existing pods.
    pod_labels = [(d, (d.body["spec"]["template"].get("metadata") or {}).get("labels") or {}) for d in deployments.values()]

    def selects(selector: dict) -> list[Document]:
        return [d for d, labels in pod_labels if selector and all(labels.get(k) == v for k, v in selector.items())]

    for service in by_kind.get("Service", {}).values():
        chosen = selects(service.body["spec"].get("selector") or {})
        if problems.require(len(chosen) == 1, service.where, f"selects {len(chosen)} Deployments, expected 1"):
            container_ports = {p.get("name"): p.get("containerPort") for c in chosen[0].body["spec"]["template"]["spec"]["containers"]
                               for p in c.get("ports") or []}
            for port in service.body["spec"].get("ports") or []:
                target = port.get("targetPort", port.get("port"))
                problems.require(target in container_ports or target in container_ports.values(), service.where,
                                 f"targetPort {target} is no container port of {chosen[0].name}")
    covered = set()
    for pdb in by_kind.get("PodDisruptionBudget", {}).values():
        chosen = selects((pdb.body["spec"].get("selector") or {}).get("matchLabels") or {})
        problems.require(len(chosen) == 1, pdb.where, f"selects {len(chosen)} Deployments, expected 1")
        covered.update(d.name for d in chosen)
    for name in roles:
        problems.require(name in covered, "deploy/kubernetes", f"no PodDisruptionBudget for {name}")
    metrics_services = {d.name for s in by_kind.get("Service", {}).values() for d in selects(s.body["spec"].get("selector") or {})}
    for name in roles:
        problems.require(name in metrics_services, "deploy/kubernetes", f"no Service selects {name}")

    job = next(iter(by_kind.get("Job", {}).values()), None)
    if problems.require(job is not None, "deploy/kubernetes", "no migrate Job"):
        containers = pod_spec(job)["containers"]
        problems.require(containers[0].get("args") == ["migrate"], job.where, "the Job must run `reelay migrate`")
    return problems.finish(f"{len(documents)} documents agree with each other and with Reelay's settings")


# ---------------------------------------------------------------------------------------------------------------------
# Grafana
# ---------------------------------------------------------------------------------------------------------------------
def promql_names(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, unknown function names) used by a PromQL expression."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"'(?:[^'\\]|\\.)*'", "''", text)
    text = re.sub(r"`[^`]*`", "``", text)
    # Grafana's label_values(metric, label): the second argument is a label name, not a metric.
    text = re.sub(r"\blabel_values\(([^()]*?),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)", r"label_values(\1)", text)
    text = re.sub(r"\{[^{}]*\}", " ", text)   # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)   # range and subquery selectors
    text = re.sub(r"\boffset\s+-?[0-9][0-9a-z]*", " ", text)   # offset 5m
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"(?<![A-Za-z0-9_:])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", " ", text)  # numbers
    metrics, unknown_functions = set(), set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        name = match.group(0)
        rest = text[match.end():].lstrip()
        if rest.startswith("("):
            if name not in PROMQL_FUNCTIONS:
                unknown_functions.add(name)
        elif name.lower() not in PROMQL_KEYWORDS:
            metrics.add(name)
    return metrics, unknown_functions


def allowed_metric(name: str) -> str | None:
    """The metric family `name` belongs to, or None when Reelay exports no such series."""
    if name in GAUGES_AND_COUNTERS:
        return name
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in HISTOGRAMS:
            return name[: -len(suffix)]
    return None


def walk_panels(panels: list[dict]) -> Iterable[dict]:
    for panel in panels or []:
        yield panel
        yield from walk_panels(panel.get("panels") or [])


def check_grafana(root: pathlib.Path) -> int:
    problems = Problems("grafana")
    path = root / "deploy/grafana/reelay-dashboard.json"
    try:
        dashboard = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        problems.add(path.name, f"does not parse: {error}")
        return problems.finish("")
    problems.require(isinstance(dashboard.get("schemaVersion"), int) and dashboard["schemaVersion"] >= 36, path.name,
                     "schemaVersion must be a number >= 36")
    problems.require(bool(dashboard.get("uid")) and bool(dashboard.get("title")), path.name, "needs a uid and a title")
    inputs = {i.get("name"): i for i in dashboard.get("__inputs") or []}
    problems.require((inputs.get("DS_PROMETHEUS") or {}).get("pluginId") == "prometheus", path.name,
                     "needs the __inputs entry DS_PROMETHEUS (a prometheus data source)")

    expressions: list[tuple[str, str]] = []
    ids: set[int] = set()
    panels = list(walk_panels(dashboard.get("panels") or []))
    for panel in panels:
        where = f"panel {panel.get('id')} {panel.get('title')!r}"
        if problems.require(isinstance(panel.get("id"), int) and panel["id"] not in ids, where, "panel ids must be unique numbers"):
            ids.add(panel["id"])
        grid = panel.get("gridPos") or {}
        problems.require(all(isinstance(grid.get(k), int) for k in "hwxy") and grid["x"] + grid["w"] <= 24, where, "bad gridPos")
        if panel.get("type") == "row":
            continue
        targets = panel.get("targets") or []
        problems.require(bool(targets), where, "has no query")
        problems.require((panel.get("datasource") or {}).get("uid") == "${DS_PROMETHEUS}", where, "datasource must be ${DS_PROMETHEUS}")
        for target in targets:
            problems.require((target.get("datasource") or {}).get("uid") == "${DS_PROMETHEUS}", where, "target datasource must be ${DS_PROMETHEUS}")
            if problems.require(bool(target.get("expr")), where, f"target {target.get('refId')} has no expr"):
                expressions.append((f"{where} {target.get('refId')}", target["expr"]))
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        if variable.get("type") == "query":
            query = variable.get("query")
            text = query.get("query") if isinstance(query, dict) else query
            expressions.append((f"variable {variable.get('name')}", str(text or "")))

    used: set[str] = set()
    for where, expr in expressions:
        if expr.count("(") != expr.count(")"):
            problems.add(where, f"unbalanced parentheses: {expr}")
        metrics, functions = promql_names(expr)
        for function in sorted(functions):
            problems.add(where, f"unknown PromQL function {function}()")
        problems.require(bool(metrics), where, f"names no metric: {expr}")
        for metric in sorted(metrics):
            family = allowed_metric(metric)
            if problems.require(family is not None, where, f"{metric} is not a metric Reelay exports"
                                + (" (a histogram: use _bucket, _sum or _count)" if metric in HISTOGRAMS else "")):
                used.add(family)
    for family in sorted((GAUGES_AND_COUNTERS | HISTOGRAMS) - used):
        problems.add(path.name, f"no panel shows {family}")
    count = sum(1 for p in panels if p.get("type") != "row")
    return problems.finish(f"{count} panels, {len(expressions)} queries, all {len(used)} metric families known and shown")


# ---------------------------------------------------------------------------------------------------------------------
# docker compose
# ---------------------------------------------------------------------------------------------------------------------
COMPOSE_SERVICE_KEYS = {
    "image", "build", "command", "entrypoint", "environment", "env_file", "ports", "expose", "volumes", "depends_on",
    "healthcheck", "restart", "deploy", "stop_grace_period", "stop_signal", "init", "user", "working_dir", "networks",
    "labels", "logging", "read_only", "tmpfs", "security_opt", "cap_drop", "cap_add", "ulimits", "profiles",
    "container_name", "hostname", "secrets", "configs", "extra_hosts", "shm_size", "mem_limit", "cpus", "pull_policy",
}
REELAY_ROLES = {"migrate": "migrate", "api": "api", "scheduler": "scheduler", "worker": "worker"}


def check_compose(root: pathlib.Path) -> int:
    problems = Problems("compose")
    path = root / "deploy/docker-compose.yml"
    try:
        compose = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        problems.add(path.name, f"does not parse: {error}")
        return problems.finish("")
    for key in compose:
        problems.require(key in ("name", "services", "volumes", "networks", "configs", "secrets") or key.startswith("x-"),
                         path.name, f"unknown top-level key {key}")
    services = compose.get("services") or {}
    volumes = set((compose.get("volumes") or {}).keys())
    for name in ("postgres", "redis", *REELAY_ROLES):
        problems.require(name in services, path.name, f"service {name} is missing")

    for name, service in services.items():
        where = f"service {name}"
        for key in service:
            problems.require(key in COMPOSE_SERVICE_KEYS, where, f"unknown key {key}")
        for dependency in service.get("depends_on") or {}:
            problems.require(dependency in services, where, f"depends on unknown service {dependency}")
        for volume in service.get("volumes") or []:
            source = str(volume).split(":")[0] if isinstance(volume, str) else volume.get("source")
            if source and not source.startswith((".", "/")):
                problems.require(source in volumes, where, f"uses undeclared volume {source}")
        if name != "migrate":
            problems.require("healthcheck" in service, where, "needs a healthcheck")

    redis = services.get("redis") or {}
    command = " ".join(redis.get("command") or []) if isinstance(redis.get("command"), list) else str(redis.get("command", ""))
    for setting in ("--appendonly yes", "--appendfsync everysec", "--maxmemory-policy noeviction"):
        problems.require(setting in command, "service redis", f"command must include {setting}")

    images = set()
    for name, role in REELAY_ROLES.items():
        service = services.get(name)
        if not service:
            continue
        where = f"service {name}"
        images.add(service.get("image"))
        build = service.get("build") or {}
        problems.require(build.get("dockerfile") == "deploy/Dockerfile", where, "must build deploy/Dockerfile")
        context = (path.parent / str(build.get("context", ""))).resolve()
        problems.require((context / "Package.swift").is_file(), where, "build context must be the repository root")
        problems.require((service.get("command") or [None])[0] == role, where, f"command must start with {role}")
        environment = service.get("environment") or {}
        problems.require(isinstance(environment, dict), where, "environment must be a mapping")
        for variable in environment:
            problems.require(str(variable).startswith("REELAY_"), where, f"{variable} is not a Reelay setting")
        key = str(environment.get("REELAY_ENCRYPTION_KEY", ""))
        problems.require(key.startswith("${") and key.endswith("}"), where, "REELAY_ENCRYPTION_KEY must come from the environment, never a literal")
        if name in ("api", "scheduler"):
            condition = ((service.get("depends_on") or {}).get("migrate") or {}).get("condition")
            problems.require(condition == "service_completed_successfully", where, "must wait for migrate to complete")
        test = " ".join(map(str, (service.get("healthcheck") or {}).get("test") or []))
        if name == "api":
            problems.require("8080/readyz" in test or "8080/healthz" in test, where, "healthcheck must GET /readyz or /healthz on 8080")
        if name in ("scheduler", "worker"):
            problems.require(str(environment.get("REELAY_METRICS_PORT")) == "9100", where, "REELAY_METRICS_PORT must be 9100")
            problems.require("9100/healthz" in test, where, "healthcheck must GET /healthz on 9100")
    problems.require(len(images) == 1, path.name, f"every Reelay service should use one image, found {sorted(map(str, images))}")

    migrate = services.get("migrate") or {}
    condition = ((migrate.get("depends_on") or {}).get("postgres") or {}).get("condition")
    problems.require(condition == "service_healthy", "service migrate", "must wait for a healthy postgres")
    worker = services.get("worker") or {}
    replicas = (worker.get("deploy") or {}).get("replicas")
    problems.require(isinstance(replicas, int) and replicas >= 1, "service worker", "deploy.replicas must be a number >= 1")
    problems.require("container_name" not in worker and "ports" not in worker, "service worker",
                     "replicas cannot share a container name or host ports")
    grace_text = (worker.get("environment") or {}).get("REELAY_WORKER_SHUTDOWN_GRACE")
    if problems.require(grace_text is not None, "service worker", "must set REELAY_WORKER_SHUTDOWN_GRACE"):
        stop = duration_seconds(worker.get("stop_grace_period", "10s"))
        problems.require(stop > duration_seconds(grace_text), "service worker",
                         f"stop_grace_period ({stop:g}s) must exceed the shutdown grace ({grace_text})")
    return problems.finish(f"{len(services)} services coherent (postgres, redis, migrate, api, scheduler, worker)")


# ---------------------------------------------------------------------------------------------------------------------
# Dockerfile
# ---------------------------------------------------------------------------------------------------------------------
def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line:
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def check_dockerfile(root: pathlib.Path) -> int:
    problems = Problems("dockerfile")
    path = root / "deploy/Dockerfile"
    instructions = dockerfile_instructions(path.read_text())
    args = {}
    stages: list[list[tuple[str, str]]] = []
    for word, rest in instructions:
        if word == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name] = default
        if word == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((word, rest))
    if not problems.require(len(stages) >= 2, path.name, "needs a build stage and a runtime stage"):
        return problems.finish("")

    def image(stage: list[tuple[str, str]]) -> str:
        reference = stage[0][1].split()[0]
        return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), ""), reference)

    build, runtime = stages[0], stages[-1]
    problems.require(re.fullmatch(r"swift:6\.\d+(\.\d+)?(-[a-z0-9.-]+)?", image(build)) is not None, path.name,
                     f"the build stage must start from a swift:6.x image, not {image(build)}")
    runs = " ".join(rest for word, rest in build if word == "RUN")
    problems.require(re.search(r"swift build -c release --product reelay\b", runs) is not None, path.name,
                     "the build stage must run `swift build -c release --product reelay`")
    problems.require(".resources" in runs, path.name, "the build stage must collect the *.resources bundles")
    for bundle in ("Reelay_API.resources", "Reelay_Domain.resources"):
        problems.require(bundle in runs, path.name, f"the build must check that {bundle} was produced")
    runtime_runs = " ".join(rest for word, rest in runtime if word == "RUN")
    problems.require(re.search(r"\blibhiredis[0-9.]*\b", runtime_runs) is not None, path.name, "the runtime stage must install libhiredis")
    problems.require(re.search(r"\blibpq5\b", runtime_runs) is not None, path.name, "the runtime stage must install libpq5")
    copies = [rest for word, rest in runtime if word == "COPY" and "--from=" in rest]
    problems.require(any("/usr/local/bin" in c for c in copies), path.name,
                     "the runtime stage must copy the binary and its bundles to /usr/local/bin (side by side)")
    users = [rest for word, rest in runtime if word == "USER"]
    problems.require(bool(users) and users[-1].split(":")[0] not in ("root", "0"), path.name, "the runtime stage must end as a non-root USER")
    entrypoints = [rest for word, rest in runtime if word == "ENTRYPOINT"]
    problems.require(bool(entrypoints) and "/usr/local/bin/reelay" in entrypoints[-1], path.name, "ENTRYPOINT must be /usr/local/bin/reelay")

    # The context filter must let through everything the build stage copies.
    ignore = root / "deploy/Dockerfile.dockerignore"
    if problems.require(ignore.is_file(), ignore.name, "is missing (the context would include .build and .data)"):
        lines = [l.strip() for l in ignore.read_text().splitlines() if l.strip() and not l.startswith("#")]
        for word, rest in build:
            if word == "COPY" and "--from=" not in rest:
                for source in shlex.split(rest)[:-1]:
                    if source.startswith("--"):
                        continue
                    name = source.rstrip("/")
                    problems.require(f"!{name}" in lines or f"!{name}/" in lines or "*" not in lines, ignore.name,
                                     f"excludes {source}, which the Dockerfile copies")
    return problems.finish(f"{len(stages)} stages: {image(build)} build, {image(runtime)} runtime, non-root, bundles copied")


# ---------------------------------------------------------------------------------------------------------------------
# systemd: what `systemd-analyze verify` does not judge
# ---------------------------------------------------------------------------------------------------------------------
HARDENING = {
    "NoNewPrivileges": "yes", "PrivateTmp": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
    "PrivateDevices": "yes", "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": "",
}


def parse_unit(path: pathlib.Path) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        if current is not None:
            current.setdefault(key.strip(), []).append(value.strip())
    return sections


def check_systemd(root: pathlib.Path) -> int:
    problems = Problems("systemd")
    directory = root / "deploy/systemd"
    expected = {"reelay-api.service": "api", "reelay-scheduler.service": "scheduler",
                "reelay-worker@.service": "worker", "reelay-migrate.service": "migrate"}
    units = {}
    for name, role in expected.items():
        path = directory / name
        if not problems.require(path.is_file(), name, "is missing"):
            continue
        unit = units[name] = parse_unit(path)
        service = unit.get("Service", {})
        first = lambda key, default="": (service.get(key) or [default])[-1]  # noqa: E731
        command = shlex.split(first("ExecStart"))
        problems.require(command[:2] == ["/usr/local/bin/reelay", role], name, f"ExecStart must run `/usr/local/bin/reelay {role}`")
        problems.require(first("User") == "reelay" or first("DynamicUser") == "yes", name, "must run as the reelay user or a DynamicUser")
        problems.require("/etc/reelay/reelay.env" in service.get("EnvironmentFile", []), name, "must read /etc/reelay/reelay.env")
        for key, value in HARDENING.items():
            problems.require(first(key, None) == value, name, f"needs {key}={value}")
        problems.require("WantedBy" in unit.get("Install", {}), name, "needs an [Install] WantedBy=")
        if role == "migrate":
            problems.require(first("Type") == "oneshot" and first("RemainAfterExit") == "yes", name, "must be Type=oneshot with RemainAfterExit=yes")
            before = " ".join(unit.get("Unit", {}).get("Before", []))
            problems.require("reelay-api.service" in before, name, "must be ordered Before=reelay-api.service")
            continue
        problems.require(first("Restart") == "on-failure", name, "needs Restart=on-failure")
        problems.require(first("KillSignal") == "SIGTERM", name, "needs KillSignal=SIGTERM")
        problems.require(bool(first("TimeoutStopSec")), name, "needs TimeoutStopSec")
        if role in ("api", "scheduler"):
            after = " ".join(unit.get("Unit", {}).get("After", []))
            requires = " ".join(unit.get("Unit", {}).get("Requires", []) + unit.get("Unit", {}).get("Wants", []))
            problems.require("reelay-migrate.service" in after and "reelay-migrate.service" in requires, name,
                             "must require and come after reelay-migrate.service")
        if role == "worker":
            environment = dict(item.split("=", 1) for item in service.get("Environment", []) if "=" in item)
            grace = duration_seconds(environment.get("REELAY_WORKER_SHUTDOWN_GRACE", "25s"))
            stop = duration_seconds(first("TimeoutStopSec", "90s"))
            problems.require(stop >= grace + 5, name, f"TimeoutStopSec ({stop:g}s) must exceed the worker grace ({grace:g}s) by 5s or more")
            problems.require("-/etc/reelay/worker-%i.env" in service.get("EnvironmentFile", []), name,
                             "must read the optional per-instance /etc/reelay/worker-%i.env")
            problems.require(any(p.startswith("/var/lib/reelay") for p in first("ReadWritePaths").split()), name,
                             "the media root must be writable (ReadWritePaths)")
        if role == "api":
            problems.require(any(p.startswith("/var/lib/reelay") for p in first("ReadWritePaths").split()), name,
                             "the media root must be writable (ReadWritePaths)")
    return problems.finish(f"{len(units)} units: commands, hardening, ordering and stop timeouts as intended")


CHECKS: dict[str, Callable[[pathlib.Path], int]] = {
    "kubernetes": check_kubernetes,
    "keda": check_keda,
    "coherence": check_coherence,
    "grafana": check_grafana,
    "compose": check_compose,
    "dockerfile": check_dockerfile,
    "systemd": check_systemd,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("check", choices=sorted(CHECKS))
    parser.add_argument("--root", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parents[2],
                        help="the repository (default: two folders above this file)")
    options = parser.parse_args()
    try:
        return CHECKS[options.check](options.root.resolve())
    except Exception as error:  # a check that crashes is a failed check, with the reason
        print(f"{options.check}: crashed: {type(error).__name__}: {error}", file=sys.stderr)
        print("crashed")
        return 1


if __name__ == "__main__":
    sys.exit(main())
