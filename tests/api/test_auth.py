"""Authentication and authorisation: every way a bearer token can be wrong
answers 401 UNAUTHENTICATED with WWW-Authenticate, the edges of clock skew
are honoured, RS256/ES256 deployments refuse algorithm confusion, bad
configuration stops the daemon before it listens, and roles are enforced."""
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (AUD, ISS, SECRET, Daemon, b64u, check, claims, eq,  # noqa: E402
                    free_port, jwt, migrated_db, new_id, pbd_bin, run, test, token)

DB = migrated_db("auth")
D = Daemon(DB)
PATH = "/v1/children"
TMP = tempfile.mkdtemp(prefix="pb-auth-")


# --- helpers -------------------------------------------------------------------

def raw_jwt(header_bytes, payload_bytes, key=SECRET, digest=hashlib.sha256):
    """A JWT from exact header and payload bytes, HMAC-signed."""
    msg = (b64u(header_bytes) + "." + b64u(payload_bytes)).encode()
    k = key.encode() if isinstance(key, str) else key
    return msg.decode() + "." + b64u(hmac.new(k, msg, digest).digest())


def hs(claims_obj, digest, alg):
    h = json.dumps({"alg": alg, "typ": "JWT"}).encode()
    return raw_jwt(h, json.dumps(claims_obj).encode(), SECRET, digest)


def get(tok, daemon=None, path=PATH, headers=None):
    return (daemon or D).request("GET", path, token=tok, headers=headers)


def expect_401(resp, token_presented=True, what=""):
    s, h, b, j = resp
    eq(s, 401, what + " status")
    check(h.get("content-type", "").startswith("application/problem+json"),
          what + " content-type %r" % h.get("content-type"))
    eq(j["code"], "UNAUTHENTICATED", what + " code")
    eq(j["status"], 401, what + " problem status")
    www = h.get("www-authenticate")
    check(www is not None, what + " WWW-Authenticate missing")
    check(www.startswith("Bearer"), what + " WWW-Authenticate %r" % www)
    if token_presented:
        check('error="invalid_token"' in www, what + " WWW-Authenticate %r" % www)
    else:
        check("error=" not in www, what + " no error= expected without a token: %r" % www)


def expect_ok(resp, what=""):
    s, h, b, j = resp
    eq(s, 200, what + " status (body %r)" % b[:300])
    check("items" in j, what + " list body")


def c(**over):
    """Valid caseworker claims with overrides; a value of DROP removes the claim."""
    base = claims(["caseworker"])
    for k, v in over.items():
        if v is DROP:
            base.pop(k, None)
        else:
            base[k] = v
    return base


DROP = object()
NOW = lambda: int(time.time())  # noqa: E731


# --- baseline ------------------------------------------------------------------

@test
def test_valid_token_accepted():
    expect_ok(get(token(["caseworker"])), "valid HS256")


@test
def test_no_token_is_401_with_plain_bearer_challenge():
    s, h, b, j = D.request("GET", PATH)
    expect_401((s, h, b, j), token_presented=False, what="no token")
    eq(h["www-authenticate"], "Bearer", "challenge without a token")


