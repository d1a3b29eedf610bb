"""The HTTPS client the functions ship (rustls with ring, built once in ore_lambda::sdk_config), over
real TLS. Every other test talks plain HTTP to the AWS API emulator; here moto server serves HTTPS
with a certificate from a CA made for the test, and the csv-formatter binary (debug build, as
scripts/demo.sh leaves it), run under the Lambda Runtime Interface Emulator, publishes through it.
- with the template parameter TlsTrustStore=system, the CA reaches the function the way a system trust store does,
  through SSL_CERT_FILE:
  - certificate for 127.0.0.1 signed by that CA: the record is published (read back from a queue);
  - certificate for another name, same CA: the record fails, so the client verifies names;
- with the default trust (the Amazon Trust Services roots compiled in), the same CA in
  SSL_CERT_FILE is not trusted: the record fails, so the compiled-in roots are the only ones.
"""
import datetime as dt
import ipaddress
import json
import os
import pathlib
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ore_harness.emulator import Aws, free_port
from ore_harness.lambda_rie import Function
from ore_harness.template import Template

ROOT = pathlib.Path(__file__).resolve().parents[2]

REGION = "eu-west-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def pem(obj):
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def certificate(subject, issuer_name, issuer_key, public_key, ca, san=None):
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name).public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
            decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False).add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A test CA, and two server certificates it signed: for 127.0.0.1, and for another name."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("ORE test CA", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ORE test CA")]), ca_key,
                     ca_key.public_key(), ca=True)
    (folder / "ca.pem").write_bytes(pem(ca))
    for name, san in (("loopback", [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                      ("elsewhere", [x509.DNSName("elsewhere.example")])):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = certificate(name, ca.subject, ca_key, key.public_key(), ca=False, san=san)
        (folder / f"{name}.pem").write_bytes(pem(cert))
        (folder / f"{name}.key").write_bytes(pem(key))
    (folder / "no-cert-dir").mkdir()
    return folder


def https_emulator(pki, name, log_path):
    """moto server on HTTPS with the named certificate; returns (process, URL)."""
    port = free_port()
    process = subprocess.Popen(
        [str(pathlib.Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port),
         "-c", str(pki / f"{name}.pem"), "-k", str(pki / f"{name}.key")],
        stdout=open(log_path, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    context.check_hostname = False  # the "elsewhere" certificate is the point of one of the tests
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1, context=context)
            return process, url
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"moto server on HTTPS did not start: {log_path.read_text()}")


def stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def run_csv_formatter(pki, url, topic_arn, log_dir, trust_store="system", region=REGION):
    """One sample record through the real binary with the emulator at `url` as every endpoint."""
    template = Template()
    spec = template.function("CsvFormatterFunction")
    [output] = spec.outputs(template.resources)
    parameters = {"LocalEndpointUrl": url}
    if trust_store is not None:
        parameters["TlsTrustStore"] = trust_store
    env = template.environment(spec, parameters, {output: topic_arn})
    env.update({"AWS_REGION": region, **CREDENTIALS, "SSL_CERT_FILE": str(pki / "ca.pem"),
                "SSL_CERT_DIR": str(pki / "no-cert-dir")})
    event = json.loads((ROOT / "events" / "sqs" / "csv-formatter-stopped-raw-delivery.json").read_text())
    with Function(spec.name, spec.binary, env, log_dir) as function:
        return event, function.invoke(event)


def test_publishes_over_https_to_a_trusted_endpoint(pki, tmp_path):
    process, url = https_emulator(pki, "loopback", tmp_path / "moto.log")
    try:
        aws = Aws(endpoint_url=url, verify=str(pki / "ca.pem"), **{k.lower(): v for k, v in CREDENTIALS.items()})
        topic = aws.sns.create_topic(Name="ore-csv-https")["TopicArn"]
        queue = aws.tap(topic, "ore-csv-https-tap")

        _, reply = run_csv_formatter(pki, url, topic, tmp_path)

        assert reply == {"batchItemFailures": []}, (tmp_path / "csv-formatter.log").read_text()
        messages = aws.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                                  WaitTimeSeconds=2).get("Messages", [])
        assert len(messages) == 1
        assert messages[0]["Body"].startswith("1,"), messages[0]["Body"]
    finally:
        stop(process)


def test_a_certificate_for_another_name_fails_the_record(pki, tmp_path):
    process, url = https_emulator(pki, "elsewhere", tmp_path / "moto.log")
    try:
        event, reply = run_csv_formatter(pki, url, f"arn:aws:sns:{REGION}:123456789012:ore-csv", tmp_path)
    finally:
        stop(process)
    record_ids = [{"itemIdentifier": r["messageId"]} for r in event["Records"]]
    assert reply == {"batchItemFailures": record_ids}
    log = (tmp_path / "csv-formatter.log").read_text()
    assert "invalid peer certificate: certificate not valid for name" in log, log


def test_the_default_trust_is_the_compiled_in_amazon_roots_only(pki, tmp_path):
    process, url = https_emulator(pki, "loopback", tmp_path / "moto.log")
    try:
        event, reply = run_csv_formatter(pki, url, f"arn:aws:sns:{REGION}:123456789012:ore-csv", tmp_path,
                                         trust_store=None)
    finally:
        stop(process)
    record_ids = [{"itemIdentifier": r["messageId"]} for r in event["Records"]]
    assert reply == {"batchItemFailures": record_ids}
    log = (tmp_path / "csv-formatter.log").read_text()
    assert "invalid peer certificate: UnknownIssuer" in log, log


def test_outside_the_partitions_amazon_documents_its_roots_for_the_default_is_the_system_store(pki, tmp_path):
    """TlsTrustStore=auto (the default) in a China region, where AWS documents no move to the Amazon Trust
    Services roots: the runtime's store is used, so the test CA (standing in for that partition's) is trusted."""
    china = "cn-north-1"
    process, url = https_emulator(pki, "loopback", tmp_path / "moto.log")
    try:
        aws = Aws(region=china, endpoint_url=url, verify=str(pki / "ca.pem"),
                  **{k.lower(): v for k, v in CREDENTIALS.items()})
        topic = aws.sns.create_topic(Name="ore-csv-https-china")["TopicArn"]
        queue = aws.tap(topic, "ore-csv-https-china-tap")

        _, reply = run_csv_formatter(pki, url, topic, tmp_path, trust_store=None, region=china)

        assert reply == {"batchItemFailures": []}, (tmp_path / "csv-formatter.log").read_text()
        messages = aws.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=2).get("Messages", [])
        assert len(messages) == 1
    finally:
        stop(process)


def test_the_amazon_roots_are_refused_at_init_outside_those_partitions(pki, tmp_path):
    """TlsTrustStore=amazon in a China region: init fails, naming the parameter, before any call."""
    _, reply = run_csv_formatter(pki, "https://127.0.0.1:9", "arn:aws-cn:sns:cn-north-1:123456789012:ore-csv",
                                 tmp_path, trust_store="amazon", region="cn-north-1")
    assert "errorType" in reply, reply
    log = (tmp_path / "csv-formatter.log").read_text()
    assert "TlsTrustStore" in log and "cn-north-1" in log, log
