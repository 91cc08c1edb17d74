"""Secrets: bank-key rotation (PB_BANK_KEY_OLD, `pbd rekey`) and no secret in
any log line.

Rotation: payees sealed under the old key are re-encrypted under the new
one in batches, idempotently; the configuration refuses an old key without
a new one, the same key twice, or bad hex; serving replicas open either key
while the rotation runs (the finance export shows the account number).

Logs: pbd at PB_LOG_LEVEL=debug is driven through authentication
failures, token use, payee creation with bank details (good and bad) and a
rekey; afterwards its log holds neither the JWT secret, the bank keys, any
token (or its signature), nor any account number or sort code.
"""
import hashlib
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (SECRET, Daemon, check, claims, eq, jwt, migrated_db, pbd, psql,  # noqa: E402
                    run, test, token)

KEY1 = "a1" * 16 + "b2" * 16
KEY2 = "c3" * 16 + "d4" * 16
URL = migrated_db("secrets")
TMP = tempfile.mkdtemp(prefix="pb-secrets-")
ACCOUNTS = ["31415926", "27182818", "16180339", "14142135", "17320508"]
SORT_CODES = ["271828", "314159", "161803", "141421", "173205"]


def key_id(hexkey):
    return hashlib.sha256(b"pb-bank-key-id:" + bytes.fromhex(hexkey)).digest()[:8].hex()


CW = token(["caseworker"], sub="sec-cw")


def make_payees(d, n, offset=0):
    ids = []
    for i in range(n):
        k = (i + offset) % len(ACCOUNTS)
        s, h, b, j = d.request("POST", "/v1/payees", {
            "kind": "organisation", "name": "Secret Ltd %d" % (i + offset), "is_local_authority": False,
            "bank": {"sort_code": SORT_CODES[k], "account_number": ACCOUNTS[k]}}, token=CW)
        eq(s, 201, "payee %s" % b[:200])
        ids.append(j["id"])
    return ids


def key_ids():
    return psql(URL, "SELECT bank_key_id FROM payees WHERE bank_key_id IS NOT NULL ORDER BY 1")[1].split()


# --- rotation -------------------------------------------------------------------

D1 = Daemon(URL, {"PB_BANK_KEY": KEY1})
OLD_PAYEES = make_payees(D1, 5)
D1.stop()


@test
def test_rows_name_their_key():
    eq(set(key_ids()), {key_id(KEY1)}, "key ids before rotation")


@test
def test_old_key_config_validated():
    for env, why in (({"PB_BANK_KEY_OLD": KEY1}, "old without new"),
                     ({"PB_BANK_KEY": KEY1, "PB_BANK_KEY_OLD": KEY1}, "same key twice"),
                     ({"PB_BANK_KEY": KEY2, "PB_BANK_KEY_OLD": "zz" * 32}, "bad hex"),
                     ({"PB_BANK_KEY": KEY2, "PB_BANK_KEY_OLD": KEY1[:62]}, "short")):
        p = pbd(["rekey"], dict(env, DATABASE_URL=URL))
        check(p.returncode != 0, why + ": accepted")
        check("PB_BANK_KEY" in p.stderr, why + ": message %r" % p.stderr)
        check(KEY1 not in p.stderr and KEY2 not in p.stderr, why + ": key echoed")
    p = pbd(["rekey"], {"DATABASE_URL": URL, "PB_BANK_KEY": KEY2})
    check(p.returncode != 0 and "PB_BANK_KEY_OLD" in p.stderr, "rekey without an old key")
    eq(set(key_ids()), {key_id(KEY1)}, "nothing changed")


@test
def test_serving_opens_either_key_during_rotation():
    """A replica given both keys serves payees sealed under either, and seals
    new ones under the current key."""
    d = Daemon(URL, {"PB_BANK_KEY": KEY2, "PB_BANK_KEY_OLD": KEY1})
    try:
        s, h, b, j = d.request("GET", "/v1/payees/%s" % OLD_PAYEES[0], token=CW)
        eq(s, 200, "read")
        eq(j["bank"]["account_number_last4"], ACCOUNTS[0][-4:], "masked")
        new = make_payees(d, 1, offset=1)[0]
    finally:
        d.stop()
    eq(psql(URL, "SELECT bank_key_id FROM payees WHERE id = '%s'" % new)[1], key_id(KEY2), "new payee")


@test
def test_rekey_in_batches_then_idempotent():
    env = {"DATABASE_URL": URL, "PB_BANK_KEY": KEY2, "PB_BANK_KEY_OLD": KEY1}
    before = psql(URL, "SELECT string_agg(id || encode(bank_ciphertext, 'hex'), ',' ORDER BY id)"
                       " FROM payees WHERE bank_key_id IS NOT NULL")[1]
    p = pbd(["rekey", "--batch", "2"], env)
    eq(p.returncode, 0, "rekey: %s %s" % (p.stdout, p.stderr))
    check("5 re-encrypted in 3 batches" in p.stdout, p.stdout)
    check("6 under the current key" in p.stdout, p.stdout)
    eq(set(key_ids()), {key_id(KEY2)}, "every row under the new key")
    after = psql(URL, "SELECT string_agg(id || encode(bank_ciphertext, 'hex'), ',' ORDER BY id)"
                      " FROM payees WHERE bank_key_id IS NOT NULL")[1]
    check(before != after, "ciphertexts changed")
    p = pbd(["rekey"], env)
    eq(p.returncode, 0, "second run")
    check("0 re-encrypted" in p.stdout and "6 under the current key" in p.stdout, p.stdout)
    eq(psql(URL, "SELECT count(*) FROM payees WHERE version <> 1")[1], "0", "versions untouched")
    for out in (p.stdout, p.stderr):
        check(KEY1 not in out and KEY2 not in out, "rekey printed a key")


