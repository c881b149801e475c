"""Which recording of a call a sentence is in, and where: calls with several recordings
(Wildix flows, Bandwidth's recordings of one call) and calls with several legs.

Providers give a sentence's offset in one of two ways, and the link says which:
- the sentence names its recording's leg (Wildix: one recording per flow) or the recording
  itself (Bandwidth, when a call has several): the offset is from the start of that recording;
- otherwise (Yeastar, one recording for all legs) the offset counts from the earliest
  recording's start, and the sentence is in the recording that was running at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass

from recbrowser.domain import Call, Leg, Segment


@dataclass(frozen=True, order=True)
class Place:
    recording: int  # index into call.recordings
    offset_ms: int  # from the start of that recording


class RecordingTimeline:
    def __init__(self, call: Call) -> None:
        self.call = call
        self._recordings = call.recordings
        self._by_id = {r.provider_id: i for i, r in enumerate(self._recordings)}
        self._by_leg: dict[str, int] = {}
        for i, r in enumerate(self._recordings):
            if r.leg:
                self._by_leg.setdefault(r.leg, i)
        starts = [r.start_ms for r in self._recordings if r.start_ms is not None]
        self._origin = min(starts) if starts else None
        self._legs = {leg.provider_id: leg for leg in call.legs}

    @property
    def count(self) -> int:
        return len(self._recordings)

    def place_of(self, segment: Segment) -> Place | None:
        """Where `segment` is heard; None for an untimed sentence or a call without audio."""
        if segment.start_ms is None or not self._recordings:
            return None
        own = self._by_leg.get(segment.leg) if segment.leg else None
        if own is None and segment.leg:
            own = self._by_id.get(segment.leg)
        if own is not None:
            return Place(own, segment.start_ms)
        if self._origin is None or self.count == 1:
            return Place(0, segment.start_ms)
        moment = self._origin + segment.start_ms
        running = [i for i, r in enumerate(self._recordings) if r.start_ms is not None and r.start_ms <= moment]
        index = max(running, key=lambda i: self._recordings[i].start_ms or 0) if running else 0
        return Place(index, moment - (self._recordings[index].start_ms or self._origin))

    def label(self, recording: int, segment: Segment | None = None) -> str:
        """"Recording 2 of 2 · leg 2: transfer to Bob <201>": the leg of the sentence being
        spoken when it names one, else the recording's own leg."""
        if not 0 <= recording < self.count:
            return ""
        text = f"Recording {recording + 1} of {self.count}"
        leg = self._legs.get(segment.leg) if segment is not None and segment.leg else None
        if leg is None:
            leg = self._legs.get(self._recordings[recording].leg)
        return f"{text} · {leg_text(leg, self.call.legs)}" if leg is not None else text


def leg_text(leg: Leg, legs: list[Leg]) -> str:
    number = sorted(legs, key=lambda x: x.index).index(leg) + 1 if leg in legs else leg.index
    to = leg.to_party.label() or "?"
    if number == 1:
        return f"leg 1: {leg.from_party.label() or '?'} → {to}"
    return f"leg {number}: transfer to {to}"
