"""What serving leaves behind for monitoring: the payload log (every sampled
request and answer, with the prediction id the client got), Prometheus
metrics on /metrics, and a real Prometheus server scraping them with the
example configuration in deploy/prometheus.yml."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
import requests
import yaml

import serving_models as sm
from harness import REPO, SERVER, free_port, wait_for

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="serving is Ferry's own API")

DEPLOY = "/api/v1/deployments"


@pytest.fixture(scope="module")
def model(server):
    import mlflow
    mlflow.set_tracking_uri(server.url)
    name = sm.unique("observed")
    for seed in (1, 2):
        sm.log_version(name, sm.train(seed=seed, rounds=5))
    return name




def payload_lines(server, deployment):
    folder = server.tmp / "ferry-data" / "payloads" / deployment
    lines = []
    for f in sorted(folder.glob("*.jsonl")) if folder.exists() else []:
        lines += [json.loads(line) for line in f.read_text().splitlines()]
    return lines


def test_payload_log_records_requests_and_shadow_answers(server, model):
    name = sm.unique("logged")
    r = requests.post(server.url + DEPLOY, json={"name": name, "model": f"{model}/1",
                                                 "shadow": {"model": f"{model}/2"}})
    assert r.status_code == 201, r.text
    x, _ = sm.data(rows=5, seed=3)
    ids = []
    for row in x:
        r = requests.post(f"{server.url}{DEPLOY}/{name}/invocations", json={"inputs": [row.tolist()]})
        assert r.status_code == 200
        ids.append(r.headers["Ferry-Prediction-Id"])
    lines = wait_for(lambda: (l := payload_lines(server, name)) and len(l) == 10 and l,
                     "10 payload records")
    primary = [l for l in lines if l["role"] == "primary"]
    shadow = [l for l in lines if l["role"] == "shadow"]
    assert [l["prediction_id"] for l in primary] == ids
    assert sorted(l["prediction_id"] for l in shadow) == sorted(ids)
    first = primary[0]
    assert first["model"] == model and first["version"] == 1 and first["deployment"] == name
    np.testing.assert_allclose(first["inputs"]["input-0"]["data"], x[0], rtol=0, atol=1e-6)
    assert first["inputs"]["input-0"]["shape"] == [1, 30]
    assert {l["version"] for l in shadow} == {2}


def test_payload_sampling_off_logs_nothing(server, model):
    name = sm.unique("unlogged")
    r = requests.post(server.url + DEPLOY, json={"name": name, "model": f"{model}/1",
                                                 "payload_log": {"sample_rate": 0}})
    assert r.status_code == 201, r.text
    for _ in range(5):
        assert requests.post(f"{server.url}{DEPLOY}/{name}/invocations",
                             json={"inputs": [[0.5] * 30]}).status_code == 200
    # A logged deployment's records written after these prove the writer ran.
    test_payload_log_records_requests_and_shadow_answers(server, model)
    assert payload_lines(server, name) == []


def metric(text, name, **labels):
    total = None
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total = (total or 0) + float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_count_requests_errors_and_batches(server, model):
    name = sm.unique("metered")
    assert requests.post(server.url + DEPLOY, json={"name": name, "model": f"{model}/1"}).ok
    url = f"{server.url}{DEPLOY}/{name}/invocations"
    for _ in range(7):
        assert requests.post(url, json={"inputs": [[0.5] * 30] * 3}).status_code == 200
    assert requests.post(url, json={"inputs": [[0.5] * 29]}).status_code == 400
    text = requests.get(server.url + "/metrics").text
    assert metric(text, "ferry_inference_requests_total", deployment=name, code="OK",
                  role="primary", version="1") == 7
    assert metric(text, "ferry_inference_request_duration_seconds_count", deployment=name) == 7
    assert metric(text, "ferry_inference_batch_size_count", model=model, version="1") >= 1
    assert metric(text, "ferry_inference_batch_size_sum", model=model, version="1") >= 21


def test_stats_endpoint_counts_grow_with_requests(server, model):
    name = sm.unique("stats")
    assert requests.post(server.url + DEPLOY, json={"name": name, "model": f"{model}/1"}).ok
    url = f"{server.url}{DEPLOY}/{name}/invocations"

    def stats():
        r = requests.get(f"{server.url}{DEPLOY}/{name}/stats")
        assert r.status_code == 200, r.text
        return r.json()

    before = stats()
    assert before["deployment"] == name and before["versions"] == []
    for _ in range(4):
        assert requests.post(url, json={"inputs": [[0.5] * 30]}).status_code == 200
    assert requests.post(url, json={"inputs": [[0.5] * 29]}).status_code == 400
    after = stats()
    assert after["time"] >= before["time"]
    [v] = after["versions"]
    assert v["model"] == model and v["version"] == "1"
    assert v["requests"] == {"primary": {"OK": 4, "INVALID_ARGUMENT": 1}}
    latency = v["latency_seconds"]
    assert latency["count"] == 4 and latency["sum"] > 0
    assert len(latency["bounds"]) == len(latency["cumulative"])
    assert latency["cumulative"] == sorted(latency["cumulative"])  # cumulative buckets
    assert latency["cumulative"][-1] <= 4
    for _ in range(3):
        assert requests.post(url, json={"inputs": [[0.5] * 30]}).status_code == 200
    [later] = stats()["versions"]
    assert later["requests"]["primary"]["OK"] == 7
    assert later["latency_seconds"]["count"] == 7
    missing = requests.get(f"{server.url}{DEPLOY}/{sm.unique('absent')}/stats")
    assert missing.status_code == 404, missing.text


def test_prometheus_scrapes_serving_metrics(server, model, tmp_path):
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is not installed (scripts/setup.sh installs Debian's package)")
    name = sm.unique("scraped")
    assert requests.post(server.url + DEPLOY, json={"name": name, "model": f"{model}/2"}).ok
    for _ in range(3):
        assert requests.post(f"{server.url}{DEPLOY}/{name}/invocations",
                             json={"inputs": [[0.1] * 30]}).status_code == 200
    config = yaml.safe_load((REPO / "deploy" / "prometheus.yml").read_text())
    config["global"]["scrape_interval"] = "1s"
    config["scrape_configs"][0]["static_configs"][0]["targets"] = [f"127.0.0.1:{server.port}"]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen([binary, f"--config.file={tmp_path / 'prometheus.yml'}",
                             f"--storage.tsdb.path={tmp_path / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        query = f'sum(ferry_inference_requests_total{{deployment="{name}",code="OK"}})'

        def scraped():
            try:
                r = requests.get(f"http://127.0.0.1:{port}/api/v1/query",
                                 params={"query": query}, timeout=5)
            except requests.RequestException:
                return None
            result = r.json().get("data", {}).get("result", []) if r.ok else []
            return result and float(result[0]["value"][1]) == 3

        wait_for(scraped, "Prometheus to scrape 3 requests", timeout=90)
        up = requests.get(f"http://127.0.0.1:{port}/api/v1/query",
                          params={"query": 'up{job="ferry"}'}).json()["data"]["result"]
        assert up and up[0]["value"][1] == "1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