@test
def test_non_bearer_scheme_is_401():
    s, h, b, j = D.request("GET", PATH, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    eq(s, 401, "status")
    eq(j["code"], "UNAUTHENTICATED", "code")
    check(h.get("www-authenticate", "").startswith("Bearer"), "challenge")


@test
def test_empty_bearer_is_401():
    s, h, b, j = D.request("GET", PATH, headers={"Authorization": "Bearer "})
    expect_401((s, h, b, j), what="empty bearer")


@test
def test_garbage_token():
    expect_401(get("garbage"), what="garbage")


@test
def test_three_garbage_segments():
    expect_401(get("a.b.c"), what="a.b.c")


@test
def test_six_kib_junk_token():
    expect_401(get("A" * 6144), what="6 KiB junk")


@test
def test_six_kib_token_of_valid_shape():
    # a correctly signed token padded to 6 KiB with a junk claim: over the token cap
    tok = jwt(c(pad="x" * 4300))
    check(6000 < len(tok) < 7000, "token size %d" % len(tok))
    expect_401(get(tok), what="6 KiB signed token")


@test
def test_header_over_8_kib_refused():
    tok = token(["caseworker"])
    try:
        s, h, b, j = D.request("GET", PATH, token=tok, headers={"X-Pad": "p" * 9000})
    except (ConnectionError, OSError) as e:  # a closed connection is also a refusal
        s = None
        reason = repr(e)
    if s is not None:
        check(400 <= s < 500, "expected 4xx for a 9 KB header, got %r" % s)
    else:
        check(reason, "connection refused")
    # and the daemon carries on
    eq(D.request("GET", "/healthz")[0], 200, "healthz after big header")


# --- algorithm ------------------------------------------------------------------

def none_token(alg_value, trailing_dot=True):
    head = b64u(json.dumps({"alg": alg_value, "typ": "JWT"}).encode())
    body = b64u(json.dumps(c()).encode())
    return head + "." + body + ("." if trailing_dot else "")


@test
def test_alg_none_with_trailing_dot():
    expect_401(get(none_token("none", True)), what="alg none.")


@test
def test_alg_none_without_trailing_dot():
    expect_401(get(none_token("none", False)), what="alg none")


@test
def test_alg_none_mixed_case():
    expect_401(get(none_token("NoNe", True)), what="alg NoNe.")
    expect_401(get(none_token("NONE", True)), what="alg NONE.")


@test
def test_alg_none_with_real_hs256_signature_attached():
    # header says none, but a valid HS256 signature over it is attached
    head = b64u(json.dumps({"alg": "none"}).encode())
    body = b64u(json.dumps(c()).encode())
    msg = (head + "." + body).encode()
    sig = b64u(hmac.new(SECRET.encode(), msg, hashlib.sha256).digest())
    expect_401(get(msg.decode() + "." + sig), what="none+sig")


@test
def test_hs512_refused():
    expect_401(get(hs(c(), hashlib.sha512, "HS512")), what="HS512")


@test
def test_hs384_refused():
    expect_401(get(hs(c(), hashlib.sha384, "HS384")), what="HS384")


@test
def test_bad_signature():
    tok = token(["caseworker"])
    head, body, sig = tok.split(".")
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    expect_401(get(head + "." + body + "." + flipped), what="flipped signature")
    expect_401(get(jwt(c(), secret="another-secret-that-is-32-bytes-long!!")), what="wrong key")
    expect_401(get(head + "." + body + "."), what="signature stripped")


@test
def test_tampered_payload():
    tok = token(["caseworker"])
    head, body, sig = tok.split(".")
    forged = b64u(json.dumps(c(roles=["admin"])).encode())
    expect_401(get(head + "." + forged + "." + sig), what="payload swapped")


# --- time claims -----------------------------------------------------------------

@test
def test_expired_beyond_skew():
    expect_401(get(jwt(c(exp=NOW() - 120, iat=NOW() - 700))), what="expired 120 s ago")
    expect_401(get(jwt(c(exp=NOW() - 3600, iat=NOW() - 7200))), what="expired 1 h ago")


@test
def test_expired_within_skew_accepted():
    expect_ok(get(jwt(c(exp=NOW() - 30))), "expired 30 s ago (within 60 s skew)")


@test
def test_missing_exp():
    expect_401(get(jwt(c(exp=DROP))), what="no exp")


@test
def test_exp_as_string():
    expect_401(get(jwt(c(exp=str(NOW() + 600)))), what="exp string")


@test
def test_exp_as_float():
    # 1.5e9 written with an exponent, and a fractional future exp
    h = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    body = json.dumps(c(exp=0)).replace('"exp": 0', '"exp": 1.5e9').encode()
    check(b"1.5e9" in body, "raw exp text")
    expect_401(get(raw_jwt(h, body)), what="exp 1.5e9")
    expect_401(get(jwt(c(exp=NOW() + 600.5))), what="exp fractional")


@test
def test_exp_null_bool_negative():
    expect_401(get(jwt(c(exp=None))), what="exp null")
    expect_401(get(jwt(c(exp=True))), what="exp true")
    expect_401(get(jwt(c(exp=-1))), what="exp negative")


@test
def test_future_nbf_beyond_skew():
    expect_401(get(jwt(c(nbf=NOW() + 300))), what="nbf +300 s")


@test
def test_nbf_within_skew_accepted():
    expect_ok(get(jwt(c(nbf=NOW() + 30))), "nbf +30 s (within skew)")
    expect_ok(get(jwt(c(nbf=NOW() - 30))), "nbf in the past")


@test
def test_nbf_not_integer():
    expect_401(get(jwt(c(nbf=str(NOW() - 30)))), what="nbf string")


# --- identity claims ---------------------------------------------------------------

@test
def test_wrong_iss():
    expect_401(get(jwt(c(iss="someone-else"))), what="wrong iss")
    expect_401(get(jwt(c(iss=ISS.upper()))), what="iss case differs")


@test
def test_missing_iss():
    expect_401(get(jwt(c(iss=DROP))), what="no iss")


@test
def test_wrong_aud():
    expect_401(get(jwt(c(aud="other-audience"))), what="wrong aud")
    expect_401(get(jwt(c(aud=["other-audience", "more"]))), what="aud array without ours")
    expect_401(get(jwt(c(aud=DROP))), what="no aud")


@test
def test_aud_array_containing_audience_accepted():
    expect_ok(get(jwt(c(aud=["other-audience", AUD]))), "aud array with ours")


@test
def test_missing_sub():
    expect_401(get(jwt(c(sub=DROP))), what="no sub")


@test
def test_empty_sub():
    expect_401(get(jwt(c(sub=""))), what="empty sub")
    expect_401(get(jwt(c(sub=42))), what="numeric sub")


@test
def test_missing_la():
    expect_401(get(jwt(c(la=DROP))), what="no la")


@test
def test_malformed_la():
    expect_401(get(jwt(c(la="camden"))), what="la camden")
    expect_401(get(jwt(c(la="e09000007"))), what="la lower case")
    expect_401(get(jwt(c(la="E0900000"))), what="la short")


@test
def test_family_without_person_id():
    expect_401(get(jwt(claims(["family"]))), what="family without person_id")


@test
def test_person_id_not_uuid():
    expect_401(get(jwt(claims(["family"], person_id="not-a-uuid"))), what="person_id junk")
    expect_401(get(jwt(c(person_id=12345))), what="person_id number")


@test
def test_roles_not_array():
    expect_401(get(jwt(c(roles="caseworker"))), what="roles string")
    expect_401(get(jwt(c(roles=[1, 2]))), what="roles of numbers")


@test
def test_claims_not_an_object():
    h = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    expect_401(get(raw_jwt(h, b'["caseworker"]')), what="claims array")
    expect_401(get(raw_jwt(h, b"not json")), what="claims not json")


# --- RS256 / ES256 deployments -------------------------------------------------------

def openssl(*args, data=None):
    p = subprocess.run(["openssl"] + list(args), input=data, capture_output=True)
    if p.returncode != 0:
        raise AssertionError("openssl %s: %s" % (args, p.stderr.decode()))
    return p.stdout


def make_key(kind):
    key = os.path.join(TMP, kind + ".key")
    pub = os.path.join(TMP, kind + ".pub.pem")
    if kind.startswith("rsa"):
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key)
    else:
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-out", key)
    openssl("pkey", "-in", key, "-pubout", "-out", pub)
    return key, pub


