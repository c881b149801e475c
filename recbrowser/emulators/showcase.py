"""Three scripted calls whose conversation figures are known (issue 20): a long hold, people
talking over each other, a long silence. Offsets are ms from the recording's start; the clips'
lengths are in speech/sentences.json, so every figure follows by hand from this table (the
tests spell them out). Wildix serves them (`start_emulators`, the demo): its transcripts carry
start and end in ms, and its recordings their hold pauses.
"""

from __future__ import annotations

from dataclasses import dataclass

from recbrowser.emulators import speech


@dataclass(frozen=True)
class ScriptedCall:
    name: str
    lines: tuple[tuple[int, str], ...]  # (offset ms, sentence key)
    total_ms: int
    hold: tuple[int, int] | None = None  # (from, to) ms: on hold, the line silent

    def dialogue(self) -> speech.Dialogue:
        said = speech.sentences()
        return speech.Dialogue(tuple(speech.Placement(at, said[k].duration_ms, said[k].text, said[k].speaker, k)
                                     for at, k in self.lines), self.total_ms)


SCRIPTED = (
    # All three in one call, for the screenshot and a first look: the caller speaks over the
    # greeting, 15 s on hold, the agent answers over the card number, then 9 s of silence (under
    # a fifth of the call: the list's "silence over 20 %" still finds only the call below).
    # First in the list, so the three below stay the emulator's last calls.
    ScriptedCall("review", ((500, "greeting"), (2700, "ask_invoice"), (6000, "offer_refund"), (24300, "card_number"),
                            (26900, "refund_eta"), (38800, "anything_else"), (41200, "caller_bye"), (44300, "agent_bye")),
                 48000, hold=(8800, 23800)),
    # The caller is put on hold for 30 s while the agent checks the invoice.
    ScriptedCall("hold", ((500, "greeting"), (4000, "ask_invoice"), (37500, "offer_refund"), (40300, "caller_bye"),
                          (43400, "agent_bye")), 46000, hold=(7200, 37200)),
    # The caller starts before the greeting ends, and says goodbye over the agent's answer.
    ScriptedCall("overtalk", ((500, "greeting"), (2600, "ask_price"), (5400, "tell_price"), (7000, "caller_bye"),
                              (10100, "agent_bye")), 13000),
    # 15 s of silence on an open line before the agent answers.
    ScriptedCall("silence", ((500, "greeting"), (4000, "ask_delivery"), (20500, "next_week"), (23800, "caller_bye"),
                             (26900, "agent_bye")), 29000),
)
