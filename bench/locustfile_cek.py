"""Locust clients of the status check benchmark (bench/status_check_bench.py starts them; loopback only).

CEK_MODE=hello asks the hello-world peer; CEK_MODE=cek posts look-ups from the sample file CEK_SAMPLE (a
third covered workers with the right factor, a third with a wrong one, a third unknown NIKs). CEK_PACE=0
sends as fast as answers come (throughput); CEK_PACE=s paces each client to one request every s seconds
(latency at a given load)."""

import json
import os
import random
import socket

import gevent
from geventhttpclient.connectionpool import ConnectionPool
from locust import FastHttpUser, constant, constant_pacing, task


def _no_delay(self, sock):
    # geventhttpclient writes a POST's headers and its body in two sends; with Nagle's algorithm on, the body
    # waits for the server's delayed ACK (40 ms on Linux), which would be measured as the server's time.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


ConnectionPool.after_connect = _no_delay

MODE = os.environ.get("CEK_MODE", "cek")
PACE = float(os.environ.get("CEK_PACE", "0"))
with open(os.environ["CEK_SAMPLE"], encoding="utf-8") as sample_file:
    SAMPLE = [tuple(pair) for pair in json.load(sample_file)]


class Client(FastHttpUser):
    wait_time = constant_pacing(PACE) if PACE else constant(0)

    def on_start(self):
        self.rng = random.Random(id(self))
        if PACE:
            # Clients that start together and keep one pace arrive in bursts of 50 every second; spread
            # over the second, they are 50 people each asking once a second.
            gevent.sleep(self.rng.uniform(0, PACE))

    @task
    def one(self):
        if MODE == "hello":
            self.client.get("/_bench/hello")
            return
        nik, factor = self.rng.choice(SAMPLE)
        with self.client.post(
            "/api/v1/cek", json={"nik": nik, "faktor": factor}, name="/api/v1/cek", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