def der_to_raw_ecdsa(der):
    """DER SEQUENCE { INTEGER r, INTEGER s } → r||s, 32 bytes each."""
    check(der[0] == 0x30, "DER sequence")
    i = 2
    if der[1] & 0x80:
        i = 2 + (der[1] & 0x7F)
    out = b""
    for _ in range(2):
        check(der[i] == 0x02, "DER integer")
        n = der[i + 1]
        v = der[i + 2:i + 2 + n]
        i += 2 + n
        v = v.lstrip(b"\x00")
        out += v.rjust(32, b"\x00")
    return out


def asym_jwt(claims_obj, keyfile, alg):
    head = b64u(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64u(json.dumps(claims_obj).encode())
    msg = (head + "." + body).encode()
    sig = openssl("dgst", "-sha256", "-sign", keyfile, data=msg)
    if alg == "ES256":
        sig = der_to_raw_ecdsa(sig)
        check(len(sig) == 64, "raw ES256 signature")
    return msg.decode() + "." + b64u(sig)


RSA_KEY, RSA_PUB = make_key("rsa")
RSA2_KEY, RSA2_PUB = make_key("rsa2")
EC_KEY, EC_PUB = make_key("ec")
EC2_KEY, _ = make_key("ec2")
RS = Daemon(DB, {"PB_JWT_ALG": "RS256", "PB_JWT_PUBLIC_KEY_FILE": RSA_PUB})
ES = Daemon(DB, {"PB_JWT_ALG": "ES256", "PB_JWT_PUBLIC_KEY_FILE": EC_PUB})


@test
def test_key_rotation_accepts_the_previous_key_until_it_is_removed():
    """Rotation without a window of failures: deploy the new key with the old one as
    *_OLD (tokens of both verify), then drop the old one (its tokens are refused)."""
    new, old, other = "n" * 40, SECRET, "x" * 40
    both = Daemon(DB, {"PB_JWT_SECRET": new, "PB_JWT_SECRET_OLD": old})
    try:
        expect_ok(get(jwt(c(), secret=old), both), "a token signed with the previous secret")
        expect_ok(get(jwt(c(), secret=new), both), "a token signed with the new secret")
        expect_401(get(jwt(c(), secret=other), both), what="any other secret")
    finally:
        both.stop()
    only_new = Daemon(DB, {"PB_JWT_SECRET": new})
    try:
        expect_401(get(jwt(c(), secret=old), only_new), what="the old secret once removed")
    finally:
        only_new.stop()
    rs = Daemon(DB, {"PB_JWT_ALG": "RS256", "PB_JWT_PUBLIC_KEY_FILE": RSA_PUB,
                     "PB_JWT_PUBLIC_KEY_OLD_FILE": RSA2_PUB})
    try:
        expect_ok(get(asym_jwt(c(), RSA2_KEY, "RS256"), rs), "RS256: the previous key")
        expect_ok(get(asym_jwt(c(), RSA_KEY, "RS256"), rs), "RS256: the new key")
        expect_401(get(asym_jwt(c(), EC_KEY, "ES256"), rs), what="another algorithm")
    finally:
        rs.stop()
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_SECRET_OLD="short"))
    check(rc != 0 and "PB_JWT_SECRET_OLD" in err, "a short old secret is refused: %r" % err)


