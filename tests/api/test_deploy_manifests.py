#!/usr/bin/env python3
"""Static checks of the deployment files in deploy/ (no daemon, no database).

  python3 tests/api/test_deploy_manifests.py

Dockerfile + .dockerignore, compose.yaml (with `docker-compose config` when
installed), Kubernetes manifests (rendered with `kubectl kustomize` when
installed, else the raw files), pbd.service (`systemd-analyze verify` when
installed), deploy/README.md and the Makefile targets.  The image itself is
checked by `make test-image` (deploy/test-image.sh).

Ends with "N passed, N failed"; exits non-zero on any failure.  A check whose
tool is missing prints "skip" and counts as neither.
"""
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")
K8S = os.path.join(DEPLOY, "k8s")
RUNTIME_LIBS = {"libevent-2.1-7", "libevent-pthreads-2.1-7", "libpq5", "libcjson1", "libjwt0", "libssl3"}
SECRET_VARS = ("PB_JWT_SECRET", "PB_BANK_KEY", "DATABASE_URL")

try:
    import yaml
except ImportError:  # python3-yaml is in deploy/install-deps.sh's test list
    print("FAIL PyYAML is missing: apt-get install python3-yaml (make test-deps installs it)")
    print("0 passed, 1 failed")
    sys.exit(1)


class Skip(Exception):
    pass


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)


# --------------------------------------------------------------------------- Dockerfile

def dockerfile_instructions():
    """[(stage_index, INSTRUCTION, args)] with continuation lines joined and comments dropped."""
    text = read("deploy", "Dockerfile")
    lines, buf = [], ""
    for raw in text.splitlines():
        s = raw.strip()
        if not buf and (not s or s.startswith("#")):
            continue
        if s.startswith("#"):
            continue
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        lines.append(buf + s)
        buf = ""
    out, stage = [], -1
    for line in lines:
        ins, _, args = line.partition(" ")
        ins = ins.upper()
        if ins == "FROM":
            stage += 1
        out.append((stage, ins, args.strip()))
    return out


def stages():
    st = {}
    for stage, ins, args in dockerfile_instructions():
        st.setdefault(stage, []).append((ins, args))
    return st


def final_stage():
    st = stages()
    return st[max(st)]


@test
def dockerfile_base_is_a_build_arg_defaulting_to_bookworm_slim():
    ins = dockerfile_instructions()
    first_from = next(i for i, x in enumerate(ins) if x[1] == "FROM")
    args = [a for s, i, a in ins[:first_from] if i == "ARG"]
    assert "BASE=debian:bookworm-slim" in args, args
    froms = [a for s, i, a in ins if i == "FROM"]
    assert len(froms) >= 2, "multi-stage build expected: %r" % froms
    assert froms[0].startswith("${BASE}") and " AS build" in froms[0], froms[0]


@test
def dockerfile_build_stage_installs_dev_packages_and_runs_make():
    build = stages()[0]
    runs = " ".join(a for i, a in build if i == "RUN")
    for pkg in ("build-essential", "libevent-dev", "libpq-dev", "libcjson-dev", "libjwt-dev", "libssl-dev"):
        assert pkg in runs, pkg
    assert re.search(r"\bmake\b", runs), "the build stage must run make"
    assert "-s bin/pbd" in runs or "strip" in runs, "pbd should be stripped for a small image"


@test
def dockerfile_runtime_stage_installs_only_runtime_libraries():
    st = stages()
    runtime = [s for s in st.values() if any(i == "FROM" and " AS runtime" in a for i, a in s)]
    assert runtime, "a stage named runtime"
    runs = " ".join(a for i, a in runtime[0] if i == "RUN")
    m = re.search(r"apt-get install -y --no-install-recommends (.*?)&&", runs)
    assert m, runs[:200]
    pkgs = set(m.group(1).split())
    assert RUNTIME_LIBS <= pkgs, RUNTIME_LIBS - pkgs
    extra = {p for p in pkgs if p.endswith("-dev") or p in ("build-essential", "gcc", "make", "curl", "wget")}
    assert not extra, extra
    assert "not found" in runs, "the runtime stage must fail the build when a library is missing"


