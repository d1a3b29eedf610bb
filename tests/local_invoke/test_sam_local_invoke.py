"""`sam local invoke` of each function, as an AWS user runs it, against the AWS API emulator.

scripts/test.sh prepares what this needs: the x86_64 release build (`sam build --parameter-overrides
Architecture=x86_64 --build-dir .aws-sam/x86_64/build`, scripts/lib/common.sh) and, since no registry is reachable here, two
locally built images: the provided.al2023 runtime (scripts/local/build-invoke-image.sh) and moto
server (scripts/local/build-moto-image.sh). A function container cannot reach the host's 127.0.0.1 on
this machine, so the emulator runs as a container on a Docker network of this test's own, which the
function containers join (`--docker-network`); the test talks to it through a port published on
127.0.0.1. The `--env-vars` file is what `python -m ore_harness.env_vars` makes (the committed
local/env.json): the topics' ARNs in the emulator.
"""
import json
import os
import pathlib
import subprocess
import time
import urllib.request
import uuid

import pytest

from ore_harness.emulator import Aws, free_port, sent_emails
from ore_harness.env_vars import env_vars
from ore_harness.stack import STACK
from ore_harness.template import Template

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILT = ROOT / ".aws-sam" / "x86_64" / "build" / "template.yaml"
IMAGE = os.environ.get("ORE_INVOKE_IMAGE", "ore-lambda-local:provided.al2023")
MOTO_IMAGE = os.environ.get("ORE_MOTO_IMAGE", "ore-moto-server:local")
REGION = "eu-west-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
RUN = uuid.uuid4().hex[:8]
NETWORK = f"ore-local-invoke-{RUN}"
MOTO = f"ore-moto-{RUN}"
FUNCTION_ENDPOINT = f"http://{MOTO}:5000"  # as the function containers reach it


