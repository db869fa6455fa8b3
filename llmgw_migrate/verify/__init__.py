"""`llmgw-migrate verify`: replay requests against LiteLLM and the gateway and compare what comes back.

suite.py   the requests: a built-in suite from the plan, JSONL corpora, LiteLLM spend logs
replay.py  concurrent replay with retries, budget, noise samples and Ctrl-C
compare.py the comparison ladder (rules/parity.yaml lists the known benign differences)
report.py  terminal table, JSON (schema in docs/verify-json.md), JUnit XML, Markdown, HTML
"""