@test
def test_rekey_bad_batch_refused():
    p = pbd(["rekey", "--batch", "0"], {"DATABASE_URL": URL, "PB_BANK_KEY": KEY2, "PB_BANK_KEY_OLD": KEY1})
    eq(p.returncode, 2, "usage")


@test
def test_bank_key_old_file():
    f = os.path.join(TMP, "old")
    with open(f, "w") as fh:
        fh.write(KEY1 + "\n")
    p = pbd(["rekey"], {"DATABASE_URL": URL, "PB_BANK_KEY": KEY2, "PB_BANK_KEY_OLD_FILE": f})
    eq(p.returncode, 0, "rekey with PB_BANK_KEY_OLD_FILE: %s" % p.stderr)
    p = pbd(["rekey"], {"DATABASE_URL": URL, "PB_BANK_KEY": KEY2, "PB_BANK_KEY_OLD": KEY1,
                        "PB_BANK_KEY_OLD_FILE": f})
    check(p.returncode != 0, "both variable and file refused")


@test
def test_after_rotation_new_key_alone_serves():
    d = Daemon(URL, {"PB_BANK_KEY": KEY2})
    try:
        eq(d.request("GET", "/v1/payees/%s" % OLD_PAYEES[1], token=CW)[0], 200, "read")
    finally:
        d.stop()


# --- no secret in any log line --------------------------------------------------------

@test
def test_no_secret_in_debug_logs():
    d = Daemon(URL, {"PB_BANK_KEY": KEY2, "PB_BANK_KEY_OLD": KEY1, "PB_LOG_LEVEL": "debug"})
    tokens = []
    try:
        good = token(["caseworker", "finance"], sub="sec-logs")
        tokens.append(good)
        bad = [jwt(claims(["caseworker"]), secret="wrong-secret-that-is-32-bytes-long!!"),
               jwt(dict(claims(["caseworker"]), exp=1000)),
               jwt(claims(["caseworker"]), header={"alg": "none", "typ": "JWT"}, sign=False),
               good[:-4] + "AAAA", "garbage." + good.split(".")[1] + ".x"]
        tokens += bad
        for t in bad:
            eq(d.request("GET", "/v1/children", token=t)[0], 401, "bad token")
        eq(d.request("GET", "/v1/children?access_token=" + good, token=good)[0], 200, "good token")
        eq(d.request("GET", "/v1/children", headers={"Authorization": "Basic " + SECRET})[0], 401,
           "basic")
        for i in range(3):
            s, h, b, j = d.request("POST", "/v1/payees", {
                "kind": "organisation", "name": "Log Ltd %d" % i, "is_local_authority": False,
                "bank": {"sort_code": SORT_CODES[i], "account_number": ACCOUNTS[i]}}, token=good)
            eq(s, 201, "payee")
        # refused bank details are not logged either
        s, h, b, j = d.request("POST", "/v1/payees", {
            "kind": "organisation", "name": "Bad Ltd", "is_local_authority": False,
            "bank": {"sort_code": SORT_CODES[3] + "9", "account_number": ACCOUNTS[3] + "x"}}, token=good)
        eq(s, 400, "bad bank")
        check(ACCOUNTS[3].encode() not in b, "refusal echoes the account number")
        d.request("POST", "/v1/payees", raw=b'{"bank": {"account_number": "' + ACCOUNTS[4].encode() + b'"',
                  token=good, headers={"Content-Type": "application/json"})
    finally:
        d.stop()
    log = open(d.log_path).read()
    check(log.count("\n") >= 10, "the debug log has lines: %d" % log.count("\n"))
    check('"level":"debug"' in log, "debug lines were written")
    secrets = {"JWT secret": SECRET, "bank key": KEY2, "old bank key": KEY1,
               "bank key (upper)": KEY2.upper(), "old bank key (upper)": KEY1.upper()}
    for i, t in enumerate(tokens):
        secrets["token %d" % i] = t
        parts = t.split(".")
        if len(parts) == 3 and len(parts[2]) > 8:
            secrets["token %d signature" % i] = parts[2]
    for a in ACCOUNTS:
        secrets["account " + a] = a
    for sc in SORT_CODES:
        secrets["sort code " + sc] = sc
    found = [name for name, value in secrets.items() if value in log]
    eq(found, [], "secrets in the log %s" % d.log_path)


if __name__ == "__main__":
    run()
