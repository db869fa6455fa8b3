"""Azure OpenAI: `https://<resource>.openai.azure.com/openai/deployments/<deployment>/...?api-version=`.

Resource from LLM_AZURE_RESOURCE or the plan's azure_resource (LLM_AZURE_BASE_URL overrides the whole
origin); deployment from the plan's azure_deployment_name, else the catalog's model name for Azure;
api version from LLM_AZURE_API_VERSION or the plan's azure_api_version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from llmgw_migrate.gateway.errors import bad_request
from llmgw_migrate.gateway.providers.base import UpstreamCall, join_url
from llmgw_migrate.gateway.providers.openai_compatible import OpenAICompatibleAdapter

if TYPE_CHECKING:
    from llmgw_migrate.gateway.routing import Attempt

DEFAULT_API_VERSION = "2024-10-21"


class AzureAdapter(OpenAICompatibleAdapter):
    def __init__(self) -> None:
        super().__init__("azure")

    def _origin(self, attempt: Attempt) -> str:
        access = attempt.access
        if access.base_url:
            return access.base_url.rstrip("/").removesuffix("/openai")
        resource = access.options.get("azure_resource")
        if not resource:
            raise bad_request(
                "Azure needs a resource name: set LLM_AZURE_RESOURCE (or LLM_AZURE_BASE_URL)",
                code="provider_not_configured",
            )
        return f"https://{resource}.openai.azure.com"

    def _url(self, attempt: Attempt, operation: str) -> str:
        deployment = attempt.access.options.get("azure_deployment_name") or attempt.upstream_model
        version = attempt.access.options.get("azure_api_version") or DEFAULT_API_VERSION
        path = f"/openai/deployments/{quote(deployment, safe='')}/{operation}?api-version={quote(version)}"
        return join_url(self._origin(attempt), path)

    def _headers(self, attempt: Attempt) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        key = attempt.access.next_key()
        if key:
            headers["api-key"] = key
        return headers

    def chat_request(self, attempt: Attempt, body: dict[str, Any], stream: bool) -> UpstreamCall:
        call = super().chat_request(attempt, body, stream)
        call.body.pop("model", None)  # the deployment names the model
        call.url = self._url(attempt, "chat/completions")
        return call

    def embeddings_request(self, attempt: Attempt, body: dict[str, Any]) -> UpstreamCall:
        call = super().embeddings_request(attempt, body)
        call.body.pop("model", None)
        call.url = self._url(attempt, "embeddings")
        return call
