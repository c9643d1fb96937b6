#!/usr/bin/python3
"""http_server.py DIR: serves DIR on 127.0.0.1 for the pull tests (transfer_test.cpp).

Prints the port it took, then serves until killed. A missing file is a 404.
/truncated/NAME announces NAME's whole length and closes the connection after
half of it, as a server that dies mid-transfer does.
"""
import functools
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/truncated/"):
            path = os.path.join(self.directory, os.path.basename(self.path))
            with open(path, "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
print(server.server_address[1], flush=True)
server.serve_forever()
