"""One request to a sandboxrun daemon's socket, for the bench scripts."""
import json
import socket
import time


def request(sock, code="print(1)"):
    """Send one request line for code, read the record line; returns the
    seconds from connect to record. Raises if the status is not ok."""
    t = time.perf_counter()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sock)
        s.sendall((json.dumps({"code": code, "filename": "p.py"}) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            c = s.recv(65536)
            if not c:
                break
            buf += c
    finally:
        s.close()
    rec = json.loads(buf)
    if rec.get("status") != "ok":
        raise RuntimeError("run failed: %s" % buf[:300])
    return time.perf_counter() - t
