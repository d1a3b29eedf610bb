"""How the harness reads the Lambda Runtime Interface Emulator's answers to an invoke."""
import socket
import threading

from ore_harness.lambda_rie import Function


def read_request(connection):
    """Read one whole HTTP request, headers and body (Content-Length). urllib may send the body
    in a send of its own: closing with it unread would reset the connection (a different error)
    instead of closing it cleanly."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536) or b"\r\n\r\n"
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk


def answering_once(reply):
    """A 127.0.0.1 server that reads one request and answers it with `reply` (None: closes the
    connection without an answer); returns its invoke URL."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        with server:
            connection, _ = server.accept()
            with connection:
                connection.settimeout(5)
                read_request(connection)
                if reply is not None:
                    connection.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}/2015-03-31/functions/function/invocations"


def function_at(url, tmp_path):
    function = Function("EmailerFunction", "emailer", {}, tmp_path)
    function.url = url
    return function


def test_a_connection_closed_without_an_answer_is_a_failed_invoke(tmp_path):
    result = function_at(answering_once(None), tmp_path).invoke({"Records": []})
    assert result["errorType"] == "Emulator.ConnectionLost"
    assert "RemoteDisconnected" in result["errorMessage"]
    assert str(tmp_path / "emailer.log") in result["errorMessage"]


def test_a_failed_init_is_a_function_error(tmp_path):
    reply = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    assert function_at(answering_once(reply), tmp_path).invoke({"Records": []}) == {
        "errorType": "HTTP 502", "errorMessage": ""}


def test_an_answer_is_the_function_result(tmp_path):
    body = b'{"batchItemFailures": []}'
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    assert function_at(answering_once(reply), tmp_path).invoke({"Records": []}) == {"batchItemFailures": []}


def test_an_emulator_that_is_gone_is_a_failed_invoke(tmp_path):
    # After its panic the emulator's process has ended: nothing listens on its port.
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    url = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
    result = function_at(url, tmp_path).invoke({"Records": []})
    assert result["errorType"] == "Emulator.ConnectionLost"
    assert "ConnectionRefusedError" in result["errorMessage"]