@test
def dockerfile_final_stage_is_non_root_with_entrypoint_cmd_env_and_healthcheck():
    final = final_stage()
    get = lambda name: [a for i, a in final if i == name]
    assert get("USER") == ["10001:10001"], get("USER")
    assert json.loads(get("ENTRYPOINT")[-1]) == ["/usr/local/bin/pbd"]
    assert json.loads(get("CMD")[-1]) == ["serve"]
    env = " ".join(get("ENV"))
    assert "PB_LISTEN=0.0.0.0:8080" in env, env
    assert "8080" in " ".join(get("EXPOSE"))
    hc = get("HEALTHCHECK")
    assert hc and "/healthz" in hc[0] and "CMD" in hc[0], hc
    assert "scratch" in get("FROM")[0] or "${BASE}" in get("FROM")[0]
    assert not any(i == "RUN" for i, a in final) or "scratch" not in get("FROM")[0]


@test
def dockerfile_has_oci_labels():
    labels = " ".join(a for i, a in final_stage() if i == "LABEL")
    for key in ("title", "description", "version", "revision", "created", "licenses", "base.name"):
        assert "org.opencontainers.image.%s=" % key in labels, key


@test
def dockerfile_bakes_in_no_secrets():
    for stage, ins, args in dockerfile_instructions():
        if ins in ("ENV", "ARG", "LABEL"):
            for var in SECRET_VARS + ("PASSWORD", "TOKEN"):
                assert var not in args, "%s %s" % (ins, args)
        if ins in ("COPY", "ADD"):
            assert ".local" not in args and ".env" not in args, args


def dockerignore_rules():
    rules = []
    for line in read(".dockerignore").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append(line)
    return rules


def dockerignore_allows(path):
    """Docker's rule: the last matching pattern wins; '!' re-includes."""
    import fnmatch
    allowed = True
    for rule in dockerignore_rules():
        neg = rule.startswith("!")
        pat = rule[1:] if neg else rule
        pat = pat.rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        if pat.startswith("**/"):
            hit = fnmatch.fnmatch(parts[-1], pat[3:])
        else:
            hit = any(fnmatch.fnmatch(p, pat) for p in prefixes)
        if hit:
            allowed = neg
    return allowed


@test
def dockerignore_is_an_allow_list_covering_every_copy_source():
    rules = dockerignore_rules()
    assert rules[0] == "*", "start from '*' so secrets in .local/ never reach the builder"
    for secret in (".local/jwt-secret", ".local/bank-key", ".git/config", "build/rel/pbd", "bin/pbd",
                   "deploy/secrets/jwt.env", "tests/api/test_smoke.py"):
        assert not dockerignore_allows(secret), secret
    copied = 0
    for stage, ins, args in dockerfile_instructions():
        if ins != "COPY" or args.startswith("--from"):
            continue
        srcs = args.split()[:-1]
        for src in srcs:
            assert os.path.exists(os.path.join(ROOT, src)), "COPY source missing: " + src
            probe = src.rstrip("/")
            if os.path.isdir(os.path.join(ROOT, probe)):
                probe = next(os.path.relpath(os.path.join(dp, f), ROOT)
                             for dp, _, fs in os.walk(os.path.join(ROOT, probe)) for f in fs if f.endswith((".c", ".h", ".sql")))
            assert dockerignore_allows(probe), "excluded by .dockerignore: " + probe
            copied += 1
    assert copied >= 5, copied


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        code = self.server.status if self.path == "/healthz" else 404
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def with_health_server(status, fn):
    srv = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    srv.status = status
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        return fn(srv.server_address[1])
    finally:
        srv.shutdown()
        srv.server_close()


def bash_exit(script, env=None):
    bash = shutil.which("bash")
    if not bash:
        raise Skip("bash not installed")
    return subprocess.run([bash, "-c", script], env=env, timeout=10, capture_output=True).returncode


@test
def dockerfile_healthcheck_command_passes_on_200_and_fails_on_503():
    hc = next(a for i, a in final_stage() if i == "HEALTHCHECK")
    cmd = json.loads(hc[hc.index("CMD") + 3:].strip())
    assert cmd[0].endswith("bash") and cmd[1] == "-c", cmd
    script = cmd[2]
    env = lambda port: {"PATH": "/usr/bin:/bin", "PB_LISTEN": "0.0.0.0:%d" % port}
    assert with_health_server(200, lambda p: bash_exit(script, env(p))) == 0
    assert with_health_server(503, lambda p: bash_exit(script, env(p))) != 0


