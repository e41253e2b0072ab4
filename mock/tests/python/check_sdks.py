"""The official OpenAI, Anthropic and Google Python SDKs against `allmhub mock`, then through `allmhub proxy`
in front of it: chat, chat stream, Responses, Responses stream, embeddings, Claude messages and stream,
Gemini generate and stream. Third-party clients must work with both, and the proxy must report each
exchange as conforming without writing a credential.

Usage: python check_sdks.py PATH/TO/allmhub
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import traceback

import anthropic
import openai
from google import genai
from google.genai import types as genai_types

KEY = "sk-python-sdk-check-0123456789-SECRET"


def start(binary, *args):
    """Starts `allmhub ARGS`; returns the process and the base URL it printed on its first line."""
    process = subprocess.Popen(
        [binary, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise RuntimeError(f"`allmhub {' '.join(args)}` printed {url!r}: {process.stderr.read()}")
    return process, url


def stop(process):
    """Interrupts a server as Ctrl-C would; returns its stderr."""
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    return stderr


def checks(url):
    """(name, function) pairs, each calling one SDK feature against `url`."""
    oai = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0, timeout=30)
    claude = anthropic.Anthropic(base_url=url, api_key=KEY, max_retries=0, timeout=30)
    gemini = genai.Client(
        api_key=KEY,
        http_options=genai_types.HttpOptions(base_url=url, api_version="v1beta", timeout=30_000),
    )
    messages = [{"role": "user", "content": "Hello!"}]

    def chat():
        answer = oai.chat.completions.create(model="gpt-4o-mini", messages=messages)
        assert answer.choices[0].message.content, answer
        assert answer.model == "gpt-4o-mini", answer.model

    def chat_stream():
        stream = oai.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        assert text, "no text streamed"

    def responses():
        answer = oai.responses.create(model="gpt-4.1", input="Hello!")
        assert answer.output_text, answer

    def responses_stream():
        events = list(oai.responses.create(model="gpt-4.1", input="Hello!", stream=True))
        kinds = {event.type for event in events}
        assert "response.completed" in kinds, kinds
        assert "response.output_text.delta" in kinds, kinds

    def embeddings():
        answer = oai.embeddings.create(model="text-embedding-3-small", input="Hello!")
        assert len(answer.data[0].embedding) > 0, answer

    def claude_message():
        answer = claude.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=messages)
        assert answer.content[0].text, answer
        assert answer.model == "claude-sonnet-4-5", answer.model

    def claude_stream():
        with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=64, messages=messages) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        assert text, "no text streamed"
        assert final.stop_reason, final

    def gemini_generate():
        answer = gemini.models.generate_content(model="gemini-2.5-flash", contents="Hello!")
        assert answer.text, answer

    def gemini_stream():
        chunks = list(gemini.models.generate_content_stream(model="gemini-2.5-flash", contents="Hello!"))
        assert "".join(chunk.text or "" for chunk in chunks), chunks

    return [
        ("openai chat", chat),
        ("openai chat stream", chat_stream),
        ("openai responses", responses),
        ("openai responses stream", responses_stream),
        ("openai embeddings", embeddings),
        ("anthropic messages", claude_message),
        ("anthropic messages stream", claude_stream),
        ("google-genai generate_content", gemini_generate),
        ("google-genai generate_content_stream", gemini_stream),
    ]


def run(label, url):
    passed, failed = 0, 0
    for name, check in checks(url):
        try:
            check()
            passed += 1
            print(f"ok    {label}: {name}")
        except Exception:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"FAIL  {label}: {name}\n{traceback.format_exc()}")
    return passed, failed


def main():
    binary = sys.argv[1]
    passed, failed = 0, 0
    mock, mock_url = start(binary, "mock")
    try:
        p, f = run("mock", mock_url)
        passed, failed = passed + p, failed + f

        with tempfile.TemporaryDirectory() as directory:
            report = os.path.join(directory, "report.jsonl")
            proxy, proxy_url = start(binary, "proxy", "--upstream", mock_url, "--report", report)
            try:
                p, f = run("proxy", proxy_url)
                passed, failed = passed + p, failed + f
            finally:
                summary = stop(proxy)
            with open(report, encoding="utf-8") as lines:
                text = lines.read()
            exchanges = [json.loads(line) for line in text.splitlines()]
            problems = [
                exchange
                for exchange in exchanges
                if not (exchange["operation"] and exchange["request"]["ok"] and exchange["response"]["ok"])
            ]
            if len(exchanges) < p + f or problems or KEY in text or KEY in summary:
                failed += 1
                print(f"FAIL  proxy report: {len(exchanges)} exchanges, not conforming: {problems}")
                print(summary)
            else:
                passed += 1
                print(f"ok    proxy report: {len(exchanges)} exchanges, all conforming, no credential")
    finally:
        stop(mock)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