@test
def test_rs256_valid_token_accepted():
    expect_ok(get(asym_jwt(c(), RSA_KEY, "RS256"), RS), "RS256")


@test
def test_rs256_token_signed_by_other_key_refused():
    expect_401(get(asym_jwt(c(), RSA2_KEY, "RS256"), RS), what="RS256 other key")


@test
def test_rs256_expired_refused():
    expect_401(get(asym_jwt(c(exp=NOW() - 600), RSA_KEY, "RS256"), RS), what="RS256 expired")


@test
def test_rs256_alg_confusion_hs256_with_public_key_refused():
    pem = open(RSA_PUB, "rb").read()
    expect_401(get(jwt(c(), secret=pem), RS), what="HS256 keyed with RSA public PEM")
    # and with the PEM's trailing newline stripped
    expect_401(get(jwt(c(), secret=pem.strip()), RS), what="HS256 keyed with stripped PEM")


@test
def test_rs256_daemon_refuses_hs256_test_secret():
    expect_401(get(token(["caseworker"]), RS), what="HS256 on RS256 daemon")


@test
def test_rs256_daemon_refuses_alg_none():
    expect_401(get(none_token("none"), RS), what="none on RS256 daemon")


@test
def test_rs256_daemon_refuses_es256_token():
    expect_401(get(asym_jwt(c(), EC_KEY, "ES256"), RS), what="ES256 on RS256 daemon")


@test
def test_rs256_token_refused_by_hs256_daemon():
    expect_401(get(asym_jwt(c(), RSA_KEY, "RS256")), what="RS256 on HS256 daemon")


