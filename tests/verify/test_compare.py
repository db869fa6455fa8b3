"""The comparison ladder, one rung at a time: noop cases first (precision before recall)."""

from __future__ import annotations

import json

import pytest

from llmgw_migrate.config.catalog import load_catalog
from llmgw_migrate.verify.compare import (
    CompareOptions,
    Comparer,
    fold_anthropic_stream,
    fold_stream,
    schema_violations,
)
from llmgw_migrate.verify.replay import Exchange, parse_sse
from llmgw_migrate.verify.suite import MESSAGES, WEATHER_TOOL, Case
from tests.verify.helpers import (
    chat_body,
    chat_case,
    chunk,
    embed_case,
    err,
    error_case,
    ok,
    sse,
    text_stream,
    tool_body,
    tool_case,
)


@pytest.fixture(scope="module")
def cmp() -> Comparer:
    return Comparer(load_catalog())


def paths(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [d.path for d in result.differences]


# -- pass: what must NOT be reported --------------------------------------------------------------------
def test_identical_answers_pass(cmp: Comparer) -> None:
    r = cmp.compare(chat_case(), ok(chat_body()), ok(chat_body()))
    assert r.status == "pass" and not r.differences


def test_volatile_fields_are_ignored(cmp: Comparer) -> None:
    after = chat_body(id="other", created=99, system_fingerprint="fp_x")
    r = cmp.compare(chat_case(), ok(chat_body(system_fingerprint="fp_a")), ok(after))
    assert r.status == "pass"


def test_gateway_model_echo_is_a_known_difference(cmp: Comparer) -> None:
    r = cmp.compare(chat_case(), ok(chat_body()), ok(chat_body(model="openai/gpt-4o-mini")))
    assert r.status == "pass"
    assert [(d.path, d.rule) for d in r.known] == [("model", "model-echo")]


def test_model_echo_resolves_dated_upstream_names_through_the_catalog(cmp: Comparer) -> None:
    before = chat_body(model="gpt-4o-mini-2024-07-18")
    r = cmp.compare(chat_case(), ok(before), ok(chat_body(model="openai/gpt-4o-mini")))
    assert r.status == "pass"


def test_after_only_fields_are_additions_not_differences(cmp: Comparer) -> None:
    after = chat_body(metadata={"used_provider": "openai"})
    after["usage"]["cost"] = 0.0001
    r = cmp.compare(chat_case(), ok(chat_body()), ok(after))
    assert r.status == "pass" and not r.known


def test_litellm_only_decorations_are_known(cmp: Comparer) -> None:
    before = chat_body()
    before["choices"][0]["provider_specific_fields"] = {"x": 1}
    before["usage"]["completion_tokens_details"] = {"reasoning_tokens": 0}
    r = cmp.compare(chat_case(), ok(before), ok(chat_body()))
    assert r.status == "pass"
    assert {d.rule for d in r.known} == {"litellm-extras"}


def test_nulls_and_missing_are_the_same(cmp: Comparer) -> None:
    before = chat_body()
    before["choices"][0]["message"]["function_call"] = None
    before["choices"][0]["logprobs"] = None
    r = cmp.compare(chat_case(), ok(before), ok(chat_body()))
    assert r.status == "pass" and not r.differences


def test_usage_within_tolerance_passes(cmp: Comparer) -> None:
    after = chat_body()
    after["usage"] = {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17}
    assert cmp.compare(chat_case(), ok(chat_body()), ok(after)).status == "pass"


def test_error_parity_compares_status_and_envelope_not_wording(cmp: Comparer) -> None:
    before = err(400, "Invalid model name passed in model=x", "invalid_request_error")
    after = err(400, "Requested model x not supported", "invalid_request_error")
    after.body["error"]["code"] = "model_not_found"
    assert cmp.compare(error_case(), before, after).status == "pass"


def test_litellm_without_db_rejects_keys_with_400_known(cmp: Comparer) -> None:
    before = err(400, "No connected db.", "no_db_connection")
    r = cmp.compare(error_case("bad-key"), before, err(401, "invalid key", "invalid_api_key"))
    assert r.status == "pass"
    assert r.known[0].rule == "litellm-auth-without-db"


def test_known_status_pair_excuses_only_its_own_case_kind(cmp: Comparer) -> None:
    # The issue-15 run: a wrong --before path (404) and a gateway without keys (400). For the unknown-model
    # case that pair is the known difference; for a plain chat it is an error naming both reasons.
    before = err(404, "Not Found", "not_found_error")
    after = err(400, "Provider aws-bedrock is not supported")
    assert cmp.compare(error_case("unknown-model"), before, after).status == "pass"
    r = cmp.compare(chat_case(), before, after)
    assert r.status == "error" and not r.known
    assert r.error == (
        "the request failed on both sides: before 404: Not Found; "
        "after 400: Provider aws-bedrock is not supported"
    )
    # and the bad-key equivalences do not excuse a plain chat either
    r = cmp.compare(chat_case(), err(403, "forbidden"), err(401, "invalid key"))
    assert r.status == "error" and not r.known
    assert (
        cmp.compare(error_case("bad-key"), err(403, "forbidden"), err(401, "x")).known[0].rule
        == "auth-forbidden"
    )


def test_ordinary_request_failing_alike_on_both_sides_is_an_error(cmp: Comparer) -> None:
    r = cmp.compare(chat_case(), err(500, "upstream down"), err(500, "upstream down"))
    assert r.status == "error"
    assert "before 500: upstream down" in (r.error or "")


def test_load_balanced_group_differences_are_deployment_noise() -> None:
    # Two deployments behind one name answer with different models and words; whichever LiteLLM picks,
    # the verdict is the same (issue 15: 4 PARITY and 2 DIFFERENCES in 6 runs before).
    grouped = Comparer(load_catalog(), groups={"gpt-4o-mini": 2})
    after = ok(chat_body("Salt comes from rocks.", model="openai/gpt-4o-mini"))
    verdicts = set()
    for answer in (
        chat_body("Salt comes from rocks.", model="gpt-4o-mini"),
        chat_body("Rivers carry dissolved minerals into it.", model="claude-3-5-haiku-20241022"),
    ):
        r = grouped.compare(chat_case(), ok(answer), after)
        verdicts.add(r.status)
    assert verdicts == {"pass"}
    # a missing answer is still a difference, and so is a broken schema
    r = grouped.compare(chat_case(), ok(chat_body("Salt.")), ok(chat_body(None, model="openai/gpt-4o-mini")))
    assert r.status == "differ" and r.differences[0].path == "choices[0].message.content"
    # without the group, the different deployment is a difference
    plain = Comparer(load_catalog())
    other = chat_body("Rivers carry dissolved minerals into it.", model="claude-3-5-haiku-20241022")
    assert plain.compare(chat_case(), ok(other), after).status == "differ"


def test_tool_arguments_compare_parsed_not_as_text(cmp: Comparer) -> None:
    before = tool_body('{"city": "Lisbon", "unit": "celsius"}')
    after = tool_body('{"unit":"celsius","city":"Lisbon"}')
    after["choices"][0]["message"]["tool_calls"][0]["id"] = "call_other"
    assert cmp.compare(tool_case(), ok(before), ok(after)).status == "pass"


def test_similarity_when_temperature_is_not_zero(cmp: Comparer) -> None:
    case = chat_case(temperature=0.7)
    r = cmp.compare(
        case,
        ok(chat_body("The sea is salty because of rocks.")),
        ok(chat_body("The sea is salty because of rock.")),
    )
    assert r.status == "pass"


def test_json_mode_compares_parsed_json(cmp: Comparer) -> None:
    case = chat_case(response_format={"type": "json_object"})
    r = cmp.compare(case, ok(chat_body('{"answer": "Lisbon"}')), ok(chat_body('{ "answer":"Lisbon" }')))
    assert r.status == "pass"


def test_streams_with_same_content_pass_and_final_usage_chunk_is_fine(cmp: Comparer) -> None:
    case = chat_case(stream=True)
    before = sse(text_stream("salt from rocks"))
    after = sse(text_stream("salt from rocks", model="openai/gpt-4o-mini", usage=True))
    r = cmp.compare(case, before, after)
    assert r.status == "pass", r.differences


def test_embeddings_equal_vectors_pass(cmp: Comparer) -> None:
    body = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }
    before = json.loads(json.dumps(body))
    before["usage"]["completion_tokens"] = 0  # LiteLLM adds it
    after = json.loads(json.dumps(body))
    after["model"] = "openai/text-embedding-3-small"
    assert cmp.compare(embed_case(), ok(before), ok(after)).status == "pass"


