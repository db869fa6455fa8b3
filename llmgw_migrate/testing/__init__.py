"""Test helpers users' CI can import too: a deterministic fake upstream and a real LiteLLM proxy runner."""
