#!/usr/bin/env python3
"""A small TCP sink standing in for a port-9100 (Zebra-compatible) printer, for labeld's tests.

Each connection's bytes go to DIR/conn-N.bin (written as they arrive). Options:
  --port P           listen on 127.0.0.1:P (0: pick one); the port is printed on stdout
  --status FILE      answer ~HS from FILE's three comma flags "paper_out,paused,head_open" (read per query)
  --close-after N    close the first connection after N data bytes (a printer switched off mid-batch)
  --rate BPS         read at most BPS bytes per second (a slow printer)
  --rcvbuf BYTES     the listening socket's receive buffer (a printer with a small input buffer)

It also answers the SGD query `! U1 getvar "odometer.total_label_count"` with the
number of labels printed (complete formats stored, times their ^PQ copies) over all connections:
a Zebra's label counter, which survives a connection.
"""
import argparse, os, socket, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True)
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--status")
ap.add_argument("--close-after", type=int, default=0)
ap.add_argument("--rate", type=int, default=0)
ap.add_argument("--rcvbuf", type=int, default=0)
a = ap.parse_args()
os.makedirs(a.dir, exist_ok=True)

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if a.rate or a.rcvbuf:
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf or 16384)
srv.bind(("127.0.0.1", a.port))
srv.listen(16)
print(srv.getsockname()[1], flush=True)
count = 0
lock = threading.Lock()
closed_once = False
printed = 0
SGD = b'! U1 getvar "odometer.total_label_count"'


def count_formats(stored):
    """Complete formats in `stored` (bytes since the last counted ^XZ): their copies, and the rest."""
    global printed
    while True:
        end = stored.find(b"^XZ")
        if end < 0:
            return stored
        fmt = stored[:end]
        copies = 1
        q = fmt.rfind(b"^PQ")
        if q >= 0:
            digits = b""
            for ch in fmt[q + 3:q + 10]:
                if 48 <= ch <= 57:
                    digits += bytes([ch])
                else:
                    break
            copies = int(digits or b"1")
        with lock:
            printed += copies
        stored = stored[end + 3:]


def host_status():
    flags = ["0", "0", "0"]
    if a.status and os.path.exists(a.status):
        flags = (open(a.status).read().strip().split(",") + ["0", "0", "0"])[:3]
    s1 = "\x02030,%s,%s,1218,000,0,0,0,000,0,0,0\x03\r\n" % (flags[0], flags[1])
    s2 = "\x02001,0,%s,0,0,2,6,0,00000000,1,000\x03\r\n" % flags[2]
    s3 = "\x021234,0\x03\r\n"
    return (s1 + s2 + s3).encode()


serving = threading.Lock()


def serve(conn, n):
    # One connection at a time, as a printer's port 9100 does: the next waits until this one's
    # bytes (those still in flight from a sender that died) are all taken in.
    with serving:
        serve_one(conn, n)
        # Every byte of this connection is in conn-N.bin: tests wait for this mark, not for time.
        open(os.path.join(a.dir, "conn-%d.closed" % n), "w").close()


def serve_one(conn, n):
    global closed_once
    received = 0
    limit = 0
    carry = b""
    first = True
    pending = b""
    with open(os.path.join(a.dir, "conn-%d.bin" % n), "wb") as f:
        while True:
            want = 65536
            if a.rate:
                want = max(1, a.rate // 50)
            if limit:
                want = min(want, limit - received)
            data = conn.recv(want)
            if not data:
                break
            if first:
                # The first connection that sends anything is the one cut (probes send nothing).
                first = False
                with lock:
                    if a.close_after and not closed_once:
                        closed_once = True
                        limit = a.close_after
                if limit and len(data) > limit:
                    data = data[:limit]
            received += len(data)
            # ~HS anywhere in the stream is answered (in order, as a Zebra's parser does) and not stored.
            data = carry + data
            carry = b""
            while True:
                i = data.find(b"~HS")
                j = data.find(SGD)
                if i < 0 and j < 0:
                    break
                if j >= 0 and (i < 0 or j < i):
                    f.write(data[:j])
                    pending = count_formats(pending + data[:j])
                    with lock:
                        n = printed
                    conn.sendall(b'"%d"\r\n' % n)
                    data = data[j + len(SGD):]
                    continue
                f.write(data[:i])
                pending = count_formats(pending + data[:i])
                conn.sendall(host_status())
                data = data[i + 3:]
            keep = 0
            for k in range(min(len(data), len(SGD) - 1), 0, -1):
                if SGD.startswith(data[-k:]) or b"~HS".startswith(data[-k:]):
                    keep = k
                    break
            if keep:
                carry = data[-keep:]
                data = data[:-keep]
            f.write(data)
            pending = count_formats(pending + data)
            f.flush()
            if limit and received >= limit:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                break
            if a.rate:
                time.sleep(len(data) / a.rate)
    conn.close()


while True:
    c, _ = srv.accept()
    count += 1
    threading.Thread(target=serve, args=(c, count), daemon=True).start()