# -- differ: what must be reported, with the field path --------------------------------------------------
def test_status_class_difference_stops_the_ladder(cmp: Comparer) -> None:
    r = cmp.compare(chat_case(), ok(chat_body()), err(410, "deactivated"))
    assert r.status == "differ"
    assert [(d.path, d.before, d.after) for d in r.differences] == [("status", 200, 410)]


def test_error_without_envelope_is_reported(cmp: Comparer) -> None:
    after = Exchange(status=400, body={"message": "bad"})
    r = cmp.compare(error_case(), err(400), after)
    assert paths(r) == ["error"]


def test_wrong_model_is_reported(cmp: Comparer) -> None:
    r = cmp.compare(chat_case(), ok(chat_body()), ok(chat_body(model="openai/gpt-4o")))
    assert r.status == "differ"
    assert ("model", "gpt-4o-mini", "openai/gpt-4o") in [(d.path, d.before, d.after) for d in r.differences]


def test_content_at_temperature_zero_must_match_exactly(cmp: Comparer) -> None:
    r = cmp.compare(chat_case(), ok(chat_body("a b c")), ok(chat_body("a b d")))
    assert paths(r) == ["choices[0].message.content"]
    assert r.differences[0].before == "a b c" and r.differences[0].after == "a b d"


def test_dissimilar_content_is_reported_at_temperature_above_zero(cmp: Comparer) -> None:
    r = cmp.compare(chat_case(temperature=1), ok(chat_body("alpha bravo")), ok(chat_body("zulu yankee xray")))
    assert paths(r) == ["choices[0].message.content"]