@test
def test_es256_valid_token_accepted():
    expect_ok(get(asym_jwt(c(), EC_KEY, "ES256"), ES), "ES256")


@test
def test_es256_other_key_and_confusion_refused():
    expect_401(get(asym_jwt(c(), EC2_KEY, "ES256"), ES), what="ES256 other key")
    pem = open(EC_PUB, "rb").read()
    expect_401(get(jwt(c(), secret=pem), ES), what="HS256 keyed with EC PEM")
    expect_401(get(asym_jwt(c(), RSA_KEY, "RS256"), ES), what="RS256 on ES256 daemon")
    expect_401(get(token(["caseworker"]), ES), what="HS256 on ES256 daemon")


@test
def test_es256_der_signature_refused():
    # a DER-encoded ECDSA signature is not a JWS ES256 signature
    head = b64u(json.dumps({"alg": "ES256", "typ": "JWT"}).encode())
    body = b64u(json.dumps(c()).encode())
    msg = (head + "." + body).encode()
    der = openssl("dgst", "-sha256", "-sign", EC_KEY, data=msg)
    expect_401(get(msg.decode() + "." + b64u(der), ES), what="ES256 DER signature")


# --- JOSE header and claims strictness (issue 14) ----------------------------------------

def hs_raw(header, payload):
    """HS256-signed token from a header dict (or exact bytes) and exact payload bytes."""
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    p = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return raw_jwt(h, p)


@test
def test_alg_compared_exactly():
    for alg in ("hs256", "Hs256", "HS256 ", "HS-256"):
        expect_401(get(hs_raw({"alg": alg, "typ": "JWT"}, c())), what="alg %r" % alg)
    expect_401(get(hs_raw({"typ": "JWT"}, c())), what="no alg")
    expect_401(get(hs_raw({"alg": ["HS256"]}, c())), what="alg array")
    expect_ok(get(hs_raw({"alg": "HS256"}, c())), "alg HS256 without typ")


@test
def test_crit_header_refused():
    for crit in (["exp"], ["b64"], [], "exp", None):
        expect_401(get(hs_raw({"alg": "HS256", "typ": "JWT", "crit": crit}, c())),
                   what="crit %r" % (crit,))


@test
def test_typ_values():
    for typ in ("JWT", "jwt", "at+jwt", "application/at+jwt", "AT+JWT"):
        expect_ok(get(hs_raw({"alg": "HS256", "typ": typ}, c())), "typ %r" % typ)
    for typ in ("JOSE", "JWS", "application/jwt", "at+jwt; x", "", 1, None, ["JWT"]):
        expect_401(get(hs_raw({"alg": "HS256", "typ": typ}, c())), what="typ %r" % (typ,))


@test
def test_duplicate_names_refused():
    good = json.dumps(c())
    dup_sub = good[:-1] + ', "sub": "someone-else"}'
    expect_401(get(hs_raw({"alg": "HS256"}, dup_sub.encode())), what="duplicate sub")
    dup_la = good[:-1] + ', "la": "E09000001"}'
    expect_401(get(hs_raw({"alg": "HS256"}, dup_la.encode())), what="duplicate la")
    expect_401(get(hs_raw(b'{"alg":"HS256","alg":"HS256"}', good.encode())),
               what="duplicate alg in header")
    expect_ok(get(hs_raw({"alg": "HS256"}, good.encode())), "same claims once each")


@test
def test_framing_is_strict_base64url():
    tok = jwt(c())
    head, body, sig = tok.split(".")
    expect_401(get(head + "=." + body + "." + sig), what="padding in header")
    expect_401(get(head + "." + body + "." + sig + "="), what="padding in signature")
    expect_401(get(head + "." + body + "." + sig.replace("-", "+").replace("_", "/")
                   if ("-" in sig or "_" in sig) else head + "." + body + ".+" + sig[1:]),
               what="base64 (not url) alphabet")
    expect_401(get(tok + ".x"), what="four segments")
    expect_401(get(head + "." + body), what="two segments")


