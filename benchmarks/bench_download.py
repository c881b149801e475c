"""Download throughput on loopback: our `download_call` path vs `curl`, same file, same run.

A 200 MB file is served by the emulator framework's `send_media` (Range-capable, like every
emulator) from a separate process, so neither client competes with the server for the GIL.
Both clients write to the same disk; ours also hashes (SHA-256), fsyncs and renames, so a
third run, curl followed by `sync FILE`, shows the price of durability. Runs alternate; the
best of each is compared, and each round's curl/ours pair gives a ratio, all of which are
printed with their median. CPU per download (user + system, every thread of ours; curl as a
waited-for child) shows what each client spends, whatever the machine's load does to the times.
To compare with older code, check it out elsewhere (`git worktree add /tmp/old COMMIT`) and
run this script there with `PYTHONPATH=/tmp/old`, alternating with a run here.

    ./run bench download [--mb 200] [--rounds 3] [--tls]
    ./run bench download --peaks 20 [--rounds 3]

`--peaks N`: what keeping the waveform peaks costs a bulk download (`recbrowser download`,
`export`: services/peaks_keeper.py). N different 10-minute MP3 calls (8 kHz mono 32 kbit/s, what
the emulators serve) are downloaded one after another, as `download` does, with and without
the peaks kept; runs alternate. Prints the time to the last download, the time until the
command could return (the last peaks finished), and the CPU time of the peaks' ffmpeg.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recbrowser.domain import Account, Call, Recording
from recbrowser.providers.base import MediaSource
from recbrowser.providers.http import HttpClient
from recbrowser.services.downloads import download_call
from recbrowser.store import Store

SERVER = r"""
import os, ssl, sys, time
from recbrowser.emulators.server import EmulatorServer, send_media
data = os.urandom(int(sys.argv[1]))
srv = EmulatorServer()
if len(sys.argv) > 2:  # HTTPS with this certificate and key
    srv.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.tls.load_cert_chain(sys.argv[2], sys.argv[3])
srv.route("GET", "/media/big.wav", lambda req: send_media(req.handler, data, "audio/wav"))
print(srv.start(), flush=True)
while True:
    time.sleep(3600)
"""


PEAKS_SERVER = r"""
import sys, time
from pathlib import Path
from recbrowser.emulators.server import EmulatorServer, send_media
srv = EmulatorServer()
for f in sorted(Path(sys.argv[1]).glob("*.mp3")):
    srv.route("GET", f"/media/{f.name}", lambda req, data=f.read_bytes(): send_media(req.handler, data, "audio/mpeg"))
print(srv.start(), flush=True)
while True:
    time.sleep(3600)
"""


def self_signed(folder: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 that is its own CA, like an on-prem PBX's: (PEM, key) paths."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench PBX")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pem, key_path = folder / "pbx.pem", folder / "pbx.key"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(pem), str(key_path)


class BenchProvider:
    """Just what download_call needs: the app's HTTP client and a resolved media URL."""

    name = "bench"

    def __init__(self, url: str, size: int, ca_bundle: str | None = None) -> None:
        self.url, self.size = url, size
        self.http = HttpClient(provider="bench", account="bench", per_host_rate=0, ca_bundle=ca_bundle)

    def resolve_media(self, call: Call, rec: Recording) -> MediaSource:
        return MediaSource(self.url, file_name=rec.file_name, format="wav", size=self.size)

    def close(self) -> None:
        self.http.close()


