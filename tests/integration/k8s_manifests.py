#!/usr/bin/python3
"""The Kubernetes manifests of deploy/k8s, checked offline (no cluster).

kubectl cannot validate without an API server (even --dry-run=client asks
the server which resources exist), so the schema is taken from Debian's
python3-kubernetes: its models are generated from the Kubernetes API's
OpenAPI document and name every field of every kind with its type and
which fields are required.  Each document is walked against them (unknown
fields, wrong types), then built with the client's own deserializer
(required fields).  A few broken copies prove the walk rejects what it
should.  Then what makes the manifests one fleet: the Indexed Job, its
shard count, the environment the entrypoint reads, the state volume, the
metrics port (lampsim serve's, the entrypoint's default), the sizing.

Output: TAP.  Usage: k8s_manifests.py SOURCE_DIR BUILD_DIR
"""
import atexit
import copy
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
    import kubernetes
    from kubernetes import client as k8s
except ImportError as e:
    print(f"Bail out! {e}: install Debian's python3-yaml and python3-kubernetes (bash tools/setup.sh)")
    sys.exit(1)

# docs/emulator.md#memory: a connected lamp takes 0.6 MB of RSS.
MB_PER_CONNECTED_LAMP = 0.6

KINDS = {
    ("batch/v1", "Job"): "V1Job",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Service"): "V1Service",
    ("v1", "PersistentVolumeClaim"): "V1PersistentVolumeClaim",
    ("v1", "Secret"): "V1Secret",
}

src, build = sys.argv[1], sys.argv[2]
deploy = os.path.join(src, "deploy", "k8s")
results = []


def tap(ok, name, details=()):
    results.append((ok, name, list(details)))


def check_type(value, type_name, path, errors, quantity=False):
    """Appends to errors where value is not of the API's type_name (as the
    generated client spells it: str, int, list[V1Container], ...)."""
    if value is None:
        return
    if type_name.startswith("list["):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check_type(item, type_name[5:-1], f"{path}[{i}]", errors)
    elif type_name.startswith("dict("):
        inner = re.fullmatch(r"dict\(str, (.*)\)", type_name).group(1)
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        for key, item in value.items():
            check_type(item, inner, f"{path}.{key}", errors, quantity)
    elif type_name == "str":
        # A quantity (resources) is an int or a string to the API server.
        allowed = (str, int, float) if quantity else (str,)
        if not isinstance(value, allowed) or isinstance(value, bool):
            errors.append(f"{path}: expected a string, got {type(value).__name__} {value!r}")
    elif type_name == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected an integer, got {type(value).__name__} {value!r}")
    elif type_name == "bool":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected true or false, got {value!r}")
    elif type_name in ("object", "datetime", "date", "float"):
        pass  # IntOrString and the like: the server parses them
    else:
        model = getattr(k8s, type_name)
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a {type_name} map, got {type(value).__name__}")
            return
        fields = {json: attr for attr, json in model.attribute_map.items()}
        for key, item in value.items():
            if key not in fields:
                errors.append(f"{path}.{key}: {type_name} has no such field")
                continue
            check_type(item, model.openapi_types[fields[key]], f"{path}.{key}", errors,
                       quantity=type_name in ("V1ResourceRequirements",))


def schema_errors(doc):
    """What the API would refuse in doc: unknown kind, unknown fields,
    wrong types, missing required fields."""
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key not in KINDS:
        return [f"{key[0]}/{key[1]}: not a kind these manifests use ({sorted(KINDS)})"]
    errors = []
    check_type(doc, KINDS[key], doc["kind"], errors)
    try:
        k8s.ApiClient()._ApiClient__deserialize(doc, KINDS[key])
    except (ValueError, TypeError) as e:
        errors.append(f"{doc['kind']}: {e}")
    return errors


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# 1. Every file parses, each document names its kind.
docs = {}  # (kind, name) -> document
files = sorted(f for f in os.listdir(deploy) if f.endswith(".yaml"))
problems = []
for name in files:
    try:
        for d in load(os.path.join(deploy, name)):
            if not isinstance(d, dict) or not all(d.get(k) for k in ("apiVersion", "kind")) \
                    or not (d.get("metadata") or {}).get("name"):
                problems.append(f"{name}: a document without apiVersion, kind or metadata.name")
                continue
            docs[(d["kind"], d["metadata"]["name"])] = d
    except yaml.YAMLError as e:
        problems.append(f"{name}: {e}")
