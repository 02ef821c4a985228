"""ferry.pipelines from the SDK against a real server: apply a file, start a
run with a param, wait for it, read a step's log, resume a failed run, and
the server's errors as FerryError naming the field."""

from __future__ import annotations

import uuid

import pytest

from ferry import Client, FerryError


def test_apply_start_wait_log_resume(ferry_url, tmp_path):
    client = Client(ferry_url)
    name = f"sdk-{uuid.uuid4().hex[:8]}"
    (tmp_path / "p.yaml").write_text(f"""
name: {name}
params: {{word: hi}}
steps:
  - name: say
    run: echo ${{params.word}}
  - name: check
    needs: [say]
    run: test -f ok || {{ echo 'no ok file'; exit 2; }}
""")
    applied = client.apply_pipeline(str(tmp_path / "p.yaml"))
    assert applied["name"] == name and applied["version"] == 1
    assert client.pipeline(name)["spec"]["steps"][0]["name"] == "say"
    assert name in [p["name"] for p in client.pipelines()]

    run = client.wait_pipeline_run(client.start_pipeline(name, params={"word": "hola"})["run_id"])
    assert run["state"] == "failed" and "exited with code 2" in run["error"]
    assert client.pipeline_log(run["run_id"], "say") == "hola\n"
    assert client.pipeline_log(run["run_id"], "say", offset=2) == "la\n"

    (tmp_path / "ok").write_text("")
    resumed = client.wait_pipeline_run(client.resume_pipeline_run(run["run_id"])["run_id"])
    assert resumed["state"] == "succeeded"
    assert [s["state"] for s in resumed["steps"]] == ["cached", "succeeded"]
    assert [r["run_id"] for r in client.pipeline_runs(name)] == [resumed["run_id"], run["run_id"]]


def test_errors_name_the_field(ferry_url, tmp_path):
    client = Client(ferry_url)
    (tmp_path / "bad.yaml").write_text("name: bad\nsteps:\n  - {name: a, run: 'true', retries: lots}\n")
    with pytest.raises(FerryError) as e:
        client.apply_pipeline(str(tmp_path / "bad.yaml"))
    assert e.value.status == 400 and "retries" in str(e.value) and "line 3" in str(e.value)
    with pytest.raises(FerryError) as e:
        client.start_pipeline("no-such-pipeline")
    assert e.value.status == 404


def test_datasets(ferry_url, tmp_path):
    client = Client(ferry_url)
    name = f"ds-{uuid.uuid4().hex[:8]}"
    (tmp_path / "t.csv").write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(100)))
    first = client.register_dataset(name, str(tmp_path / "t.csv"), "first")
    assert first["created"] and first["dataset"]["version"] == 1
    assert not client.register_dataset(name, str(tmp_path / "t.csv"))["created"]
    (tmp_path / "t.csv").write_text("a,b,c\n" + "".join(f"{i + 50},{i % 3},x\n" for i in range(100)))
    assert client.register_dataset(name, str(tmp_path / "t.csv"))["dataset"]["version"] == 2
    assert [v["version"] for v in client.dataset_versions(name)] == [2, 1]
    assert client.dataset(name, 1)["profile"]["tables"][0]["rows"] == 100
    diff = client.dataset_diff(name, 1)
    assert [c["name"] for c in diff["tables"][0]["schema"]["added"]] == ["c"]
    assert name in [d["name"] for d in client.datasets()]
    with pytest.raises(FerryError) as e:
        client.register_dataset("bad/name", str(tmp_path / "t.csv"))
    assert e.value.status == 400 and "name" in str(e.value)
