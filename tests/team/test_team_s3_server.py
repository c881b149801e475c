"""The real SeaweedFS the team archive's tests and demo start: its keys do what their names say."""

from __future__ import annotations

import io

import pytest
from minio import Minio
from minio.error import S3Error

from recbrowser.team.s3_server import S3Server, S3ServerError


def client(server: S3Server, key) -> Minio:
    return Minio(server.endpoint.removeprefix("http://"), access_key=key.access_key, secret_key=key.secret_key,
                 secure=False, region="us-east-1")


def test_write_key_stores_an_object_the_read_key_reads_back(s3_server):
    client(s3_server, s3_server.write_key).put_object("media", "hello.txt", io.BytesIO(b"hello"), 5)
    response = client(s3_server, s3_server.read_key).get_object("media", "hello.txt")
    try:
        assert response.read() == b"hello"
    finally:
        response.close()
        response.release_conn()


def test_read_only_key_cannot_write_or_delete(s3_server):
    client(s3_server, s3_server.write_key).put_object("media", "kept.txt", io.BytesIO(b"kept"), 4)
    reader = client(s3_server, s3_server.read_key)
    with pytest.raises(S3Error) as put:
        reader.put_object("media", "intruder.txt", io.BytesIO(b"x"), 1)
    assert put.value.code == "AccessDenied"
    with pytest.raises(S3Error) as delete:
        reader.remove_object("media", "kept.txt")
    assert delete.value.code == "AccessDenied"
    names = [o.object_name for o in reader.list_objects("media")]
    assert "kept.txt" in names and "intruder.txt" not in names


def test_unknown_key_is_refused(s3_server):
    from recbrowser.team.s3_server import KeyPair

    stranger = client(s3_server, KeyPair("nobody", "not-a-secret-of-this-server"))
    with pytest.raises(S3Error) as e:
        stranger.list_objects("media").__next__()
    assert e.value.code == "InvalidAccessKeyId"


def test_stop_ends_the_process_and_removes_its_folder():
    server = S3Server().start()
    proc, root, sockets = server.proc, server.root, server.grpc_sockets()
    assert proc is not None and root is not None and root.exists()
    assert any(path.exists() for path in sockets)  # SeaweedFS leaves these in /tmp by itself
    server.stop()
    assert proc.poll() is not None
    assert not root.exists()
    assert not any(path.exists() for path in sockets)


def test_missing_weed_is_one_sentence_not_a_skip(monkeypatch, tmp_path):
    import sys

    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(S3ServerError, match=r"SeaweedFS \(`weed`\) is not installed"):
        S3Server().start()


def test_a_port_taken_before_weed_binds_it_is_retried_with_new_ports(monkeypatch):
    import socket

    from recbrowser.team import s3_server

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    real = s3_server.free_ports
    calls = []

    def first_one_taken(count):
        ports = real(count)
        calls.append(ports)
        if len(calls) == 1:
            ports[0] = taken.getsockname()[1]  # the master port: bound by someone else already
        return ports

    monkeypatch.setattr(s3_server, "free_ports", first_one_taken)
    try:
        with S3Server() as server:
            assert len(calls) == 2
            assert server.port == calls[1][6]
    finally:
        taken.close()