# A fleet of its own, as fleet-init leaves it: the build's development
# fleet's registry grows with every lamp the other suites provision, and
# past 1 MiB fleet-secret.sh rightly refuses it (a Secret's limit).
fleet_tmp = tempfile.mkdtemp(prefix="k8s-fleet-")
atexit.register(shutil.rmtree, fleet_tmp, ignore_errors=True)
fleet_dir = os.path.join(fleet_tmp, "fleet")
init = subprocess.run([os.path.join(build, "tools", "lampfactory", "lampfactory"), "fleet-init",
                       "--fleet", fleet_dir], capture_output=True, text=True)
if init.returncode != 0:
    secret_out = init
else:
    secret_out = subprocess.run(["bash", os.path.join(deploy, "fleet-secret.sh"), fleet_dir],
                                capture_output=True, text=True)
if secret_out.returncode != 0:
    problems.append(f"{'lampfactory fleet-init' if init.returncode else 'fleet-secret.sh'}: exit "
                    f"{secret_out.returncode}: {secret_out.stderr.strip()}")
else:
    secret = yaml.safe_load(secret_out.stdout)
    docs[("Secret", secret["metadata"]["name"])] = secret
tap(not problems and len(files) >= 5,
    f"deploy/k8s: {len(files)} files parse as YAML ({', '.join(files)}), and fleet-secret.sh's Secret",
    problems)

# 2. The API's schema.
errors = [e for d in docs.values() for e in schema_errors(d)]
tap(not errors, f"{len(docs)} documents match the Kubernetes API's schema (fields, types, required) "
    f"of python3-kubernetes {kubernetes.__version__}", errors)

# 3. The walk rejects broken manifests.
job = docs.get(("Job", "lampsim"))
def broken(change, expect):
    d = copy.deepcopy(job)
    change(d)
    found = schema_errors(d)
    return None if any(expect in e for e in found) else f"{expect!r} not reported, got {found}"
mutations = [
    (lambda d: d["spec"].update(completionsMode="Indexed"), "V1JobSpec has no such field"),
    (lambda d: d["spec"].update(parallelism="20"), "spec.parallelism: expected an integer"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("name"), "`name`, must not be `None`"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(env={"A": "b"}), "env: expected a list"),
    (lambda d: d["spec"]["template"]["metadata"]["annotations"].update({"prometheus.io/port": 9477}),
     "annotations.prometheus.io/port: expected a string"),
    (lambda d: d["spec"]["template"]["spec"].pop("containers"), "`containers`, must not be `None`"),
]
misses = [m for m in (broken(c, e) for c, e in mutations) if m] if job else ["no Job lampsim"]
tap(not misses, f"the schema check rejects {len(mutations)} broken copies of the Job "
    "(a misspelt field, a string for a number, a missing required field, a map for a list)", misses)

# 4. The Indexed Job and its shard count.
config = docs.get(("ConfigMap", "lampsim-shard"), {}).get("data", {})
spec = (job or {}).get("spec", {})
pod = spec.get("template", {}).get("spec", {})
container = (pod.get("containers") or [{}])[0]
shards = int(config.get("LAMPSIM_SHARDS", "0"))
fleet_size = int(config.get("LAMPSIM_FLEET_SIZE", "0"))
facts = [
    (spec.get("completionMode") == "Indexed", "completionMode is Indexed"),
    (spec.get("completions") == shards, f"completions {spec.get('completions')} = LAMPSIM_SHARDS {shards}"),
    (spec.get("parallelism") == shards, f"parallelism {spec.get('parallelism')} = LAMPSIM_SHARDS {shards}"),
    (pod.get("restartPolicy") in ("OnFailure", "Never"), "restartPolicy is OnFailure or Never"),
    (0 < shards <= fleet_size, f"{shards} shards of {fleet_size} lamps each own one at least"),
]
tap(all(ok for ok, _ in facts), f"the Job is Indexed: completions = parallelism = LAMPSIM_SHARDS = {shards}",
    [what for ok, what in facts if not ok])