def cpu(who: int) -> float:
    """User + system CPU seconds of this process (every thread) or of its waited-for children."""
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def ours(store: Store, account: Account, provider: BenchProvider, call: Call, media: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one download_call."""
    shutil.rmtree(media, ignore_errors=True)
    store.forget_media(account.id, call.recordings[0].provider_id)
    c, t = cpu(resource.RUSAGE_SELF), time.perf_counter()
    files = download_call(store, account, provider, call, media)
    elapsed, used = time.perf_counter() - t, cpu(resource.RUSAGE_SELF) - c
    assert files[0].size == provider.size
    return elapsed, used


def curl(url: str, out: Path, durable: bool = False, ca_bundle: str | None = None) -> tuple[float, float]:
    """curl alone, or curl then `sync FILE` (the fsync that our path does before its rename):
    (wall seconds, CPU seconds of curl)."""
    out.unlink(missing_ok=True)
    c, t = cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(["curl", "-sS", "--fail", "-o", str(out), *(["--cacert", ca_bundle] if ca_bundle else []), url], check=True)
    used = cpu(resource.RUSAGE_CHILDREN) - c
    if durable:
        subprocess.run(["sync", str(out)], check=True)
    elapsed = time.perf_counter() - t
    out.unlink()
    return elapsed, used


class CallsProvider(BenchProvider):
    def __init__(self, base: str, sizes: dict[str, int]) -> None:
        super().__init__(base, 0)
        self.sizes = sizes

    def resolve_media(self, call: Call, rec: Recording) -> MediaSource:
        return MediaSource(f"{self.url}/media/{rec.file_name}", file_name=rec.file_name, format="mp3",
                           size=self.sizes[rec.file_name])


def peaks_cost(n: int, rounds: int) -> None:
    """Bulk download of n calls, with and without their peaks kept (see the module's docstring)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_waveform import long_call, to_mp3

    from recbrowser.services.peaks_keeper import keeping_peaks

    with tempfile.TemporaryDirectory(prefix="bench-peaks-") as tmp:
        root = Path(tmp)
        served = root / "served"
        served.mkdir()
        to_mp3(long_call(10), served / "call.mp3", 8000, 1, "32k")
        audio = (served / "call.mp3").read_bytes()
        (served / "call.mp3").unlink()
        sizes = {}
        for i in range(n):  # n different files (an ID3v1 tag of their own): n different SHA-256, n peaks
            name = f"call-{i:03d}.mp3"
            data = audio + b"TAG" + f"call {i}".encode().ljust(125, b" ")
            (served / name).write_bytes(data)
            sizes[name] = len(data)
        server = subprocess.Popen([sys.executable, "-c", PEAKS_SERVER, str(served)], stdout=subprocess.PIPE, text=True)
        try:
            provider = CallsProvider(server.stdout.readline().strip(), sizes)  # type: ignore[union-attr]
            store = Store.open(root / "cache.sqlite3")
            account = store.add_account(Account(name="bench", provider="yeastar", settings={}))
            calls = [Call(provider_id=f"c{i}", start_ms=i, has_audio=True,
                          recordings=[Recording(f"r{i}", file_name=name, format="mp3", size=size)])
                     for i, (name, size) in enumerate(sizes.items())]
            store.upsert_calls(account.id, calls)
            calls = [store.get_call("bench", c.provider_id) for c in calls]
            results: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
            for _ in range(rounds):
                for keep in (False, True):
                    media, peaks = root / "media", root / "peaks"
                    shutil.rmtree(media, ignore_errors=True)
                    shutil.rmtree(peaks, ignore_errors=True)
                    for c in calls:
                        store.forget_media(account.id, c.recordings[0].provider_id)
                    children, t = cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
                    with keeping_peaks(media, peaks) if keep else contextlib.nullcontext():
                        for c in calls:
                            download_call(store, account, provider, c, media)
                        fetched = time.perf_counter() - t
                    done = time.perf_counter() - t
                    results[keep].append((fetched, done, cpu(resource.RUSAGE_CHILDREN) - children))
                    if keep:
                        assert len(list(peaks.glob("*.dat"))) == n
            provider.close()
            store.close()
        finally:
            server.terminate()
            server.wait()
    mb = sum(sizes.values()) / 1e6
    print(f"{n} ten-minute MP3 calls (8 kHz mono 32 kbit/s, {mb:.0f} MB) over loopback HTTP, downloaded one after "
          f"another, {rounds} rounds, median; load average {os.getloadavg()[0]:.1f}")
    for keep, label in ((False, "without peaks"), (True, "peaks kept   ")):
        fetched, done, ffmpeg = (statistics.median(r[i] for r in results[keep]) for i in range(3))
        print(f"{label}: last download done {fetched:.2f} s, command done {done:.2f} s, ffmpeg CPU {ffmpeg:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tls", action="store_true", help="HTTPS with a self-signed certificate given as the CA bundle")
    ap.add_argument("--peaks", type=int, metavar="N", help="measure keeping the peaks of N downloaded calls instead")
    args = ap.parse_args()
    if args.peaks:
        peaks_cost(args.peaks, args.rounds)
        return
    if not shutil.which("curl"):
        sys.exit("curl is not installed (Debian: apt-get install curl)")
    size = args.mb * 1_000_000
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-download-") as tmp:
        root = Path(tmp)
        pem, key = self_signed(root) if args.tls else (None, None)
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(size), *([pem, key] if args.tls else [])],
                                  stdout=subprocess.PIPE, text=True)
        try:
            base = server.stdout.readline().strip()  # type: ignore[union-attr]
            url = f"{base}/media/big.wav"
            store = Store.open(root / "cache.sqlite3")
            account = store.add_account(Account(name="bench", provider="yeastar", settings={}))
            call = Call(provider_id="big", start_ms=0, has_audio=True,
                        recordings=[Recording("big-rec", file_name="big.wav", format="wav", size=size)])
            store.upsert_calls(account.id, [call])
            call = store.get_call("bench", "big")
            provider = BenchProvider(url, size, pem)
            curl(url, root / "warm", ca_bundle=pem)  # the server's first answer pays for page faults
            mine, theirs, durable, mine_cpu, curl_cpu = [], [], [], [], []
            for _ in range(args.rounds):
                for times, cpus, (wall, used) in (
                    (theirs, curl_cpu, curl(url, root / "curl.out", ca_bundle=pem)),
                    (mine, mine_cpu, ours(store, account, provider, call, root / "media")),
                    (durable, [], curl(url, root / "curl.out", durable=True, ca_bundle=pem)),
                ):
                    times.append(wall)
                    cpus.append(used)
            provider.close()
            store.close()
        finally:
            server.terminate()
            server.wait()
    mb = size / 1e6
    best_ours, best_curl = min(mine), min(theirs)
    print(f"file: {mb:.0f} MB over loopback ({'HTTPS, self-signed CA bundle' if args.tls else 'HTTP'}), {args.rounds} rounds each, best of each; "
          f"run ended {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    print(f"download_call: {best_ours:.2f} s = {mb / best_ours:.0f} MB/s  (all: {', '.join(f'{t:.2f}' for t in mine)})")
    print(f"curl:          {best_curl:.2f} s = {mb / best_curl:.0f} MB/s  (all: {', '.join(f'{t:.2f}' for t in theirs)})")
    best_durable = min(durable)
    print(f"curl + sync:   {best_durable:.2f} s = {mb / best_durable:.0f} MB/s  (all: {', '.join(f'{t:.2f}' for t in durable)})")
    print(f"ratio (ours / curl throughput): {best_curl / best_ours:.2f}  (target >= 0.8)")
    print(f"ratio (ours / curl + sync, both durable on disk): {best_durable / best_ours:.2f}")
    rounds = [c / o for c, o in zip(theirs, mine, strict=True)]  # each round's curl run and ours, back to back
    pairs = sorted(rounds)
    print(f"per-round ratios ours / curl: {', '.join(f'{r:.2f}' for r in rounds)}")
    print(f"  median {statistics.median(pairs):.2f}, min {pairs[0]:.2f}, max {pairs[-1]:.2f}; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"CPU per download (user + system, all threads), median: download_call {statistics.median(mine_cpu):.2f} s, "
          f"curl {statistics.median(curl_cpu):.2f} s")


if __name__ == "__main__":
    main()
