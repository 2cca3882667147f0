#!/usr/bin/env python3
"""A stand-in for CJ대한통운's API, for labeld's tests only, answering from docs/carriers/cj-contract.json.

usage: cj_standin.py --contract FILE --customer ID --business NUMBER [--port 0] [--latency-ms 0]
Prints the port it listens on (127.0.0.1) as its first line.

Each operation checks the DATA fields the contract requires (a missing or empty one is RegBook's
ORA-01400), the day token (header CJ-Gateway-APIKey and DATA.TOKEN_NUM alike; an unknown or revoked
one is the contract's 401), and answers with the contract's examples:
  ReqAddrRfnSm  an address with 울릉 or 배송불가 → undeliverable (-20009); 제주 → delayed (-20010);
                주소오류 → -20002; otherwise ok, with a sort code told by the address's district (so a
                batch sorted by it has an order to check)
  ReqInvcNo     the next of 6500 0000 0001, 6500 0000 0002, …
  RegBook       booked once per CUST_ID + RCPT_YMD + CUST_USE_NO; again → ORA-00001
  CnclBook      cancels a booking
Faults, set by POST /_control with a JSON object:
  {"latencyMs": 20}                every answer waits this long
  {"down": ["ReqAddrRfnSm"]}       these answer HTTP 503
  {"hang": {"RegBook": 1}}         the next N calls wait hangSeconds (default 10) before they work and answer
  {"hangSeconds": 4}
  {"drop": {"RegBook": 1}}         the next N calls close the connection without an answer
  {"dropAfter": {"RegBook": 1}}    the next N calls do their work, then close without an answer
  {"revokeTokens": true}           every token issued so far is refused (401)
GET /_log answers {"calls": {op: n}, "bookings": {INVC_NO: {..., "accepted": times taken}}, "tokens": n}.
"""
import argparse, json, re, socket, sys, threading, time, uuid, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--contract", required=True)
ap.add_argument("--customer", required=True)
ap.add_argument("--business", required=True)
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--latency-ms", type=int, default=0)
args = ap.parse_args()
contract = json.load(open(args.contract, encoding="utf-8"))
ops = contract["operations"]

lock = threading.Lock()
state = {"latencyMs": args.latency_ms, "down": set(), "hang": {}, "hangSeconds": 10, "drop": {}, "dropAfter": {},
         "tokens": set(), "calls": {}, "bookings": {}, "nextInvoice": 650000000001, "tokenCount": 0}


def answer(op, name, **changes):
    body = json.loads(json.dumps(ops[op]["answers"][name]))
    if changes:
        body["DATA"] = dict(body.get("DATA") or {}, **changes)
    return body


def take(kind, op):
    with lock:
        n = state[kind].get(op, 0)
        if n > 0:
            state[kind][op] = n - 1
            return True
    return False


