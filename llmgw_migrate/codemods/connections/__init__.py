"""One repository-wide model of each LiteLLM proxy connection: phase 1 collects facts from every file
(collect.py, with per-language parts beside the handlers), phase 2 decides per connection whether it
migrates whole or not at all (decide.py), and apply.py applies that to the per-file rewrites."""
