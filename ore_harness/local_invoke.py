"""`sam local invoke` of one function against the AWS API emulator, with everything it needs made
first: what scripts/local-invoke.sh runs, and what tests/local_invoke drives.

    python -m ore_harness.local_invoke NormalizerFunction events/sqs/normalizer-stopped-sns-envelope.json

It needs the x86_64 release build (`.aws-sam/x86_64/build`, scripts/lib/common.sh's
build_x86_64_release) and two locally built images, since no registry is reachable: the
provided.al2023 runtime (scripts/local/build-invoke-image.sh) and moto server
(scripts/local/build-moto-image.sh); scripts/local-invoke.sh builds whichever is missing.

A function container cannot reach the host's 127.0.0.1, so the emulator runs as a container on a
Docker network of this run's own, which the function containers join (`--docker-network`); this
side talks to it through a port published on 127.0.0.1. The `--env-vars` file is what
`ore_harness.env_vars` makes, pointed at that container: the topics' ARNs and the tables' names in
the emulator, which this module creates with the SES identity before the first invoke. The side
effects it reports are read back from the emulator: messages on the function's topic (through a
raw-delivery queue subscribed to it) and mail its SES accepted.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

from .emulator import Aws, free_port, sent_emails
from .env_vars import env_vars
from .stack import STACK
from .template import ROOT, Template

BUILT = ROOT / ".aws-sam" / "x86_64" / "build" / "template.yaml"
IMAGE = os.environ.get("ORE_INVOKE_IMAGE", "ore-lambda-local:provided.al2023")
MOTO_IMAGE = os.environ.get("ORE_MOTO_IMAGE", "ore-moto-server:local")
REGION = "eu-west-1"
SENDER = "ore@example.com"
PARAMETERS = f"Architecture=x86_64 EmailFrom={SENDER} EmailTo=ops@example.com EmailAllowedDomains=example.com"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
DOCKER_TIMEOUT_S = 120
INVOKE_TIMEOUT_S = 300


class LocalInvokeError(RuntimeError):
    """Something `sam local invoke` needs is missing or failed: the message says what to do."""


def docker(*args):
    finished = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=DOCKER_TIMEOUT_S)
    if finished.returncode != 0:
        raise LocalInvokeError(f"docker {' '.join(args)} failed: {finished.stderr.strip()}")
    return finished.stdout


class LocalInvoke:
    """The emulator container and its resources, for as long as the `with` block lasts."""

    def __init__(self, built=BUILT, image=IMAGE, moto_image=MOTO_IMAGE):
        self.built, self.image, self.moto_image = built, image, moto_image
        run = uuid.uuid4().hex[:8]
        self.network, self.moto = f"ore-local-invoke-{run}", f"ore-moto-{run}"
        self.function_endpoint = f"http://{self.moto}:5000"  # as the function containers reach it
        self.endpoint = None
        self.taps = {}
        self.folder = None

    def __enter__(self):
        if not self.built.exists():
            raise LocalInvokeError(f"{self.built} missing: build it with scripts/local-invoke.sh, or "
                                   "sam build --parameter-overrides Architecture=x86_64 --build-dir .aws-sam/x86_64/build")
        for image in (self.image, self.moto_image):
            if not docker("images", "-q", image).strip():
                raise LocalInvokeError(f"image {image} missing: scripts/local-invoke.sh builds it "
                                       "(scripts/local/build-invoke-image.sh, scripts/local/build-moto-image.sh)")
        self.folder = tempfile.TemporaryDirectory(prefix="ore-local-invoke-")
        docker("network", "create", self.network)
        try:
            self.start_emulator()
            self.create_resources()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_exc):
        subprocess.run(["docker", "rm", "-f", self.moto], capture_output=True, timeout=DOCKER_TIMEOUT_S)
        subprocess.run(["docker", "network", "rm", self.network], capture_output=True, timeout=DOCKER_TIMEOUT_S)
        if self.folder:
            self.folder.cleanup()

    def start_emulator(self):
        port = free_port()
        docker("run", "-d", "--rm", "--name", self.moto, "--network", self.network,
               "-p", f"127.0.0.1:{port}:5000", self.moto_image)
        url = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
                self.endpoint = url
                return
            except OSError:
                time.sleep(0.2)
        raise LocalInvokeError("the moto server container did not answer within 30 s")

    def create_resources(self):
        """The topics (each with a tap queue), tables, ORE bus (with a tap rule) and SES identity the
        functions' variables name."""
        for name, value in CREDENTIALS.items():
            os.environ.setdefault(name, value)
        aws = Aws(REGION, endpoint_url=self.endpoint)
        template = Template()
        for function, variables in env_vars().items():
            for name, value in variables.items():
                if name.endswith("_TABLE"):
                    aws.table(value, template.resources[value.removeprefix(f"{STACK}-")]["Properties"])
            topics = [value for value in variables.values() if value.startswith("arn:aws:sns:")]
            for arn in topics:
                topic = arn.rsplit(":", 1)[1]
                if aws.sns.create_topic(Name=topic)["TopicArn"] != arn:
                    raise LocalInvokeError(f"the emulator named topic {topic} other than local/env.json does")
                self.taps[function] = aws.tap(arn, f"{topic}-local-invoke-tap-{uuid.uuid4().hex[:8]}")
            # The ORE bus, and a rule on every ORE event there whose queue shows what was put.
            for arn in [value for value in variables.values() if value.startswith("arn:aws:events:")]:
                bus = arn.rsplit("/", 1)[1]
                if aws.events.create_event_bus(Name=bus)["EventBusArn"] != arn:
                    raise LocalInvokeError(f"the emulator named event bus {bus} other than local/env.json does")
                self.taps[function] = aws.bus_tap(bus, f"{bus}-local-invoke-tap-{uuid.uuid4().hex[:8]}",
                                                  {"source": ["org.ore"]})
        aws.sesv2.create_email_identity(EmailIdentity=SENDER)
        # moto builds its EC2 backend on the first EC2 request, which can take longer than the
        # normalizer's 8 s operation timeout on a slow machine: pay it here.
        aws.ec2.describe_instances()
        self.aws = aws
        env_file = pathlib.Path(self.folder.name) / "env.json"
        env_file.write_text(json.dumps(env_vars(endpoint=self.function_endpoint)))
        self.env_file = env_file

    def invoke(self, function, event):
        """`sam local invoke` as a user runs it: (the function's response, its log lines)."""
        command = [
            "sam", "local", "invoke", function, "--template", str(self.built), "--event", str(event),
            "--env-vars", str(self.env_file), "--docker-network", self.network,
            "--invoke-image", self.image, "--skip-pull-image",
            "--parameter-overrides", f"{PARAMETERS} LocalEndpointUrl={self.function_endpoint}",
            "--region", REGION,
            # The built template keeps template.yaml's Fn::ForEach loops, and SAM CLI looks for
            # samconfig.toml (which turns the expansion on) beside the template given, not here.
            "--language-extensions",
        ]
        env = {**os.environ, **CREDENTIALS, "SAM_CLI_TELEMETRY": "0"}
        env.pop("AWS_ENDPOINT_URL", None)
        finished = subprocess.run(command, capture_output=True, text=True, timeout=INVOKE_TIMEOUT_S, cwd=ROOT, env=env)
        if finished.returncode != 0:
            raise LocalInvokeError(f"sam local invoke failed:\n{finished.stdout}\n{finished.stderr}")
        # The function's response is the last stdout line; its logs go to stderr.
        lines = [line for line in finished.stdout.splitlines() if line.strip()]
        if not lines:
            raise LocalInvokeError(f"sam local invoke gave no response:\n{finished.stderr}")
        return json.loads(lines[-1]), finished.stderr

    def published(self, function):
        """What the function published on its topic (or put on the ORE bus) since the last call (none
        for the emailer)."""
        if function not in self.taps:
            return []
        return [message["Body"] for message in self.aws.drain(self.taps[function])]

    def mails(self):
        """Every mail the emulator's SES accepted from the sender so far."""
        return sent_emails(self.endpoint, SENDER)


def main(argv=None):
    names = [f.name for f in Template().functions]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("function", choices=names)
    parser.add_argument("event", type=pathlib.Path, help="the event file (events/sqs/...)")
    args = parser.parse_args(argv)
    if not args.event.exists():
        parser.error(f"{args.event}: no such file")
    try:
        with LocalInvoke() as local:
            print(f"==> AWS API emulator (moto server container) on {local.endpoint}; topics, tables and the SES "
                  f"identity created; sam local invoke {args.function}", file=sys.stderr, flush=True)
            mails_before = len(local.mails())
            response, logs = local.invoke(args.function, args.event.resolve())
            sys.stderr.write(logs)
            print("==> response")
            print(json.dumps(response, indent=2))
            published = local.published(args.function)
            mails = local.mails()[mails_before:]
            print(f"==> published on its topic or bus: {len(published)} message(s)")
            for body in published:
                print(body.rstrip())
            print(f"==> mail accepted by SES: {len(mails)}")
            for mail in mails:
                print(json.dumps(mail, indent=2))
    except LocalInvokeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
