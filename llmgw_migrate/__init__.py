"""llmgw-migrate: move a team from a self-hosted LiteLLM proxy to LLM Gateway."""

__version__ = "0.1.0"