def route(address):
    if "울릉" in address or "배송불가" in address:
        return answer("ReqAddrRfnSm", "undeliverable")
    if "주소오류" in address:
        return answer("ReqAddrRfnSm", "addressNotAnalysed")
    if "제주" in address:
        return answer("ReqAddrRfnSm", "delayed")
    words = address.split()
    district = words[1] if len(words) > 1 else address
    h = sum(district.encode("utf-8")) 
    return answer("ReqAddrRfnSm", "ok", CLSFCD="%d%s%02d" % (1 + h % 9, "ABCDEFGHJKLMNPQRSTUVWXY"[h % 23], h % 97),
                  SUBCLSFCD="%d%s" % (h % 9, "abcdefg"[h % 7]), CLSFADDR=" ".join(words[1:3])[:20] or "주소", CLLDLVBRANNM=district[:10],
                  CLLDLVEMPNICKNM="G%02d-%02d" % (h % 50, h % 13))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY each answer waits for the client's
    # delayed ACK (40 ms), which would be the stand-in's latency, not CJ's.
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def send_json(self, status, body):
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        if self.path == "/_log":
            with lock:
                self.send_json(200, {"calls": state["calls"], "bookings": state["bookings"], "tokens": state["tokenCount"]})
        else:
            self.send_json(404, {})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        op = self.path.strip("/")
        if op == "_control":
            c = json.loads(raw)
            with lock:
                if "latencyMs" in c: state["latencyMs"] = c["latencyMs"]
                if "hangSeconds" in c: state["hangSeconds"] = c["hangSeconds"]
                if "down" in c: state["down"] = set(c["down"])
                for k in ("hang", "drop", "dropAfter"):
                    if k in c: state[k].update(c[k])
                if c.get("revokeTokens"): state["tokens"] = set()
            return self.send_json(200, {"ok": True})
        if op not in ops:
            return self.send_json(404, {"RESULT_CD": "E404", "RESULT_DETAIL": "no such API"})
        with lock:
            state["calls"][op] = state["calls"].get(op, 0) + 1
            latency = state["latencyMs"]
            down = op in state["down"]
        if latency:
            time.sleep(latency / 1000)
        if take("hang", op):
            time.sleep(state["hangSeconds"])
        if take("drop", op):
            return self.drop()
        if down:
            return self.send_json(503, {"RESULT_CD": "E503", "RESULT_DETAIL": "Service Unavailable"})
        try:
            data = json.loads(raw)["DATA"]
        except Exception:
            return self.send_json(400, {"RESULT_CD": "E400", "RESULT_DETAIL": "body is not {\"DATA\": {...}}"})
        spec = ops[op]
        if spec["token"]:
            token = self.headers.get(contract["envelope"]["tokenHeader"])
            with lock:
                valid = token in state["tokens"] and data.get("TOKEN_NUM") == token
            if not valid:
                u = contract["unauthorized"]
                return self.send_json(u["status"], u["body"])
        missing = [f for f in spec["requires"] if data.get(f) in (None, "", [])]
        if op == "RegBook" and not missing:
            missing = [f for item in data["ARRAY"] for f in spec["arrayRequires"] if item.get(f) in (None, "")]
        if missing:
            if op == "RegBook":
                body = answer(op, "missingField")
                body["RESULT_DETAIL"] += " (" + ", ".join(missing) + ")"
                return self.send_json(200, body)
            return self.send_json(200, {"RESULT_CD": "E", "RESULT_DETAIL": "missing " + ", ".join(missing)})
        body = self.operate(op, data)
        if take("dropAfter", op):
            return self.drop()
        self.send_json(200, body)

    def operate(self, op, data):
        if op == "ReqOneDayToken":
            if data["CUST_ID"] != args.customer or data["BIZ_REG_NUM"] != args.business:
                return answer(op, "unknownCustomer")
            token = str(uuid.uuid4())
            kst = datetime.datetime.utcnow() + datetime.timedelta(hours=9 + 24)
            with lock:
                state["tokens"].add(token)
                state["tokenCount"] += 1
            return answer(op, "ok", TOKEN_NUM=token, TOKEN_EXPRTN_DTM=kst.strftime("%Y%m%d%H%M%S"))
        if op == "ReqAddrRfnSm":
            if data["CLNTNUM"] != args.customer:
                return answer(op, "unknownCustomer")
            return route(data["ADDRESS"])
        if op == "ReqInvcNo":
            with lock:
                n = state["nextInvoice"]
                state["nextInvoice"] += 1
            return answer(op, "ok", INVC_NO=str(n))
        key = "%s|%s|%s" % (data["CUST_ID"], data["RCPT_YMD"], data["CUST_USE_NO"])
        if op == "RegBook":
            with lock:
                existing = state["bookings"].get(data["INVC_NO"])
                if existing and existing["key"] == key and existing["state"] == "booked":
                    return answer(op, "duplicate")
                accepted = (existing or {}).get("accepted", 0) + 1
                state["bookings"][data["INVC_NO"]] = {"key": key, "state": "booked", "receiver": data["RCVR_NM"], "accepted": accepted,
                                                      "goods": [g["GDS_NM"] for g in data["ARRAY"]], "printed": data["PRT_ST"]}
            return answer(op, "ok")
        if op == "CnclBook":
            with lock:
                b = next((v for v in state["bookings"].values() if v["key"] == key and v["state"] == "booked"), None)
                if not b:
                    return answer(op, "notBooked")
                b["state"] = "canceled"
            return answer(op, "ok")


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