def test_finish_reason(cmp: Comparer) -> None:
    after = chat_body()
    after["choices"][0]["finish_reason"] = "length"
    r = cmp.compare(chat_case(), ok(chat_body()), ok(after))
    assert paths(r) == ["choices[0].finish_reason"]


def test_tool_name_difference(cmp: Comparer) -> None:
    r = cmp.compare(
        tool_case(),
        ok(tool_body({"city": "Lisbon", "unit": "celsius"})),
        ok(tool_body({"city": "Lisbon", "unit": "celsius"}, name="get_time")),
    )
    assert paths(r) == ["choices[0].message.tool_calls[0].function.name"]


def test_tool_argument_difference_names_the_argument(cmp: Comparer) -> None:
    r = cmp.compare(
        tool_case(),
        ok(tool_body({"city": "Lisbon", "unit": "celsius"})),
        ok(tool_body({"city": "Porto", "unit": "celsius"})),
    )
    assert [(d.path, d.before, d.after) for d in r.differences] == [
        ("choices[0].message.tool_calls[0].function.arguments.city", "Lisbon", "Porto")
    ]


def test_tool_arguments_are_validated_against_the_tool_schema(cmp: Comparer) -> None:
    r = cmp.compare(
        tool_case(),
        ok(tool_body({"city": "Lisbon", "unit": "celsius"})),
        ok(tool_body({"city": "Lisbon", "unit": "kelvin"})),
    )
    checks = {(d.path, d.check) for d in r.differences}
    assert ("choices[0].message.tool_calls[0].function.arguments.unit", "tool_schema") in checks


def test_tool_arguments_that_are_not_json(cmp: Comparer) -> None:
    r = cmp.compare(
        tool_case(), ok(tool_body({"city": "Lisbon", "unit": "celsius"})), ok(tool_body("{city:"))
    )
    assert paths(r) == ["choices[0].message.tool_calls[0].function.arguments"]
    assert "not valid JSON" in r.differences[0].after


def test_missing_tool_call(cmp: Comparer) -> None:
    r = cmp.compare(
        tool_case(), ok(tool_body({"city": "Lisbon", "unit": "celsius"})), ok(chat_body("It is sunny"))
    )
    assert "choices[0].message.tool_calls" in paths(r)


def test_usage_outside_tolerance(cmp: Comparer) -> None:
    after = chat_body()
    after["usage"] = {"prompt_tokens": 40, "completion_tokens": 5, "total_tokens": 45}
    r = cmp.compare(chat_case(), ok(chat_body()), ok(after))
    assert paths(r) == ["usage.prompt_tokens", "usage.total_tokens"]


def test_usage_tolerance_is_configurable() -> None:
    loose = Comparer(load_catalog(), opts=CompareOptions(usage_relative=5.0))
    after = chat_body()
    after["usage"] = {"prompt_tokens": 40, "completion_tokens": 5, "total_tokens": 45}
    assert loose.compare(chat_case(), ok(chat_body()), ok(after)).status == "pass"