def asym_typ_jwt(claims_obj, keyfile, alg, typ):
    head = b64u(json.dumps({"alg": alg, "typ": typ}).encode())
    msg = (head + "." + b64u(json.dumps(claims_obj).encode())).encode()
    sig = openssl("dgst", "-sha256", "-sign", keyfile, data=msg)
    if alg == "ES256":
        sig = der_to_raw_ecdsa(sig)
    return msg.decode() + "." + b64u(sig)


@test
def test_at_jwt_access_tokens_from_identity_providers():
    expect_ok(get(asym_typ_jwt(c(), RSA_KEY, "RS256", "at+jwt"), RS), "RS256 at+jwt")
    expect_ok(get(asym_typ_jwt(c(), EC_KEY, "ES256", "application/at+jwt"), ES),
              "ES256 application/at+jwt")
    expect_401(get(asym_typ_jwt(c(), RSA_KEY, "rs256", "at+jwt"), RS), what="RS256 alg case")
    expect_401(get(asym_typ_jwt(c(), RSA2_KEY, "RS256", "at+jwt"), RS), what="at+jwt other key")


@test
def test_serve_refuses_key_of_the_wrong_kind():
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_ALG="RS256", PB_JWT_PUBLIC_KEY_FILE=EC_PUB))
    check(rc != 0, "RS256 with an EC key: exit code %r" % rc)
    one_line_mentioning(err, "RS256")
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_ALG="ES256", PB_JWT_PUBLIC_KEY_FILE=RSA_PUB))
    check(rc != 0, "ES256 with an RSA key: exit code %r" % rc)
    one_line_mentioning(err, "ES256")
    small = os.path.join(TMP, "rsa1024.key")
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", small)
    small_pub = small + ".pub.pem"
    openssl("pkey", "-in", small, "-pubout", "-out", small_pub)
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_ALG="RS256", PB_JWT_PUBLIC_KEY_FILE=small_pub))
    check(rc != 0, "RS256 with a 1024-bit key: exit code %r" % rc)
    one_line_mentioning(err, "2048")


# --- configuration failures -----------------------------------------------------------

def serve_env(**over):
    e = {k: v for k, v in os.environ.items() if not k.startswith("PB_")}
    e.update({"DATABASE_URL": DB, "PB_LISTEN": "127.0.0.1:%d" % free_port(),
              "PB_JWT_SECRET": SECRET, "PB_LOG_LEVEL": "warn"})
    for k, v in over.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return e


def run_pbd(args, env, timeout=10):
    p = subprocess.Popen([pbd_bin()] + args, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("pbd %s kept running (should have refused to start)" % args)
    return p.returncode, out, err


def one_line_mentioning(err, word):
    lines = [l for l in err.strip().splitlines() if l.strip()]
    eq(len(lines), 1, "stderr lines (%r)" % err)
    check(word in lines[0], "stderr should mention %s: %r" % (word, lines[0]))


@test
def test_serve_refuses_short_secret():
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_SECRET="x" * 31))
    check(rc != 0, "exit code %r" % rc)
    one_line_mentioning(err, "PB_JWT_SECRET")


@test
def test_serve_accepts_exactly_32_byte_secret():
    sec = "k" * 32
    d = Daemon(DB, {"PB_JWT_SECRET": sec})
    try:
        expect_ok(d.request("GET", PATH, token=jwt(c(), secret=sec)), "32-byte secret")
        expect_401(d.request("GET", PATH, token=token(["caseworker"])), what="old secret")
    finally:
        d.stop()


@test
def test_serve_refuses_missing_secret():
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_SECRET=None))
    check(rc != 0, "exit code %r" % rc)
    one_line_mentioning(err, "PB_JWT_SECRET")
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_SECRET=""))
    check(rc != 0, "exit code (empty secret) %r" % rc)
    one_line_mentioning(err, "PB_JWT_SECRET")


@test
def test_serve_refuses_bad_listen():
    for bad in ("bad", "127.0.0.1:", "127.0.0.1:99999", ":8080", "127.0.0.1:http"):
        rc, out, err = run_pbd(["serve"], serve_env(PB_LISTEN=bad))
        check(rc != 0, "PB_LISTEN=%s exit code %r" % (bad, rc))
        one_line_mentioning(err, "PB_LISTEN")


