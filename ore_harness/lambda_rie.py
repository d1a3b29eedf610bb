"""A Lambda function binary served by the AWS Lambda Runtime Interface Emulator (shipped in the
SAM CLI package) on a 127.0.0.1 port, with the environment Lambda gives it. `Function` is a context
manager: a function that fails to start, or a run that fails or is interrupted, never leaves the
emulator process behind."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from .emulator import REGION, free_port
from .template import ROOT

# What Lambda sets, taken from this shell: region, credentials, and the emulator's endpoint.
PASSED_THROUGH = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                  "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")


def rie_binary():
    import samcli
    machine = "arm64" if os.uname().machine in ("aarch64", "arm64") else "x86_64"
    path = pathlib.Path(samcli.__file__).parent / "local" / "rapid" / f"aws-lambda-rie-{machine}"
    if not path.exists():
        raise SystemExit(f"the AWS Lambda Runtime Interface Emulator is not at {path}")
    path.chmod(0o755)
    return path


def lambda_environment():
    """A function's environment as Lambda builds it, not this shell's: nothing else leaks in
    (a developer's SSL_CERT_DIR, RUST_LOG or AWS_PROFILE would change what is run or measured)."""
    environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC"}
    environment.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    return environment


class Function:
    """`with Function(name, binary, env, log_dir) as function: function.invoke(event)`."""

    def __init__(self, name, binary, env, log_dir, executable=None, timeout_s=20):
        """`executable` defaults to the debug build of `binary` (cargo build)."""
        self.name, self.env, self.timeout_s = name, env, timeout_s
        self.executable = pathlib.Path(executable or ROOT / "target" / "debug" / binary)
        self.log_path = pathlib.Path(log_dir) / f"{binary}.log"
        self.process = self.log = None
        self.forwarded = 0  # bytes of the log already copied to CloudWatch Logs

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *_exc):
        self.stop()
        return False

    def start(self):
        port = free_port()
        self.log = open(self.log_path, "w")
        environment = lambda_environment()
        environment.update(self.env)
        environment.update({"AWS_LAMBDA_FUNCTION_NAME": self.name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
                            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(self.timeout_s), "AWS_LAMBDA_LOG_FORMAT": "JSON",
                            "AWS_LAMBDA_LOG_LEVEL": "INFO"})
        command = [str(rie_binary()), "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
                   "--runtime-api-address", f"127.0.0.1:{free_port()}", str(self.executable)]
        # Spawned with Ctrl-C held off, so an interrupt cannot land between the spawn and the
        # moment `stop` can find the process.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process = subprocess.Popen(command, env=environment, stdout=self.log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        self.url = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
        try:
            for _ in range(1000):  # polled finely: the cold-start benchmark times from the spawn
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    return self
                except OSError:
                    time.sleep(0.01)
            raise RuntimeError(f"{self.name}: the runtime emulator did not start (see {self.log_path})")
        except BaseException:
            self.stop()
            raise

    def invoke(self, event):
        request = urllib.request.Request(self.url, data=json.dumps(event).encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            # The emulator answers a failed init or a crash with an HTTP error: a function error.
            return {"errorType": f"HTTP {error.code}", "errorMessage": error.read().decode(errors="replace")}
        except (ConnectionError, urllib.error.URLError) as error:
            # A runtime whose init fails exits at once, and now and then the emulator loses that race
            # ("Unable to find an exitedChannel for 'runtime-N'", then a Go panic in its log): it
            # closes the connection without an answer and later invokes are refused (seen once in the
            # broken hop's run). The invoke failed, as Lambda reports a failed init; the records go
            # back to their queue.
            cause = getattr(error, "reason", error)  # urllib wraps a refused connection
            if not isinstance(cause, ConnectionError):
                raise
            return {"errorType": "Emulator.ConnectionLost",
                    "errorMessage": f"{type(cause).__name__}: {cause} (the function's log: {self.log_path})"}

    def forward_logs(self, logs, group):
        """Copy the function's new output lines to its log group, as Lambda does; returns them."""
        self.log.flush()
        with open(self.log_path, "rb") as f:
            f.seek(self.forwarded)
            data = f.read()
        complete = data[: data.rfind(b"\n") + 1]
        if not complete:
            return []
        self.forwarded += len(complete)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in complete.decode(errors="replace").splitlines()
                  if line.strip()]
        for start in range(0, len(events), 1000):
            logs.put_log_events(logGroupName=group, logStreamName="local", logEvents=events[start:start + 1000])
        return [event["message"] for event in events]

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self.log is not None and not self.log.closed:
            self.log.close()


def lambda_sqs_event(messages, queue_arn):
    """The event Lambda's SQS event source sends (aws_lambda_events' SqsEvent shape)."""
    records = []
    for m in messages:
        records.append({
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": {k: {"stringValue": v.get("StringValue"), "binaryValue": None,
                                      "stringListValues": [], "binaryListValues": [],
                                      "dataType": v["DataType"]}
                                  for k, v in m.get("MessageAttributes", {}).items()},
            "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
            "awsRegion": REGION,
        })
    return {"Records": records}
