"""A sync that stops on an unexpected error says one sentence on stderr; the log keeps the details."""

from __future__ import annotations

from support.cli_helpers import add_account, run


def test_an_unexpected_sync_error_is_one_sentence_on_stderr_and_a_line_in_the_log(
        capsys, monkeypatch, data_dir, yeastar, account_name):
    code, _, err = add_account(capsys, monkeypatch, yeastar, account_name)
    assert code == 0, err

    def broken(*_a, **_k):  # a bug below the sync: what the user sees is the point of the test
        raise RuntimeError("a bug in saving the figures")

    monkeypatch.setattr("recbrowser.services.conversation.save_for_calls", broken)
    code, _, err = run(capsys, "sync")

    assert code == 1
    assert err.splitlines() == [f"recbrowser: Sync of account '{account_name}' stopped on an unexpected error; "
                                "the details are in the log."]
    logged = (data_dir.logs / "recbrowser.log").read_text()
    assert f"sync {account_name} failed unexpectedly" in logged and "a bug in saving the figures" in logged