# --------------------------------------------------------------------------- compose

def compose():
    with open(os.path.join(DEPLOY, "compose.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


PBD_SERVICES = ("migrate", "pbd", "pbd-payments")


@test
def compose_has_postgres_15_with_volume_healthcheck_and_file_secret():
    c = compose()
    pg = c["services"]["postgres"]
    assert re.match(r"(docker\.io/library/)?postgres:15", pg["image"]), pg["image"]
    vols = [v.split(":")[0] for v in pg["volumes"] if v.endswith(":/var/lib/postgresql/data")]
    assert vols and vols[0] in c["volumes"], "a named volume for the database"
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    assert pg["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/pg_password"
    assert "POSTGRES_PASSWORD" not in pg["environment"]
    assert c["secrets"]["pg_password"]["file"].endswith("/pg_password")
    assert "ports" not in pg, "PostgreSQL should not be published"


@test
def compose_migrate_is_a_one_off_that_pbd_waits_for():
    s = compose()["services"]
    m = s["migrate"]
    assert m["command"] == ["migrate"] and m["restart"] == "no"
    assert m["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("pbd", "pbd-payments"):
        assert s[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert s[name]["command"] == ["serve"]
        assert "/healthz" in " ".join(s[name]["healthcheck"]["test"]), name


@test
def compose_payments_profile_splits_services_and_only_payments_gets_the_bank_key():
    s = compose()["services"]
    assert s["pbd"]["environment"]["PB_SERVICES"] == "eligibility,budgets"
    assert "profiles" not in s["pbd"]
    assert s["pbd-payments"]["environment"]["PB_SERVICES"] == "payments"
    assert s["pbd-payments"]["profiles"] == ["payments"]
    with_bank = [n for n, v in s.items() if any("bank" in f for f in v.get("env_file", []))]
    assert with_bank == ["pbd-payments"], with_bank
    ports = {n: s[n]["ports"][0] for n in ("pbd", "pbd-payments")}
    assert ports["pbd"] != ports["pbd-payments"], ports


@test
def compose_pbd_services_are_hardened_and_carry_no_literal_secrets():
    s = compose()["services"]
    for name in PBD_SERVICES:
        v = s[name]
        assert v["user"] == "10001:10001", name
        assert v["read_only"] is True, name
        assert v["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in v["security_opt"], name
        env = v.get("environment") or {}
        for var in SECRET_VARS:
            assert var not in env, "%s: %s must come from an env_file, not compose.yaml" % (name, var)
        assert any(f.endswith("/db.env") for f in v["env_file"]), name
    text = read("deploy", "compose.yaml")
    assert not re.search(r"PB_BANK_KEY=[0-9a-fA-F]{64}", text)


@test
def compose_healthcheck_command_works_after_interpolation():
    hc = compose()["services"]["pbd"]["healthcheck"]["test"]
    assert hc[0] == "CMD" and hc[2] == "-c", hc
    script = hc[3].replace("$$", "$")  # compose's escape for a literal $
    assert "8080" in script
    ok = with_health_server(200, lambda p: bash_exit(script.replace("8080", str(p))))
    down = with_health_server(503, lambda p: bash_exit(script.replace("8080", str(p))))
    assert ok == 0 and down != 0, (ok, down)


@test
def compose_secrets_folder_is_git_ignored():
    rules = read("deploy", "secrets", ".gitignore").split()
    assert "*" in rules and "!.gitignore" in rules
    for f in ("pg_password", "db.env", "jwt.env", "bank.env"):
        p = os.path.join("deploy", "secrets", f)
        if os.path.exists(os.path.join(ROOT, p)) or shutil.which("git") is None:
            continue
        r = run(["git", "check-ignore", "-q", p], cwd=ROOT)
        assert r.returncode == 0, p + " is not git-ignored"


@test
def compose_config_validates_with_docker_compose():
    tool = shutil.which("docker-compose") or shutil.which("podman-compose")
    if not tool:
        raise Skip("neither docker-compose nor podman-compose is installed")
    with tempfile.TemporaryDirectory() as d:
        for f, body in (("pg_password", "pw\n"), ("db.env", "DATABASE_URL=postgresql://pbd:pw@postgres/pb\n"),
                        ("jwt.env", "PB_JWT_SECRET=" + "x" * 32 + "\n"), ("bank.env", "PB_BANK_KEY=" + "0" * 64 + "\n")):
            with open(os.path.join(d, f), "w") as fh:
                fh.write(body)
        env = dict(os.environ, PB_SECRETS=d)
        base = [tool, "-f", os.path.join(DEPLOY, "compose.yaml")]
        r = run(base + ["config", "-q"], env=env)
        assert r.returncode == 0, r.stderr[-2000:]
        r = run(base + ["--profile", "payments", "config"], env=env)
        assert r.returncode == 0, r.stderr[-2000:]
        rendered = yaml.safe_load(r.stdout)
        pay = rendered["services"]["pbd-payments"]["environment"]
        assert pay["PB_SERVICES"] == "payments" and pay["PB_BANK_KEY"] == "0" * 64
        assert "PB_BANK_KEY" not in rendered["services"]["pbd"]["environment"]


# --------------------------------------------------------------------------- Kubernetes

def kustomizations():
    out = []
    for dp, _, fs in os.walk(K8S):
        if "kustomization.yaml" in fs:
            out.append(dp)
    return sorted(out)


def load_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def raw_objects(kdir):
    """Objects of a kustomization's own resource files (following bases), unpatched."""
    k = load_docs(os.path.join(kdir, "kustomization.yaml"))[0]
    objs = []
    for r in k.get("resources", []):
        p = os.path.normpath(os.path.join(kdir, r))
        objs += raw_objects(p) if os.path.isdir(p) else load_docs(p)
    return objs


_rendered = {}


def rendered(kdir):
    """`kubectl kustomize` output, or None without kubectl."""
    if kdir not in _rendered:
        kubectl = shutil.which("kubectl")
        if not kubectl:
            _rendered[kdir] = None
        else:
            r = run([kubectl, "kustomize", kdir])
            assert r.returncode == 0, "kubectl kustomize %s: %s" % (kdir, r.stderr[-2000:])
            _rendered[kdir] = [d for d in yaml.safe_load_all(r.stdout) if d]
    return _rendered[kdir]


def objects(kdir):
    return rendered(kdir) or raw_objects(kdir)


def workloads(objs):
    return [o for o in objs if o["kind"] in ("Deployment", "Job", "CronJob")]


def pod_template(o):
    if o["kind"] == "CronJob":
        return o["spec"]["jobTemplate"]["spec"]["template"]
    return o["spec"]["template"]


def pod_spec(o):
    return pod_template(o)["spec"]


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def by_kind(objs, kind):
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


@test
def k8s_kustomization_files_exist_and_every_manifest_parses():
    dirs = kustomizations()
    rel = [os.path.relpath(d, K8S) for d in dirs]
    for want in ("base", "overlays/example", "overlays/split"):
        assert want in rel, rel
    for d in dirs:
        k = load_docs(os.path.join(d, "kustomization.yaml"))[0]
        assert k["kind"] == "Kustomization"
        for r in k.get("resources", []):
            p = os.path.normpath(os.path.join(d, r))
            assert os.path.isfile(p) or os.path.isfile(os.path.join(p, "kustomization.yaml")), p
        for patch in k.get("patches", []):
            if "path" in patch:
                assert os.path.isfile(os.path.join(d, patch["path"])), patch["path"]
            else:
                assert patch.get("target") and patch.get("patch"), patch
        for o in raw_objects(d):
            assert o.get("apiVersion") and o.get("kind") and o["metadata"].get("name"), o
    manifests = [os.path.join(dp, f) for dp, _, fs in os.walk(K8S) for f in fs if f.endswith(".yaml")]
    used = set()
    for d in dirs:
        k = load_docs(os.path.join(d, "kustomization.yaml"))[0]
        used |= {os.path.normpath(os.path.join(d, r)) for r in k.get("resources", [])}
        used |= {os.path.normpath(os.path.join(d, p["path"])) for p in k.get("patches", []) if "path" in p}
        used.add(os.path.join(d, "kustomization.yaml"))
    unused = [os.path.relpath(m, ROOT) for m in manifests if m not in used]
    assert not unused, "manifests no kustomization uses: %s" % unused


@test
def k8s_kubectl_kustomize_renders_base_and_overlays():
    if not shutil.which("kubectl"):
        raise Skip("kubectl not installed (the raw-manifest checks still ran)")
    for d in kustomizations():
        objs = rendered(d)
        assert objs and any(o["kind"] == "Deployment" for o in objs), d
        ns = {o["metadata"].get("namespace") for o in objs if o["kind"] not in ("Namespace",)}
        if "overlays" in d:
            assert ns == {"personal-budgets"}, (d, ns)
        imgs = {c["image"] for w in workloads(objs) for c in pod_spec(w)["containers"]}
        assert len(imgs) == 1, imgs
        if "overlays" in d:
            assert not next(iter(imgs)).startswith("localhost/"), imgs


@test
def k8s_every_workload_is_locked_down():
    seen = 0
    for d in kustomizations():
        for w in workloads(objects(d)):
            name = "%s %s" % (os.path.relpath(d, K8S), w["metadata"]["name"])
            ps = pod_spec(w)
            sc = ps["securityContext"]
            assert sc["runAsNonRoot"] is True and sc["runAsUser"] == 10001, name
            assert sc["seccompProfile"]["type"] == "RuntimeDefault", name
            assert ps["automountServiceAccountToken"] is False, name
            for c in ps["containers"] + ps.get("initContainers", []):
                csc = c["securityContext"]
                assert csc["allowPrivilegeEscalation"] is False, name
                assert csc["readOnlyRootFilesystem"] is True, name
                assert csc["capabilities"]["drop"] == ["ALL"], name
                assert not csc.get("capabilities", {}).get("add"), name
                assert csc.get("privileged") is not True, name
                r = c["resources"]
                assert r["requests"]["cpu"] and r["requests"]["memory"] and r["limits"]["memory"], name
            seen += 1
    assert seen >= 4, seen


@test
def k8s_deployments_probe_healthz_and_readyz_on_the_http_port():
    seen = 0
    for d in kustomizations():
        for dep in by_kind(objects(d), "Deployment").values():
            c = pod_spec(dep)["containers"][0]
            assert c.get("args", ["serve"]) == ["serve"]
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            assert ports == {"http": 8080}, ports
            assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert c["livenessProbe"]["httpGet"]["port"] in ("http", 8080)
            env = env_of(c)
            for var in ("DATABASE_URL", "PB_JWT_SECRET"):
                assert "secretKeyRef" in env[var]["valueFrom"], var
            assert selects(dep["spec"]["selector"]["matchLabels"], dep["spec"]["template"]["metadata"]["labels"])
            seen += 1
    assert seen >= 4, seen


@test
def k8s_services_hpas_and_pdbs_point_at_real_deployments():
    for d in kustomizations():
        objs = objects(d)
        deps = by_kind(objs, "Deployment")
        pod_labels = [dep["spec"]["template"]["metadata"]["labels"] for dep in deps.values()]
        for svc in by_kind(objs, "Service").values():
            hits = [l for l in pod_labels if selects(svc["spec"]["selector"], l)]
            assert len(hits) == 1, (d, svc["metadata"]["name"])
            assert svc["spec"]["ports"][0]["targetPort"] in ("http", 8080)
        hpas = by_kind(objs, "HorizontalPodAutoscaler")
        assert set(h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()) == set(deps), d
        for h in hpas.values():
            assert h["spec"]["minReplicas"] >= 2 and h["spec"]["maxReplicas"] > h["spec"]["minReplicas"]
        pdbs = by_kind(objs, "PodDisruptionBudget")
        for dep in deps.values():
            labels = dep["spec"]["template"]["metadata"]["labels"]
            assert any(selects(p["spec"]["selector"]["matchLabels"], labels) for p in pdbs.values()), dep["metadata"]["name"]


@test
def k8s_migration_job_runs_pbd_migrate_with_only_the_database_secret():
    for d in kustomizations():
        jobs = by_kind(objects(d), "Job")
        assert "pbd-migrate" in jobs, d
        ps = pod_spec(jobs["pbd-migrate"])
        c = ps["containers"][0]
        assert c["args"] == ["migrate"]
        assert ps["restartPolicy"] in ("OnFailure", "Never")
        env = env_of(c)
        assert "secretKeyRef" in env["DATABASE_URL"]["valueFrom"]
        assert "PB_BANK_KEY" not in env and "PB_JWT_SECRET" not in env


@test
def k8s_materialise_cronjob_runs_daily_once_at_a_time_with_only_the_database_secret():
    for d in kustomizations():
        cron = by_kind(objects(d), "CronJob")
        assert "pbd-materialise" in cron, d
        cj = cron["pbd-materialise"]
        assert cj["spec"]["concurrencyPolicy"] == "Forbid"
        assert len(cj["spec"]["schedule"].split()) == 5
        c = pod_spec(cj)["containers"][0]
        assert c["args"][:2] == ["materialise", "--days"] and int(c["args"][2]) > 28, c["args"]
        env = env_of(c)
        assert "secretKeyRef" in env["DATABASE_URL"]["valueFrom"]
        assert "PB_BANK_KEY" not in env and "PB_JWT_SECRET" not in env


@test
def k8s_network_policies_allow_only_http_in_and_postgres_plus_dns_out():
    for d in kustomizations():
        objs = objects(d)
        pols = by_kind(objs, "NetworkPolicy")
        for w in workloads(objs):
            labels = pod_template(w)["metadata"]["labels"]
            assert any(selects(p["spec"]["podSelector"]["matchLabels"], labels) for p in pols.values()), \
                "%s: no NetworkPolicy selects %s" % (d, w["metadata"]["name"])
        for name, p in pols.items():
            spec = p["spec"]
            assert set(spec["policyTypes"]) == {"Ingress", "Egress"}, name
            for rule in spec.get("ingress", []):
                assert [(x["port"], x.get("protocol", "TCP")) for x in rule["ports"]] == [(8080, "TCP")], name
            out = set()
            for rule in spec["egress"]:
                ports = {(x["port"], x.get("protocol", "TCP")) for x in rule["ports"]}
                out |= ports
                if any(port == 53 for port, _ in ports):
                    to = rule["to"][0]
                    assert to["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}, name
            assert out == {(5432, "TCP"), (53, "UDP"), (53, "TCP")}, (name, out)


@test
def k8s_no_secret_objects_or_literal_secret_values():
    for d in kustomizations():
        objs = objects(d)
        assert not [o for o in objs if o["kind"] == "Secret"], d
        for w in workloads(objs):
            for c in pod_spec(w)["containers"]:
                for var in SECRET_VARS:
                    e = env_of(c).get(var)
                    assert e is None or "secretKeyRef" in e.get("valueFrom", {}), (d, var)
        for cm in by_kind(objs, "ConfigMap").values():
            for var in SECRET_VARS:
                assert var not in cm["data"], var


def split_objects():
    d = os.path.join(K8S, "overlays", "split")
    objs = rendered(d)
    return objs, objs is not None


@test
def k8s_split_only_payments_pods_get_the_bank_key():
    objs, is_rendered = split_objects()
    d = os.path.join(K8S, "overlays", "split")
    if not is_rendered:  # without kubectl: the payments manifest and the patch as written
        objs = raw_objects(d)
        patch = read("deploy", "k8s", "overlays", "split", "api-services.yaml")
        assert "PB_BANK_KEY" in patch and "$patch: delete" in patch
        assert "value: eligibility,budgets" in patch
    deps = by_kind(objs, "Deployment")
    pay = pod_spec(deps["pbd-payments"])["containers"][0]
    assert env_of(pay)["PB_SERVICES"]["value"] == "payments"
    assert env_of(pay)["PB_BANK_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "pbd-bank"
    assert deps["pbd-payments"]["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "payments"
    if is_rendered:
        api = env_of(pod_spec(deps["pbd"])["containers"][0])
        assert api["PB_SERVICES"]["value"] == "eligibility,budgets"
        holders = [w["metadata"]["name"] for w in workloads(objs)
                   for c in pod_spec(w)["containers"] if "PB_BANK_KEY" in env_of(c)]
        assert holders == ["pbd-payments"], holders
    pols = by_kind(objs, "NetworkPolicy")
    assert "pbd-payments" in pols
    labels = deps["pbd-payments"]["spec"]["template"]["metadata"]["labels"]
    mine = [n for n, p in pols.items() if selects(p["spec"]["podSelector"]["matchLabels"], labels)]
    assert mine == ["pbd-payments"], "only the payments policy may select payments pods: %s" % mine
    assert all(rule.get("from") for rule in pols["pbd-payments"]["spec"]["ingress"]), "payments ingress must name its sources"


def ingress_routes():
    objs, _ = split_objects()
    ing = by_kind(objs or raw_objects(os.path.join(K8S, "overlays", "split")), "Ingress")["pbd"]
    assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/use-regex"] == "true"
    paths = [(p["path"], p["backend"]["service"]["name"]) for rule in ing["spec"]["rules"] for p in rule["http"]["paths"]]
    return sorted(paths, key=lambda x: -len(x[0]))  # ingress-nginx: longest path first


def route(paths, url):
    """ingress-nginx with use-regex: location ~* "^<path>", longest first; None = not routed."""
    for pattern, svc in paths:
        if re.match(pattern, url, re.IGNORECASE):
            return svc
    return None


UUID = "0b9f7f4e-1c1a-4c3e-9a57-3f9b3f5c2d11"


@test
def k8s_split_ingress_routes_payment_paths_to_the_payments_service():
    paths = ingress_routes()
    cases = {
        "/v1/payments/%s" % UUID: "pbd-payments",
        "/v1/payments/%s/approve" % UUID: "pbd-payments",
        "/v1/payment-runs": "pbd-payments",
        "/v1/payment-runs/%s/export" % UUID: "pbd-payments",
        "/v1/schedules/materialise": "pbd-payments",
        "/v1/schedules": "pbd-payments",
        "/v1/term-dates/2026-27": "pbd-payments",
        "/v1/payees": "pbd-payments",  # always on in pbd, but only pbd-payments has PB_BANK_KEY
        "/v1/payees/%s" % UUID: "pbd-payments",
        "/v1/budgets/%s/payments" % UUID: "pbd-payments",
        "/v1/budgets/%s/schedules" % UUID: "pbd-payments",
        "/v1/budgets/%s/recoveries" % UUID: "pbd-payments",
        "/v1/budgets": "pbd",
        "/v1/budgets/%s" % UUID: "pbd",
        "/v1/budgets/%s/statement" % UUID: "pbd",
        "/v1/budgets/%s/approve" % UUID: "pbd",
        "/v1/children/%s/budgets" % UUID: "pbd",
        "/v1/me/budgets": "pbd",
        "/v1/me/payments": "pbd",
        "/v1/eligibility/checks": "pbd",
        "/v1/budget-requests/%s/decision" % UUID: "pbd",
        "/v1/audit": "pbd",
        "/v1/events": "pbd",
        "/openapi.yaml": "pbd",
        "/metrics": None,
        "/healthz": None,
    }
    wrong = {u: (route(paths, u), want) for u, want in cases.items() if route(paths, u) != want}
    assert not wrong, wrong


@test
def k8s_split_ingress_agrees_with_the_route_table_in_api_routes_c():
    text = read("api", "routes.c")
    routes = re.findall(r'\{\s*PB_\w+\s*,\s*"(/v1/[^"]*)"\s*,\s*\w+\s*,\s*([^,}]+?)\s*,', text, re.S)
    assert len(routes) >= 10, "could not parse api/routes.c"
    paths = ingress_routes()
    wrong = []
    for pattern, flags in routes:
        url = re.sub(r"\{[^}]+\}", UUID, pattern)
        got = route(paths, url)
        if "PB_SVC_PAYMENTS" in flags:
            ok = got == "pbd-payments"
        elif "PB_SVC_" in flags:  # eligibility or budgets: only the pbd Deployment serves it
            ok = got == "pbd"
        else:  # core routes (flag 0) are served by both; payees must reach the bank key
            ok = got == ("pbd-payments" if pattern.startswith("/v1/payees") else "pbd")
        if not ok:
            wrong.append((pattern, flags, got))
    assert not wrong, wrong


# --------------------------------------------------------------------------- systemd

def unit():
    entries = {}
    section = None
    for line in read("deploy", "pbd.service").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        k, _, v = line.partition("=")
        entries.setdefault((section, k), []).append(v)
    return entries


@test
def systemd_unit_is_hardened_and_migrates_before_serving():
    u = unit()
    one = lambda k: u[("Service", k)][-1]
    want = {"DynamicUser": "yes", "ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes",
            "ProtectHome": "yes", "CapabilityBoundingSet": "", "EnvironmentFile": "/etc/pbd/pbd.env",
            "PrivateDevices": "yes", "RestrictSUIDSGID": "yes"}
    for k, v in want.items():
        assert one(k) == v, (k, one(k))
    assert set(one("RestrictAddressFamilies").split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert "@system-service" in u[("Service", "SystemCallFilter")][0]
    assert one("ExecStartPre").split()[-1] == "migrate" and one("ExecStartPre").split()[0].endswith("/pbd")
    assert one("ExecStart").split()[-1] == "serve"
    assert one("KillSignal") == "SIGTERM"
    assert ("Install", "WantedBy") in u


@test
def systemd_analyze_verify_accepts_the_unit():
    sa = shutil.which("systemd-analyze")
    if not sa:
        raise Skip("systemd-analyze not installed")
    with tempfile.TemporaryDirectory() as d:
        fake = os.path.join(d, "pbd")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(fake, 0o755)
        path = os.path.join(d, "pbd.service")
        with open(path, "w") as f:
            f.write(read("deploy", "pbd.service").replace("/usr/local/bin/pbd", fake))
        r = run([sa, "verify", path])
        assert r.returncode == 0 and "pbd.service" not in r.stderr, r.stderr[-2000:]
        r = run([sa, "security", "--offline=yes", path])
        if r.returncode == 0 or "Overall exposure" in r.stdout:
            m = re.search(r"Overall exposure level for pbd.service: ([0-9.]+)", r.stdout)
            assert m and float(m.group(1)) <= 2.0, r.stdout[-500:]


# --------------------------------------------------------------------------- docs and make

@test
def deploy_readme_covers_every_path_and_the_scaling_story():
    text = read("deploy", "README.md")
    for heading in ("Container image", "Compose", "Kubernetes", "Split payments", "systemd", "Secrets",
                    "Scaling past one machine"):
        assert re.search(r"^#+ .*%s" % re.escape(heading), text, re.M | re.I), heading
    for word in ("Citus", "read replica", "stateless", "PB_JWT_SECRET_FILE", "make image", "make test-image",
                 "HEALTHCHECK", "/dev/tcp", "readOnlyRootFilesystem"):
        assert word.lower() in text.lower(), word
    for pattern, _ in ingress_routes():
        assert "`%s`" % pattern in text, "README routing table lacks " + pattern


@test
def make_has_image_targets_and_scripts_parse():
    mk = read("Makefile")
    assert re.search(r"^image:.*\n\t@?sh deploy/image\.sh", mk, re.M)
    assert re.search(r"^test-image:.*\n\t@?sh deploy/test-image\.sh", mk, re.M)
    for s in ("image.sh", "test-image.sh"):
        r = run(["sh", "-n", os.path.join(DEPLOY, s)])
        assert r.returncode == 0, r.stderr
    img = read("deploy", "image.sh")
    assert "--isolation=chroot" in img and "debootstrap" in img and "podman import" in img
    assert "build/" in img  # the rootfs lives in the git-ignored build/
    assert re.search(r"^/build/", read(".gitignore"), re.M)
    deps = read("deploy", "install-deps.sh")
    assert "python3-yaml" in deps


def main():
    passed = failed = skipped = 0
    for fn in TESTS:
        try:
            fn()
        except Skip as e:
            skipped += 1
            print("skip %s: %s" % (fn.__name__, e))
            continue
        except Exception:
            failed += 1
            print("FAIL %s" % fn.__name__)
            traceback.print_exc(limit=3)
            continue
        passed += 1
        print("ok   %s" % fn.__name__)
    if skipped:
        print("(%d skipped: tool not installed)" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