def docker(*args):
    subprocess.run(["docker", *args], check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def endpoint():
    """moto server in a container on this test's network; yields its URL on the host's loopback."""
    assert BUILT.exists(), f"{BUILT} missing: sam build --parameter-overrides Architecture=x86_64 --build-dir .aws-sam/x86_64/build"
    port = free_port()
    docker("network", "create", NETWORK)
    try:
        docker("run", "-d", "--rm", "--name", MOTO, "--network", NETWORK, "-p", f"127.0.0.1:{port}:5000", MOTO_IMAGE)
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the moto server container did not answer")
        yield url
    finally:
        subprocess.run(["docker", "rm", "-f", MOTO], capture_output=True, timeout=60)
        subprocess.run(["docker", "network", "rm", NETWORK], capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def emulator(endpoint):
    for name, value in CREDENTIALS.items():
        os.environ[name] = value
    aws = Aws(REGION, endpoint_url=endpoint)
    taps = {}
    template = Template()
    for function, variables in env_vars().items():
        for name, value in variables.items():
            if name.endswith("_TABLE"):
                aws.table(value, template.resources[value.removeprefix(f"{STACK}-")]["Properties"])
        topics = [value for value in variables.values() if value.startswith("arn:aws:sns:")]
        if not topics:
            continue
        [arn] = topics
        name = arn.rsplit(":", 1)[1]
        assert aws.sns.create_topic(Name=name)["TopicArn"] == arn
        taps[function] = aws.tap(arn, f"{name}-local-invoke-tap-{uuid.uuid4().hex[:8]}")
    aws.sesv2.create_email_identity(EmailIdentity="ore@example.com")
    # moto builds its EC2 backend (AMI and instance-type catalogues) on the first EC2 request, which
    # can take longer than the function's 8 s operation timeout on a slow machine: pay it here.
    aws.ec2.describe_instances()
    return {"sqs": aws.sqs, "taps": taps, "endpoint": endpoint}


@pytest.fixture(scope="module")
def env_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("env") / "env.json"
    path.write_text(json.dumps(env_vars(endpoint=FUNCTION_ENDPOINT)))
    return path


def sam_local_invoke(function, event, env_file):
    command = [
        "sam", "local", "invoke", function, "--template", str(BUILT), "--event", str(ROOT / event),
        "--env-vars", str(env_file), "--docker-network", NETWORK,
        "--invoke-image", IMAGE, "--skip-pull-image",
        "--parameter-overrides", f"Architecture=x86_64 LocalEndpointUrl={FUNCTION_ENDPOINT} "
                                 "EmailFrom=ore@example.com EmailTo=ops@example.com EmailAllowedDomains=example.com",
        "--region", REGION,
    ]
    env = {**os.environ, **CREDENTIALS, "SAM_CLI_TELEMETRY": "0"}
    env.pop("AWS_ENDPOINT_URL", None)
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert result.returncode == 0, f"sam local invoke failed:\n{result.stdout}\n{result.stderr}"
    # The function's response is the last stdout line; logs go to stderr.
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines, f"no response:\n{result.stderr}"
    return json.loads(lines[-1]), result.stderr


def received(emulator, topic):
    reply = emulator["sqs"].receive_message(QueueUrl=emulator["taps"][topic], MaxNumberOfMessages=10,
                                            WaitTimeSeconds=2)
    return [m["Body"] for m in reply.get("Messages", [])]


def test_normalizer(emulator, env_file):
    response, logs = sam_local_invoke("NormalizerFunction", "events/sqs/normalizer-stopped-sns-envelope.json",
                                      env_file)
    assert response == {"batchItemFailures": []}, logs
    [body] = received(emulator, "NormalizerFunction")
    message = json.loads(body)
    assert message["data"]["state"] == "stopped"
    assert message["data"]["enrichment"] == "not_found"  # the sample's instance is not in this emulator


def test_normalizer_reports_the_malformed_records(emulator, env_file):
    event = json.loads((ROOT / "events/sqs/normalizer-malformed-batch.json").read_text())
    response, logs = sam_local_invoke("NormalizerFunction", "events/sqs/normalizer-malformed-batch.json", env_file)
    expected = [{"itemIdentifier": r["messageId"]} for r in event["Records"][1:]]
    assert response == {"batchItemFailures": expected}, logs
    assert len(received(emulator, "NormalizerFunction")) == 1


def test_csv_formatter(emulator, env_file):
    response, logs = sam_local_invoke("CsvFormatterFunction", "events/sqs/csv-formatter-stopped-raw-delivery.json",
                                      env_file)
    assert response == {"batchItemFailures": []}, logs
    [record] = received(emulator, "CsvFormatterFunction")
    assert ",stopped,enriched,web-01," in record


def test_emailer(emulator, env_file):
    before = len(sent_emails(emulator["endpoint"], "ore@example.com"))
    response, logs = sam_local_invoke("EmailerFunction", "events/sqs/emailer-stopped-sns-envelope.json", env_file)
    assert response == {"batchItemFailures": []}, logs
    sent = sent_emails(emulator["endpoint"], "ore@example.com")
    assert len(sent) == before + 1
    assert sent[-1]["subject"] == "[123456789012 eu-west-1] web-01 (i-0abc1234def567890) is now stopped"


NOTICE_TYPES = ["org.ore.resource.change-scheduled", "org.ore.resource.spot-interruption-warned",
                "org.ore.resource.rebalance-recommended"]


def test_normalizer_notices(emulator, env_file):
    """The three notice samples (a scheduled change, a Spot warning, a rebalance recommendation)
    in one batch: one notice message each."""
    response, logs = sam_local_invoke("NormalizerFunction", "events/sqs/normalizer-notices-batch.json", env_file)
    assert response == {"batchItemFailures": []}, logs
    # The tap is shared with the earlier tests: take the notices from what it holds.
    messages = [json.loads(body) for body in received(emulator, "NormalizerFunction")]
    assert sorted(m["type"] for m in messages if m["type"] in NOTICE_TYPES) == sorted(NOTICE_TYPES), logs


def test_csv_formatter_notices(emulator, env_file):
    response, logs = sam_local_invoke("CsvFormatterFunction", "events/sqs/csv-formatter-notices-batch.json",
                                      env_file)
    assert response == {"batchItemFailures": []}, logs
    records = [r for r in received(emulator, "CsvFormatterFunction") if any(t in r for t in NOTICE_TYPES)]
    assert sorted(next(t for t in NOTICE_TYPES if t in r) for r in records) == sorted(NOTICE_TYPES), logs


def test_emailer_notices(emulator, env_file):
    """The scheduled change goes out as raw MIME with its calendar, the Spot mails as simple ones."""
    before = {m["id"] for m in sent_emails(emulator["endpoint"], "ore@example.com")}
    response, logs = sam_local_invoke("EmailerFunction", "events/sqs/emailer-notices-batch.json", env_file)
    assert response == {"batchItemFailures": []}, logs
    sent = [m for m in sent_emails(emulator["endpoint"], "ore@example.com") if m["id"] not in before]
    assert len(sent) == 3, logs
    raw = [m for m in sent if "raw_data" in m]
    assert len(raw) == 1 and "text/calendar" in raw[0]["raw_data"] and "BEGIN:VCALENDAR" in raw[0]["raw_data"]
    subjects = sorted(m["subject"] for m in sent if "subject" in m)
    assert [s.split("] ", 1)[1].split(":")[0] for s in subjects] == ["Rebalance recommended", "Spot interruption"]
