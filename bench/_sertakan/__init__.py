"""The parts of the SERTAKAN benchmark (bench/sertakan_bench.py is the command and its documentation):
`children` runs in the Django child processes (setup, check), `loopback` talks HTTP to the server and
the Midtrans emulator and times the phases, `phases` drives the checkouts, notifications and replays."""

SEED = 20251103
SERVER_KEY = "SB-Mid-server-BENCH-sertakan"
CLIENT_KEY = "SB-Mid-client-BENCH-sertakan"
NOTIFICATION_PATH = "/api/v1/sertakan/midtrans/notifikasi"
