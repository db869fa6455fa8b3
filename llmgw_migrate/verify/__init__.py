"""`llmgw-migrate verify`: replay requests against LiteLLM and the gateway and compare what comes back.

suite.py   the requests: a built-in suite from the plan, JSONL corpora, LiteLLM spend logs
replay.py  concurrent replay with retries, budget, noise samples and Ctrl-C
compare.py the comparison ladder, driving:
  parity_rules.py    rules/parity.yaml: volatile paths, known benign differences, status equivalents
  response_shapes.py response and error-envelope schema checks, the tool-parameter JSON schema subset
  streams.py         SSE / Anthropic event streams folded into one answer
  values.py          JSON paths, tool calls, similarity and cosine
  outcomes.py        pass / differ / error and its differences
report.py  terminal table, JSON (schema in docs/verify-json.md), JUnit XML, Markdown, HTML
"""
