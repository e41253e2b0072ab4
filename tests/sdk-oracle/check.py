"""The official SDKs as an oracle for the spec's answer examples.

Every response and stream-event example of the OpenAI (chat, responses, audio, embeddings, images, videos),
Claude and Gemini families is validated with the pydantic models of the official Python SDKs, pinned in
`requirements.txt`: openai, anthropic and google-genai. An example the SDK rejects fails the check unless it is
listed in `allowlist.yaml` with the reason why the SDK is stricter than what gateways really send; an allow-list
entry whose example the SDK accepts fails the check too, so the list never goes stale.

Out of scope: error envelopes (4XX/5XX; the SDKs raise them as exceptions and have no model), Claude `ping` and
`error` events (the SDKs handle them outside `RawMessageStreamEvent`), base64 embeddings (the SDK decodes them
before building its model), rerank and the Midjourney/account families (no official SDK).

Usage: `python check.py [--spec DIR]` validates the examples; `python check.py --self-test` proves the check can
fail by running it on a copy of the spec with one example made wrong on purpose.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import TypeAdapter, ValidationError

import anthropic.types as anthropic_types
import openai.types as openai_types
import openai.types.audio as openai_audio
import openai.types.chat as openai_chat
import openai.types.responses as openai_responses
from google.genai import types as genai_types

HERE = Path(__file__).resolve().parent
SPEC = HERE.parent.parent / "spec"

Validator = Callable[[Any], None]


def model(cls: Any) -> Validator:
    return lambda value: cls.model_validate(value)


def adapter(annotation: Any) -> Validator:
    type_adapter = TypeAdapter(annotation)
    return lambda value: type_adapter.validate_python(value)


def transcription(value: Any) -> None:
    # One answer schema covers `json`, `verbose_json` and `diarized_json`; the SDK has a model for each.
    segments = value.get("segments") or []
    if any("speaker" in segment for segment in segments):
        openai_audio.TranscriptionDiarized.model_validate(value)
    elif segments or "words" in value or "duration" in value:
        openai_audio.TranscriptionVerbose.model_validate(value)
    else:
        openai_audio.Transcription.model_validate(value)


def translation(value: Any) -> None:
    if value.get("segments") or "duration" in value:
        openai_audio.TranslationVerbose.model_validate(value)
    else:
        openai_audio.Translation.model_validate(value)


def embeddings(value: Any) -> None:
    if any(isinstance(item.get("embedding"), str) for item in value.get("data") or []):
        raise OutOfScope("base64 embeddings")
    openai_types.CreateEmbeddingResponse.model_validate(value)


claude_event = adapter(anthropic_types.RawMessageStreamEvent)


def claude_stream_event(value: Any) -> None:
    if value.get("type") in ("ping", "error"):
        raise OutOfScope(f"Claude `{value.get('type')}` event")
    claude_event(value)


class OutOfScope(Exception):
    """An example the oracle does not judge (see the module documentation)."""


# (operation id, media type) → validator of one JSON value (one event's `data` for streams).
VALIDATORS: dict[tuple[str, str], Validator] = {
    ("create_chat_completion", "application/json"): model(openai_chat.ChatCompletion),
    ("create_chat_completion", "text/event-stream"): model(openai_chat.ChatCompletionChunk),
    ("create_response", "application/json"): model(openai_responses.Response),
    ("create_response", "text/event-stream"): adapter(openai_responses.ResponseStreamEvent),
    ("create_transcription", "application/json"): transcription,
    ("create_translation", "application/json"): translation,
    ("create_embedding", "application/json"): embeddings,
    ("create_image", "application/json"): model(openai_types.ImagesResponse),
    ("edit_image", "application/json"): model(openai_types.ImagesResponse),
    ("create_video", "application/json"): model(openai_types.Video),
    ("retrieve_video", "application/json"): model(openai_types.Video),
    ("create_claude_message", "application/json"): model(anthropic_types.Message),
    ("create_claude_message", "text/event-stream"): claude_stream_event,
    ("gemini_generate_content", "application/json"): model(genai_types.GenerateContentResponse),
    ("gemini_stream_generate_content", "text/event-stream"): model(genai_types.GenerateContentResponse),
}


def sse_data(text: str) -> list[str]:
    """The `data` of each event of a raw SSE stream, without `[DONE]`."""
    events, lines = [], []
    for line in text.splitlines() + [""]:
        if line == "":
            if lines:
                events.append("\n".join(lines))
                lines = []
        elif line.startswith("data:"):
            lines.append(line[5:].removeprefix(" "))
    return [data for data in events if data != "[DONE]"]


def examples(spec: Path):
    """Every success-response example of the operations the oracle knows: (label, validator, values)."""
    for path in sorted(spec.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in (document.get("paths") or {}).values():
            for operation in item.values():
                if not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                for status, response in (operation.get("responses") or {}).items():
                    if not str(status).startswith("2"):
                        continue
                    for media_type, media in (response.get("content") or {}).items():
                        validator = VALIDATORS.get((operation["operationId"], media_type))
                        if validator is None:
                            continue
                        for key, example in (media.get("examples") or {}).items():
                            label = f"{operation['operationId']}/{status}/{media_type}/{key}"
                            value = example.get("value")
                            if media_type == "text/event-stream":
                                values = [(f"{label}#{index}", json.loads(data)) for index, data in enumerate(sse_data(value))]
                            else:
                                values = [(label, value)]
                            yield label, validator, values


def first_error(error: ValidationError) -> str:
    detail = error.errors()[0]
    place = ".".join(str(part) for part in detail["loc"])
    return f"{error.error_count()} errors; first at {place or '$'}: {detail['msg']}"


def check(spec: Path, allowlist: dict[str, str]) -> tuple[list[str], int, int]:
    """Problems found, examples checked, values validated."""
    problems: list[str] = []
    rejected: set[str] = set()
    checked = validated = 0
    for label, validator, values in examples(spec):
        checked += 1
        for value_label, value in values:
            try:
                validator(value)
                validated += 1
            except OutOfScope:
                continue
            except ValidationError as error:
                rejected.add(label)
                if label not in allowlist and value_label not in allowlist:
                    problems.append(f"{value_label}: the SDK rejects it ({first_error(error)})")
    for entry in allowlist:
        example = entry.split("#")[0]
        if example not in rejected:
            problems.append(f"{entry}: allow-listed, but the SDK accepts it (or it no longer exists); remove the entry")
    return problems, checked, validated


def load_allowlist(path: Path) -> dict[str, str]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for key, reason in entries.items():
        if not isinstance(reason, str) or not reason.strip():
            raise SystemExit(f"{path}: `{key}` needs a reason")
    return entries


def self_test(allowlist: dict[str, str]) -> None:
    """Runs the check on a copy of the spec whose chat example has a string `created`; it must fail."""
    with tempfile.TemporaryDirectory() as directory:
        copy = Path(directory) / "spec"
        shutil.copytree(SPEC, copy, ignore=shutil.ignore_patterns("node_modules"))
        target = copy / "openai-chat.yaml"
        text = target.read_text(encoding="utf-8")
        damaged = text.replace("created: 1762737988", "created: yesterday", 1)
        if damaged == text:
            raise SystemExit("self-test: the example to damage was not found; update the self-test")
        target.write_text(damaged, encoding="utf-8")
        problems, _, _ = check(copy, allowlist)
    if not any("create_chat_completion/200/application/json/chat_non_stream" in problem for problem in problems):
        raise SystemExit(f"self-test: a damaged example went unnoticed; the check found only: {problems}")
    print("self-test: a damaged example is reported; the check can fail")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=SPEC, help="the spec directory (default: the repository's)")
    parser.add_argument("--self-test", action="store_true", help="prove that a wrong example fails the check")
    arguments = parser.parse_args()
    allowlist = load_allowlist(HERE / "allowlist.yaml")
    if arguments.self_test:
        self_test(allowlist)
        return
    problems, checked, validated = check(arguments.spec, allowlist)
    print(f"{checked} examples, {validated} values accepted by the SDK models, {len(allowlist)} allow-listed")
    if problems:
        print(f"{len(problems)} problems:\n  " + "\n  ".join(problems))
        sys.exit(1)


if __name__ == "__main__":
    main()
