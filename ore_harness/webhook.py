"""EventBridge's API destination hop, which the emulator does not run (its EventBridge stores
connections, API destinations and rules targeting them, but invokes no HTTP endpoint): what a
webhook rule on the ORE bus matched (a tap rule with the same pattern, evaluated by the emulator) is
sent the way EventBridge would send it:

- the body is the event, or the target's InputTransformer applied to it (`input_transform`);
- the connection's API key goes in its header, its body parameters into a JSON body;
- the credentials come from the template's Secrets Manager dynamic references, read from the
  emulator's Secrets Manager (`resolve_dynamic_references`), as CloudFormation resolves them;
- POST to the destination's endpoint, here a `Receiver` on 127.0.0.1 that records each request.

Not emulated: retries (EventBridge retries 429 and 5xx for up to 24 hours) and the dead-letter queue;
a refused request is counted (`failed`)."""
import http.server
import json
import re
import threading
import urllib.request

DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:secretsmanager:([^}:]+)\}\}")
PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.-]+)>")


def resolve_dynamic_references(value, secretsmanager):
    """`value` with each {{resolve:secretsmanager:NAME}} replaced by the secret's string."""
    if isinstance(value, str):
        return DYNAMIC_REFERENCE.sub(
            lambda m: secretsmanager.get_secret_value(SecretId=m.group(1))["SecretString"], value)
    if isinstance(value, list):
        return [resolve_dynamic_references(v, secretsmanager) for v in value]
    if isinstance(value, dict):
        return {k: resolve_dynamic_references(v, secretsmanager) for k, v in value.items()}
    return value


def json_path(event, path):
    """The value at a simple JSON path (`$.detail.data.state`, `$.detail-type`), or None."""
    value = event
    for key in path.removeprefix("$").strip(".").split("."):
        if not key:
            continue
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def input_transform(transformer, event):
    """The body an InputTransformer makes of `event`: each <variable> of the template replaced by the
    value its path selects, as JSON text outside quotes, and as the string's own characters inside
    them, not escaped (EventBridge does not escape a value it places inside quotes, so a quote in it
    breaks the JSON; `request_for` then fails as the endpoint would refuse it)."""
    values = {name: json_path(event, path) for name, path in transformer.get("InputPathsMap", {}).items()}
    template = transformer["InputTemplate"]
    out, in_string, index = [], False, 0
    while index < len(template):
        char = template[index]
        match = PLACEHOLDER.match(template, index) if char == "<" else None
        if match and match.group(1) in values:
            value = values[match.group(1)]
            if in_string:
                out.append(value if isinstance(value, str) else ("" if value is None else json.dumps(value)))
            else:
                out.append(json.dumps(value))
            index = match.end()
            continue
        if char == '"' and (index == 0 or template[index - 1] != "\\"):
            in_string = not in_string
        out.append(char)
        index += 1
    return "".join(out)


def request_for(event, target, connection, endpoint):
    """(url, headers, body) of the request EventBridge sends for `event` through an API destination."""
    body = input_transform(target["InputTransformer"], event) if "InputTransformer" in target else json.dumps(event)
    auth = connection["AuthParameters"]
    headers = dict(target.get("HttpParameters", {}).get("HeaderParameters", {}))
    api_key = auth.get("ApiKeyAuthParameters")
    if api_key:
        headers[api_key["ApiKeyName"]] = api_key["ApiKeyValue"]
    extra = auth.get("InvocationHttpParameters", {})
    for header in extra.get("HeaderParameters", []):
        headers[header["Key"]] = header["Value"]
    if extra.get("BodyParameters"):
        document = json.loads(body)
        # The connection's parameters take precedence (the CreateConnection API reference).
        document.update({p["Key"]: p["Value"] for p in extra["BodyParameters"]})
        body = json.dumps(document)
    return endpoint, headers, body.encode()


def send(url, headers, body, timeout_s=5):
    """POST as an API destination does (EventBridge's client timeout is 5 s); returns the HTTP status."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that answers 202 and records every request (path, headers, JSON body)."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                received.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                 "body": json.loads(body)})
                self.send_response(202)
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    start = __enter__

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()