def test_missing_field_on_the_after_side(cmp: Comparer) -> None:
    before = chat_body()
    before["choices"][0]["message"]["refusal"] = "no"
    r = cmp.compare(chat_case(), ok(before), ok(chat_body()))
    assert [(d.path, d.check) for d in r.differences] == [("choices[0].message.refusal", "missing")]


def test_schema_problems_on_the_after_side(cmp: Comparer) -> None:
    after = chat_body()
    del after["choices"][0]["message"]["role"]
    r = cmp.compare(chat_case(), ok(chat_body()), ok(after))
    assert ("choices[0].message.role", "schema") in [(d.path, d.check) for d in r.differences]


def test_json_mode_answer_that_is_not_json(cmp: Comparer) -> None:
    case = chat_case(response_format={"type": "json_object"})
    r = cmp.compare(case, ok(chat_body('{"answer": "Lisbon"}')), ok(chat_body("Lisbon")))
    assert [(d.path, d.check) for d in r.differences] == [("choices[0].message.content", "json_mode")]


def test_json_mode_difference_names_the_key(cmp: Comparer) -> None:
    case = chat_case(response_format={"type": "json_object"})
    r = cmp.compare(case, ok(chat_body('{"answer": "Lisbon"}')), ok(chat_body('{"answer": "Porto"}')))
    assert paths(r) == ["choices[0].message.content.answer"]


def test_embedding_dimensions_and_direction(cmp: Comparer) -> None:
    def emb(vec: list[float]) -> dict:
        return {
            "object": "list",
            "data": [{"index": 0, "embedding": vec}],
            "model": "m",
            "usage": {"prompt_tokens": 1, "total_tokens": 1},
        }

    r = cmp.compare(embed_case(), ok(emb([1.0, 0.0])), ok(emb([1.0, 0.0, 0.0])))
    assert [(d.path, d.after) for d in r.differences] == [("data[0].embedding", "3 dimensions")]
    r = cmp.compare(embed_case(), ok(emb([1.0, 0.0])), ok(emb([0.0, 1.0])))
    assert r.differences[0].after.startswith("cosine 0.0")


def test_stream_protocol_problems(cmp: Comparer) -> None:
    case = chat_case(stream=True)
    before = sse(text_stream("salt from rocks"))
    r = cmp.compare(case, before, sse(text_stream("salt from rocks"), done=False))
    assert "stream.done" in paths(r)
    r = cmp.compare(case, before, sse(text_stream("salt from rocks", roles=2)))
    assert "stream.choices[0].role_deltas" in paths(r)
    no_finish = [e for e in text_stream("salt from rocks") if e["choices"][0]["finish_reason"] is None]
    r = cmp.compare(case, before, sse(no_finish))
    assert "stream.choices[0].finish_reason" in paths(r)


def test_stream_content_difference(cmp: Comparer) -> None:
    case = chat_case(stream=True)
    r = cmp.compare(case, sse(text_stream("salt from rocks")), sse(text_stream("salt from rivers")))
    assert paths(r) == ["choices[0].message.content"]


def test_not_a_stream_when_one_was_asked_for(cmp: Comparer) -> None:
    case = chat_case(stream=True)
    r = cmp.compare(case, sse(text_stream("x")), ok(chat_body("x")))
    assert paths(r) == ["stream"]


def test_streamed_tool_call_arguments_are_reassembled(cmp: Comparer) -> None:
    case = tool_case()
    case = type(case)(**{**case.__dict__, "body": {**case.body, "stream": True}})

    def stream(args: str) -> Exchange:
        head = {
            "index": 0,
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        }
        events = [chunk({"role": "assistant", "content": None}), chunk({"tool_calls": [head]})]
        for i in range(0, len(args), 5):
            events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": args[i : i + 5]}}]}))
        events.append(chunk({}, "tool_calls"))
        return sse(events)

    same = cmp.compare(
        case, stream('{"city": "Lisbon", "unit": "celsius"}'), stream('{"city":"Lisbon","unit":"celsius"}')
    )
    assert same.status == "pass", same.differences
    diff = cmp.compare(
        case, stream('{"city": "Lisbon", "unit": "celsius"}'), stream('{"city": "Porto", "unit": "celsius"}')
    )
    assert paths(diff) == ["choices[0].message.tool_calls[0].function.arguments.city"]


