"""Times one start of `./upshift serve` to its first 200 from /health/ready, in milliseconds.

usage: start_time.py DATA_DIR LOG_FILE [TIMEOUT_S]

The clock starts when the launcher is started and stops at the first 200. One process polls a raw socket every
10 ms and then stops the server (SIGTERM) and waits for it: a poller that spawned `curl` every 10 ms used about
three quarters of a core here, which the start, CPU-bound on two cores, then lacked.
"""
import signal
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
            c.sendall(b"GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return c.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def fail(message, log_file):
    """Exits with the message and the server log's last lines (run.sh deletes its work directory on exit)."""
    try:
        with open(log_file, "rb") as log:
            tail = log.read().decode("utf-8", "replace").splitlines()[-20:]
    except OSError:
        tail = []
    sys.exit("\n".join([f"start_time.py: {message}"] + tail))


def main():
    # A SIGTERM (run.sh stopped) unwinds through the finally below, which stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    data_dir, log_file = sys.argv[1], sys.argv[2]
    timeout_s = float(sys.argv[3]) if len(sys.argv) > 3 else 60
    port = free_port()
    with open(log_file, "wb") as log:
        start = time.monotonic()
        server = subprocess.Popen(
            ["./upshift", "serve", "--data-dir", data_dir, "--port", str(port), "--host", "127.0.0.1"],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            while not ready(port):
                if server.poll() is not None:
                    fail(f"the server exited with {server.returncode}", log_file)
                if time.monotonic() - start > timeout_s:
                    fail(f"not ready after {timeout_s:.0f} s", log_file)
                time.sleep(0.01)
            print(round((time.monotonic() - start) * 1000))
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


if __name__ == "__main__":
    main()