# 5. The environment: the ConfigMap, the Job's index, what the entrypoint reads.
with open(os.path.join(src, "deploy", "image", "lampsim-shard.sh")) as f:
    entrypoint = f.read()
read_by_entrypoint = set(re.findall(r"\b(LAMPSIM_[A-Z_]+)", entrypoint))
read_by_lampsim = {"LAMPSIM_SHARDS"}  # sim/shard.h: SHARD_COUNT_ENV
env = {e["name"]: e for e in container.get("env", [])}
index_ref = env.get("JOB_COMPLETION_INDEX", {}).get("valueFrom", {}).get("fieldRef", {})
facts = [
    (any(r.get("configMapRef", {}).get("name") == "lampsim-shard" for r in container.get("envFrom", [])),
     "the container takes the ConfigMap lampsim-shard (envFrom)"),
    (index_ref.get("fieldPath") == "metadata.annotations['batch.kubernetes.io/job-completion-index']",
     "JOB_COMPLETION_INDEX comes from the pod's completion-index annotation"),
    (set(config) <= read_by_entrypoint | read_by_lampsim,
     f"ConfigMap keys nobody reads: {sorted(set(config) - read_by_entrypoint - read_by_lampsim)}"),
    ("LAMPSIM_FLEET_SIZE" in config, "LAMPSIM_FLEET_SIZE, which the entrypoint requires, is set"),
    (all(isinstance(v, str) for v in config.values()), "every ConfigMap value is a string"),
]
with open(os.path.join(src, "sim", "shard.h")) as f:
    shard_h = f.read()
facts.append(('#define SHARD_COUNT_ENV "LAMPSIM_SHARDS"' in shard_h and
              '#define SHARD_INDEX_ENV "JOB_COMPLETION_INDEX"' in shard_h,
              "sim/shard.h reads the variables the Job sets"))
tap(all(ok for ok, _ in facts), "each pod gets the ConfigMap and its JOB_COMPLETION_INDEX, and the "
    "ConfigMap sets only what the entrypoint or lampsim reads", [w for ok, w in facts if not ok])

# 6. The state: shard-INDEX of the claim, at LAMPSIM_STATE_DIR; mounts name volumes.
volumes = {v["name"]: v for v in pod.get("volumes", [])}
mounts = {m["name"]: m for m in container.get("volumeMounts", [])}
lamps_mount = mounts.get("lamps", {})
claim = volumes.get("lamps", {}).get("persistentVolumeClaim", {}).get("claimName")
facts = [
    (lamps_mount.get("subPathExpr") == "shard-$(JOB_COMPLETION_INDEX)", "the lamps mount is shard-$(JOB_COMPLETION_INDEX)"),
    (lamps_mount.get("mountPath") == config.get("LAMPSIM_STATE_DIR"), "mounted at LAMPSIM_STATE_DIR"),
    (("PersistentVolumeClaim", claim) in docs, f"claim {claim} is in pvc.yaml"),
    ("ReadWriteMany" in docs.get(("PersistentVolumeClaim", claim), {}).get("spec", {}).get("accessModes", []),
     "the claim is ReadWriteMany (every shard mounts it)"),
    (set(mounts) <= set(volumes), f"mounts without a volume: {sorted(set(mounts) - set(volumes))}"),
    (volumes.get("fleet", {}).get("secret", {}).get("secretName") in [n for k, n in docs if k == "Secret"],
     "the fleet volume is fleet-secret.sh's Secret"),
]
prov = docs.get(("Job", "lampsim-provision"), {}).get("spec", {}).get("template", {}).get("spec", {})
prov_volumes = {v["name"]: v for v in prov.get("volumes", [])}
facts.append((prov_volumes.get("shards", {}).get("persistentVolumeClaim", {}).get("claimName") == claim,
              "the provisioning Job writes the same claim"))
facts.append(("shard-$k" in str(prov.get("containers", [{}])[0].get("args")),
              "the provisioning Job writes shard-K folders"))
tap(all(ok for ok, _ in facts), "each shard's state is folder shard-INDEX of one ReadWriteMany claim, "
    "the one the provisioning Job fills", [w for ok, w in facts if not ok])