def test_dropped_parameter_differences_are_attributed(cmp: Comparer) -> None:
    case = chat_case(stop=["."])
    r = cmp.compare(case, ok(chat_body("Salt")), ok(chat_body("Salt. It comes from rocks.")))
    assert r.status == "pass"
    assert r.known[0].rule == "dropped-param:stop"


def test_transport_failure_is_an_error(cmp: Comparer) -> None:
    r = cmp.compare(chat_case(), ok(chat_body()), Exchange(error="ConnectError: refused"))
    assert r.status == "error" and "after: ConnectError" in (r.error or "")


# -- noise (Diffy) ---------------------------------------------------------------------------------------
def test_noise_suppresses_differences_the_before_side_has_with_itself(cmp: Comparer) -> None:
    case = chat_case(temperature=1)
    before = ok(chat_body("alpha bravo charlie"))
    after = ok(chat_body("delta echo foxtrot golf"))
    samples = [ok(chat_body("hotel india juliet kilo")), ok(chat_body("lima mike"))]
    r = cmp.compare(case, before, after, samples)
    assert r.status == "pass"
    assert [d.path for d in r.noise] == ["choices[0].message.content"]


def test_noise_does_not_hide_a_stable_field(cmp: Comparer) -> None:
    case = chat_case(temperature=1)
    before = ok(chat_body("alpha bravo charlie"))
    after_body = chat_body("delta echo foxtrot golf")
    after_body["choices"][0]["finish_reason"] = "length"
    samples = [ok(chat_body("hotel india juliet kilo"))]
    r = cmp.compare(case, before, ok(after_body), samples)
    assert paths(r) == ["choices[0].finish_reason"]


def test_noise_floor_for_content_similarity(cmp: Comparer) -> None:
    case = chat_case(temperature=1)
    before = ok(chat_body("the quick brown fox jumps over the lazy dog"))
    sample = ok(chat_body("the quick brown fox jumps over the lazy cat"))  # before is very stable
    after = ok(chat_body("zzz qqq www"))
    r = cmp.compare(case, before, after, [sample])
    assert paths(r) == ["choices[0].message.content"]


# -- pieces ----------------------------------------------------------------------------------------------
def test_parse_sse_framing() -> None:
    cap = parse_sse('data: {"a": 1}\n\n: ping\n\nevent: error\ndata: {"error": {}}\n\ndata: [DONE]\n\n')
    assert cap.done and not cap.framing_errors and len(cap.events) == 3 and cap.events[1].event == "error"
    bad = parse_sse('data: {"a": 1}\nbogus\n\ndata: [DONE]\n\ndata: {"late": 1}')
    assert any("unterminated" in e for e in bad.framing_errors)
    assert any("after data: [DONE]" in e for e in bad.framing_errors)
    assert any("without a field name" in e for e in bad.framing_errors)


def test_stream_error_event_is_a_problem() -> None:
    cap = parse_sse('data: {"error": {"message": "boom"}}\n\ndata: [DONE]\n\n')
    assert "stream.error" in [p for p, _ in fold_stream(cap).problems]


def test_schema_violations_subset() -> None:
    schema = WEATHER_TOOL["function"]["parameters"]
    assert schema_violations({"city": "x", "unit": "celsius"}, schema) == []
    found = dict(schema_violations({"unit": "k", "days": 9, "extra": 1}, schema))
    assert set(found) == {"city", "unit", "days", "extra"}
    assert schema_violations([1, "a"], {"type": "array", "items": {"type": "integer"}}) == [
        ("[1]", "expected integer, got str")
    ]
    assert schema_violations(3, {"anyOf": [{"type": "string"}, {"type": "null"}]})


def test_litellm_echoing_the_model_group_is_resolved_through_the_plan() -> None:
    served = Comparer(load_catalog(), served={"gpt-4o-mini": "gpt-4o-mini", "fast": "gpt-4o-mini"})
    case = chat_case()
    case = type(case)(**{**case.__dict__, "model": "fast", "body": {**case.body, "model": "fast"}})
    same = served.compare(case, ok(chat_body(model="fast")), ok(chat_body(model="openai/gpt-4o-mini")))
    assert same.status == "pass" and same.known[0].rule == "model-echo"
    wrong = served.compare(case, ok(chat_body(model="fast")), ok(chat_body(model="openai/gpt-4o")))
    assert [(d.path, d.before) for d in wrong.differences] == [("model", "gpt-4o-mini (served as 'fast')")]