@test
def test_serve_refuses_bad_alg_and_missing_key_file():
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_ALG="HS512"))
    check(rc != 0, "PB_JWT_ALG=HS512 exit code %r" % rc)
    one_line_mentioning(err, "PB_JWT_ALG")
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_ALG="none"))
    check(rc != 0, "PB_JWT_ALG=none exit code %r" % rc)
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_ALG="RS256"))
    check(rc != 0, "RS256 without key file exit code %r" % rc)
    one_line_mentioning(err, "PB_JWT_PUBLIC_KEY_FILE")
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_ALG="RS256",
                                                PB_JWT_PUBLIC_KEY_FILE=RSA_KEY))
    check(rc != 0, "RS256 with a private key file exit code %r" % rc)
    rc, out, err = run_pbd(["serve"], serve_env(PB_JWT_ALG="RS256",
                                                PB_JWT_PUBLIC_KEY_FILE="/nonexistent.pem"))
    check(rc != 0, "RS256 with a missing key file exit code %r" % rc)


@test
def test_migrate_unreachable_database():
    env = serve_env(DATABASE_URL="postgresql:///pb?host=/nonexistent&port=5432")
    t0 = time.time()
    rc, out, err = run_pbd(["migrate"], env, timeout=30)
    check(rc != 0, "exit code %r" % rc)
    check("database" in err.lower() or "connect" in err.lower(),
          "message should say the database cannot be reached: %r" % err)
    check(time.time() - t0 < 20, "migrate should fail promptly")


# --- role denials ---------------------------------------------------------------------

CHILD = {"given_name": "Role", "family_name": "Test", "date_of_birth": "2015-01-01"}
PERSON = {"given_name": "Pat", "family_name": "Person"}


def expect_403(resp, what):
    s, h, b, j = resp
    eq(s, 403, what + " status (body %r)" % b[:200])
    eq(j["code"], "FORBIDDEN", what + " code")
    check(h.get("content-type", "").startswith("application/problem+json"), what + " ctype")


@test
def test_family_cannot_create_child():
    t = token(["family"], person_id=new_id())
    expect_403(D.request("POST", "/v1/children", CHILD, token=t), "family POST child")


@test
def test_auditor_cannot_create_person():
    expect_403(D.request("POST", "/v1/people", PERSON, token=token(["auditor"])),
               "auditor POST person")


@test
def test_panel_finance_service_cannot_create_child():
    for role in ("panel", "finance", "service", "approver", "auditor"):
        expect_403(D.request("POST", "/v1/children", CHILD, token=token([role])),
                   role + " POST child")


@test
def test_caseworker_cannot_read_audit():
    expect_403(D.request("GET", "/v1/audit", token=token(["caseworker"])), "caseworker audit")


@test
def test_caseworker_cannot_read_events():
    expect_403(D.request("GET", "/v1/events", token=token(["caseworker"])), "caseworker events")


@test
def test_family_cannot_read_audit_or_events():
    t = token(["family"], person_id=new_id())
    expect_403(D.request("GET", "/v1/audit", token=t), "family audit")
    expect_403(D.request("GET", "/v1/events", token=t), "family events")


@test
def test_service_reads_events():
    s, h, b, j = D.request("GET", "/v1/events", token=token(["service"]))
    eq(s, 200, "service events")
    check(isinstance(j["items"], list), "items")
    check("next_cursor" in j, "next_cursor")


@test
def test_auditor_and_admin_read_audit():
    for role in ("auditor", "admin"):
        s, h, b, j = D.request("GET", "/v1/audit", token=token([role]))
        eq(s, 200, role + " audit")
        check(isinstance(j["items"], list), role + " items")


@test
def test_token_without_roles_is_authenticated_but_forbidden():
    t = jwt(c(roles=DROP))
    expect_403(D.request("GET", PATH, token=t), "no roles read")
    t = jwt(c(roles=["superuser"]))
    expect_403(D.request("GET", PATH, token=t), "unknown role read")


@test
def test_caseworker_and_admin_can_create():
    for role in ("caseworker", "admin"):
        s, h, b, j = D.request("POST", "/v1/people", PERSON, token=token([role]))
        eq(s, 201, role + " POST person")


try:
    run()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