# 7. Metrics: one port for the annotation, the container and the Service.
annotations = spec.get("template", {}).get("metadata", {}).get("annotations", {})
labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
service = docs.get(("Service", pod.get("subdomain")), {}).get("spec", {})
service_ports = {p.get("name"): p for p in service.get("ports", [])}
serve_port = re.search(r'--port "\$\{LAMPSIM_PORT:-(\d+)\}"', entrypoint)
facts = [
    (annotations.get("prometheus.io/scrape") == "true", "prometheus.io/scrape is \"true\""),
    (annotations.get("prometheus.io/port") == str(ports.get("metrics")),
     f"prometheus.io/port {annotations.get('prometheus.io/port')} = container port metrics {ports.get('metrics')}"),
    (service.get("clusterIP") == "None", f"Service {pod.get('subdomain')} (the pods' subdomain) is headless"),
    (bool(service.get("selector")) and service.get("selector", {}).items() <= labels.items(),
     "the Service selects the shards' pods"),
    (service_ports.get("metrics", {}).get("port") == ports.get("metrics") and
     service_ports.get("metrics", {}).get("targetPort") == "metrics", "the Service's metrics port is the container's"),
    (serve_port is not None and int(serve_port.group(1)) == ports.get("metrics"),
     "the entrypoint's lampsim serve --port default is the container port metrics"),
    ('--address "${LAMPSIM_ADDRESS:-0.0.0.0}"' in entrypoint,
     "lampsim serve listens on every address by default (the pod's IP, where Prometheus scrapes)"),
    (container.get("readinessProbe", {}).get("httpGet", {}).get("port") == "metrics" and
     container.get("readinessProbe", {}).get("httpGet", {}).get("path") == annotations.get("prometheus.io/path"),
     "the readiness probe asks the scraped path on port metrics"),
]
tap(all(ok for ok, _ in facts), f"Prometheus scrapes lampsim serve in each pod on port {ports.get('metrics')} "
    "(entrypoint, annotations, container port, readiness probe, headless Service)", [w for ok, w in facts if not ok])

# 8. Sizing: memory for every lamp of the shard connected, threads = CPU limit.
def mebibytes(q):
    q = str(q)
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "K": 1e3 / 2**20, "M": 1e6 / 2**20, "G": 1e9 / 2**20}
    for unit, factor in units.items():
        if q.endswith(unit):
            return float(q[: -len(unit)]) * factor
    return float(q) / 2**20
resources = container.get("resources", {})
per_shard = math.ceil(fleet_size / shards) if shards else 0
need_mib = per_shard * MB_PER_CONNECTED_LAMP * 1e6 / 2**20
request_mib = mebibytes(resources.get("requests", {}).get("memory", 0))
limit_mib = mebibytes(resources.get("limits", {}).get("memory", 0))
facts = [
    (request_mib >= need_mib, f"memory request {request_mib:.0f} MiB < {per_shard} lamps x 0.6 MB = {need_mib:.0f} MiB"),
    (limit_mib >= request_mib, "memory limit below the request"),
    (str(resources.get("limits", {}).get("cpu")) == config.get("LAMPSIM_THREADS"),
     f"CPU limit {resources.get('limits', {}).get('cpu')} = LAMPSIM_THREADS {config.get('LAMPSIM_THREADS')}"),
]
tap(all(ok for ok, _ in facts), f"{per_shard} lamps a shard fit its memory request "
    f"({request_mib:.0f} MiB >= {need_mib:.0f} MiB at 0.6 MB a connected lamp), threads = CPU limit",
    [w for ok, w in facts if not ok])

# 9. The Secret carries no signing key.
secret_keys = set(yaml.safe_load(secret_out.stdout)["data"]) if secret_out.returncode == 0 else set()
leaked = secret_keys & {"firmware-signing.key", "app-signing.key", "cloud-ca.key"}
tap(secret_keys and not leaked and "device-ca.crt" in secret_keys,
    f"fleet-secret.sh gives the fleet's trust material ({', '.join(sorted(secret_keys))}), no signing key",
    [f"leaked: {sorted(leaked)}"] if leaked else [])

print(f"1..{len(results)}")
for i, (ok, name, details) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for d in details:
        print(f"#   {d}")