def test_empty_containers_read_as_absent(cmp: Comparer) -> None:
    before = chat_body()
    before["choices"][0]["message"]["audio"] = {}
    before["choices"][0]["message"]["refusal"] = ""
    before["extra_list"] = []
    assert cmp.compare(chat_case(), ok(before), ok(chat_body())).status == "pass"


def test_stream_tool_call_deltas_without_index() -> None:
    head = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":'}}
    events = [
        chunk({"role": "assistant"}),
        chunk({"tool_calls": [head]}),
        chunk({"tool_calls": [{"function": {"arguments": ' "Lisbon"}'}}]}),
        chunk({}, "tool_calls"),
    ]
    folded = fold_stream(sse(events).stream)  # type: ignore[arg-type]
    calls = folded.body["choices"][0]["message"]["tool_calls"]
    assert len(calls) == 1 and calls[0]["function"]["arguments"] == '{"city": "Lisbon"}'


# -- Anthropic /v1/messages --------------------------------------------------------------------------------
def msg_case(**body: object) -> Case:
    base = {
        "model": "claude",
        "max_tokens": 64,
        "temperature": 0,
        "messages": [{"role": "user", "content": "hi"}],
    }
    base.update(body)
    return Case(
        id="m",
        endpoint=MESSAGES,
        body=base,
        model="claude",
        after_model="anthropic/claude-haiku-4-5",
        kind="corpus",
    )


def message(*blocks: dict, stop: str = "end_turn", model: str = "claude-haiku-4-5") -> dict:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": list(blocks),
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 7},
    }


TOOLS_M = [
    {
        "name": "get_weather",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]


def test_messages_parity_and_differences(cmp: Comparer) -> None:
    text = {"type": "text", "text": "Hello there"}
    assert (
        cmp.compare(
            msg_case(), ok(message(text)), ok(message(text, model="anthropic/claude-haiku-4-5"))
        ).status
        == "pass"
    )
    r = cmp.compare(
        msg_case(), ok(message(text)), ok(message({"type": "text", "text": "Hi"}, stop="max_tokens"))
    )
    assert paths(r) == ["stop_reason", "content[0].text"]
    case = msg_case(tools=TOOLS_M)
    use = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Lisbon"}}
    other = {**use, "id": "toolu_2", "input": {"city": "Porto"}}
    assert (
        cmp.compare(
            case, ok(message(use, stop="tool_use")), ok(message({**use, "id": "toolu_9"}, stop="tool_use"))
        ).status
        == "pass"
    )
    r = cmp.compare(case, ok(message(use, stop="tool_use")), ok(message(other, stop="tool_use")))
    assert [(d.path, d.before, d.after) for d in r.differences] == [
        ("content[0].input.city", "Lisbon", "Porto")
    ]
    r = cmp.compare(
        case, ok(message(use, stop="tool_use")), ok(message({**use, "input": {}}, stop="tool_use"))
    )
    assert ("content[0].input.city", "tool_schema") in [(d.path, d.check) for d in r.differences]
    r = cmp.compare(case, ok(message(use, stop="tool_use")), ok(message(text)))
    assert "content" in paths(r)


def anthropic_stream(text: str, stop: bool = True) -> Exchange:
    events = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-haiku-4-5",
                "content": [],
                "stop_reason": None,
                "usage": {"input_tokens": 5, "output_tokens": 0},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
    ]
    events += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w + " "}}
        for w in text.split()
    ]
    events += [
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
    ]
    if stop:
        events.append({"type": "message_stop"})
    body = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
    return Exchange(status=200, stream=parse_sse(body), headers={"content-type": "text/event-stream"})


def test_messages_streams(cmp: Comparer) -> None:
    case = msg_case(stream=True)
    assert cmp.compare(case, anthropic_stream("a b c"), anthropic_stream("a b c")).status == "pass"
    assert paths(cmp.compare(case, anthropic_stream("a b c"), anthropic_stream("a b d"))) == [
        "content[0].text"
    ]
    assert "stream.message_stop" in paths(
        cmp.compare(case, anthropic_stream("a"), anthropic_stream("a", stop=False))
    )
    folded = fold_anthropic_stream(anthropic_stream("a b").stream)  # type: ignore[arg-type]
    assert folded.body["content"] == [{"type": "text", "text": "a b "}]
    assert folded.body["usage"] == {"input_tokens": 5, "output_tokens": 3} and not folded.problems
